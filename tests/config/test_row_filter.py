"""A source's `filter:` (curation/config/row_filter.py): parsed with a whitelist, never eval'd; records it
leaves out are rejected by the read stage with reason source_filter."""

from __future__ import annotations

import json

import pytest

from curation.config.manifest import Source, load_manifest
from curation.config.row_filter import RowFilter
from curation.core.errors import UserError
from curation.readers import plan_parts, read_part

from conftest import assert_one_line_error, entry, line_of, manifest_text, write


@pytest.mark.parametrize(
    "expression, record, keep",
    [
        ("licence == 'cc-by-sa'", {"licence": "cc-by-sa"}, True),
        ("licence == 'cc-by-sa'", {"licence": "cc-by-nc"}, False),
        ("licence != 'cc-by-nc'", {}, True),  # a missing field is null
        ("subset in ['courtlistener', 'r_legaladvice']", {"subset": "courtlistener"}, True),
        ("subset not in ('a', 'b')", {"subset": "a"}, False),
        ("'nc' in licence", {"licence": "cc-by-nc"}, True),
        ("meta.year >= 2000 and meta.year < 2010", {"meta": {"year": 2005}}, True),
        ("1990 <= meta.year < 2000", {"meta": {"year": 2005}}, False),
        ("meta.year > 2000", {"meta": {"year": "2005"}}, False),  # no order between a string and a number
        ("meta.year > 2000", {}, False),  # nor with null
        ("not (a == 1 or b == 2)", {"a": 0, "b": 2}, False),
        ("field('pile-set-name') == 'FreeLaw'", {"pile-set-name": "FreeLaw"}, True),
        ("score > -0.5 and ok == true", {"score": 0.1, "ok": True}, True),
        ("ok", {"ok": False}, False),
        ("x == null", {"x": None}, True),
    ],
)
def test_expressions(expression, record, keep):
    assert RowFilter(expression)(record) is keep


@pytest.mark.parametrize(
    "expression, message",
    [
        ("__import__('os').system('true')", "is not allowed"),
        ("a + 1 > 2", "'a + 1' is not allowed"),
        ("a.lower() == 'x'", "is not allowed"),
        ("a if b else c", "is not allowed"),
        ("a is None", "operator"),
        ("a ==", "not a valid expression"),
        ("[x for x in y]", "is not allowed"),
    ],
)
def test_anything_else_is_refused(expression, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("+", r"\+")):
        RowFilter(expression)


def test_a_bad_filter_names_file_line_and_field(tmp_path):
    text = manifest_text(entry("x", "X", **{"    format: jsonl\n": "    format: jsonl\n    filter: \"licence = 'by'\"\n"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, "filter:"), "source 'x'", "filter", "not a valid expression")


def test_filtered_records_are_rejected_with_a_reason(tmp_path):
    rows = [{"text": f"doc {i}", "licence": "cc-by-nc" if i % 3 == 0 else "cc-by", "n": i} for i in range(10)]
    rows.append({"licence": "cc-by-nc"})  # no text, but left out by the filter first: rejected, not quarantined
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    src = Source(id="s", name="S", languages=["eu"], domain="web", licence="x", format="jsonl", location=str(tmp_path / "a.jsonl"), filter="licence != 'cc-by-nc' and n < 8")
    (part,) = plan_parts(src, 1 << 30)
    batches = list(read_part(src, part, 100))
    kept = [t for b in batches for t in b.docs["text"].to_pylist()]
    rejected = [r for b in batches for r in b.rejected["reason"].to_pylist()]
    assert kept == ["doc 1", "doc 2", "doc 4", "doc 5", "doc 7"]
    assert rejected == ["source_filter"] * 6
    assert sum(b.quarantined.num_rows for b in batches) == 0

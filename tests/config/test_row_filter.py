"""A source's `filter:` (curation/config/row_filter.py): parsed with a whitelist, never eval'd; records it
leaves out are rejected by the read stage with reason source_filter."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import assert_one_line_error, entry, line_of, manifest_text, write

from curation.config.manifest import Source, load_manifest
from curation.config.row_filter import RowFilter
from curation.core.errors import UserError
from curation.readers import plan_parts, read_part


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


def test_file_and_folder_names():
    # Pile of Law keeps its subset in the file name: data/train.courtlisteneropinions.3.jsonl.xz
    f = RowFilter("'.courtlisteneropinions.' in field('{file}') and field('{dir}') == 'data'")
    assert f({}, "train.courtlisteneropinions.3.jsonl.xz", "data") and not f({}, "train.bva.jsonl.xz", "data")
    assert f.paths == []  # no field of the record is read


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


def _read(src: Source):
    (part,) = plan_parts(src, 1 << 30)
    batches = list(read_part(src, part, 100))
    kept = [t for b in batches for t in b.docs["text"].to_pylist()]
    rejected = [(o.rsplit(":", 1)[1], r) for b in batches for o, r in zip(b.rejected["origin"].to_pylist(), b.rejected["reason"].to_pylist())]
    return kept, rejected, sum(b.quarantined.num_rows for b in batches)


ROWS = [{"text": f"doc {i}" if i != 4 else " ", "licence": "cc-by-nc" if i % 3 == 0 else "cc-by", "meta": {"n": i}} for i in range(10)]
FILTER = "licence != 'cc-by-nc' and meta.n < 8"


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_filtered_records_are_rejected_with_a_reason(tmp_path, fmt):
    """Both mapping paths (Arrow columns for whole blocks, record by record) give the same rows."""
    path = tmp_path / f"a.{fmt}"
    if fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    else:
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    src = Source(id="s", name="S", languages=["eu"], domain="web", licence="x", format=fmt, location=str(path), filter=FILTER)
    kept, rejected, quarantined = _read(src)
    assert kept == ["doc 1", "doc 2", "doc 5", "doc 7"]
    assert sorted(r for _, r in rejected) == ["empty_text"] + ["source_filter"] * 5  # the filter is checked first
    assert quarantined == 0


def test_a_record_left_out_is_not_quarantined_for_its_missing_text(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS + [{"licence": "cc-by-nc", "meta": {"n": 1}}]) + "\n")
    src = Source(id="s", name="S", languages=["eu"], domain="web", licence="x", format="jsonl", location=str(path), filter=FILTER)
    kept, rejected, quarantined = _read(src)
    assert kept == ["doc 1", "doc 2", "doc 5", "doc 7"]
    assert [r for _, r in rejected].count("source_filter") == 6 and quarantined == 0

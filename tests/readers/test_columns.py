"""Field mapping on Arrow columns (readers/columns.py) against the record-by-record mapper it stands in for.

A JSONL block with one bad line is mapped record by record; the same records in a clean block take the
Arrow path. Both must give the same documents, so each test reads the records both ways.
"""

from __future__ import annotations

import json

import pytest

from curation.config.manifest import FieldMap, Source
from curation.core.errors import UserError
from curation.config.manifest import load_manifest
from test_readers import OSCAR_FIELDS, make_source, oscar_record, read_all, write_records

BAD_LINE = b'{"content": "roto'


def both_ways(tmp_path, records: list[dict], fields: FieldMap, fmt: str = "jsonl") -> tuple[list[dict], list[dict], list[dict]]:
    """(docs via the Arrow path, docs via the per-record path, quarantine of the second read)."""
    fast = tmp_path / f"fast.{fmt}"
    write_records(fast, fmt, records)
    slow = tmp_path / "slow.jsonl"
    slow.write_bytes(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records) + BAD_LINE + b"\n")
    a = read_all(make_source(fmt, fast, fields=fields))
    b = read_all(make_source("jsonl", slow, fields=fields))
    strip = lambda docs: [{k: v for k, v in d.items() if k not in ("origin", "id")} for d in docs]  # noqa: E731 - origins name the file
    return strip(a.docs + a.rejected), strip(b.docs + b.rejected), b.quarantined


def test_arrow_path_equals_record_path(tmp_path):
    records = [oscar_record(i) for i in range(30)]
    records[3]["metadata"]["quality_warnings"] = None  # nulls are dropped from metadata on both paths
    records[4]["title"] = None
    fast, slow, quarantined = both_ways(tmp_path, records, OSCAR_FIELDS)
    assert fast == slow and len(fast) == 30
    assert [q["error"].split(":")[0] for q in quarantined] == ["invalid JSON"]
    assert "quality_warnings" not in json.loads(fast[3]["metadata"]) and "title" not in json.loads(fast[4]["metadata"])


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_text_from_a_list_of_fields(tmp_path, fmt):
    # Aya-style records: the document is the prompt and the answer; a missing part is skipped
    records = [{"inputs": f"pregunta {i}", "targets": f"respuesta {i}"} for i in range(6)]
    records[2]["targets"] = None
    fields = FieldMap(text=["inputs", "targets"], text_separator="\n---\n")
    fast, slow, _ = both_ways(tmp_path, records, fields, fmt)
    assert fast == slow
    assert [d["text"] for d in fast] == [f"pregunta {i}\n---\nrespuesta {i}" if i != 2 else "pregunta 2" for i in range(6)]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_text_from_a_template(tmp_path, fmt):
    records = [{"q": {"en": f"q{i}"}, "a": f"a{i}"} for i in range(4)]
    fields = FieldMap(text="Q: {q.en}\n\nA: {a}")
    fast, slow, _ = both_ways(tmp_path, records, fields, fmt)
    assert fast == slow
    assert [d["text"] for d in fast] == [f"Q: q{i}\n\nA: a{i}" for i in range(4)]


def test_template_with_a_missing_field_is_quarantined(tmp_path):
    records = [{"q": "uno", "a": "dos"}, {"q": "tres"}]
    path = tmp_path / "a.jsonl"
    write_records(path, "jsonl", records)
    r = read_all(make_source("jsonl", path, fields=FieldMap(text="{q} / {a}")))
    assert [d["text"] for d in r.docs] == ["uno / dos"]
    (q,) = r.quarantined
    assert q["error"] == "no text: field 'a' (fields.text) is missing" and q["offset"] == len(json.dumps(records[0])) + 1


def test_types_that_change_between_lines(tmp_path):
    # an id that is a number in one record and a string in the next; an unused field of changing type
    records = [{"text": "a", "id": 7, "x": 1}, {"text": "b", "id": "r2", "x": "uno"}, {"text": "c", "id": 3.5, "x": [1]}]
    path = tmp_path / "a.jsonl"
    write_records(path, "jsonl", records)
    r = read_all(make_source("jsonl", path, fields=FieldMap(id="id")))
    assert [d["id"] for d in r.docs] == ["7", "r2", "3.5"] and not r.quarantined


def test_two_objects_on_one_line_are_one_bad_record(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "a"}\n{"text": "b"} {"text": "c"}\n{"text": "d"}\n')
    r = read_all(make_source("jsonl", path))
    assert [d["text"] for d in r.docs] == ["a", "d"]
    (q,) = r.quarantined
    assert q["offset"] == 14 and q["error"].startswith("invalid JSON")


def test_text_field_list_is_checked(tmp_path):
    with pytest.raises(ValueError):
        FieldMap(text=["a", "{b}"])
    with pytest.raises(ValueError):
        FieldMap(text=[])
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        "sources:\n  - id: aya\n    name: Aya\n    languages: [es]\n    domain: instructions\n    licence: Apache-2.0\n"
        "    format: jsonl.xz\n    location: x.jsonl.xz\n    fields:\n      text: ['inputs', 'targets']\n      text_separator: \"\\n\\n\"\n"
    )
    src = load_manifest(manifest).sources[0]
    assert src.fields.text_paths == ["inputs", "targets"] and src.format == "jsonl.xz"
    manifest.write_text(manifest.read_text().replace("['inputs', 'targets']", "'{inputs'"))
    with pytest.raises(UserError, match="fields"):
        load_manifest(manifest)
    assert isinstance(src, Source)


def test_date_strings_stay_strings(tmp_path):
    # Arrow's JSON reader would read these as timestamps; the native strings must come out unchanged
    records = [{"text": f"t{i}", "id": "2024-01-0%d" % (i + 1), "meta": {"date": "2024-01-01T00:00:00Z", "n": i}, "days": ["2024-02-01"]} for i in range(5)]
    fast, slow, _ = both_ways(tmp_path, records, FieldMap(metadata=["meta", "days"]))
    assert fast == slow
    assert json.loads(fast[2]["metadata"]) == {"meta": {"date": "2024-01-01T00:00:00Z", "n": 2}, "days": ["2024-02-01"]}
    fast, slow, _ = both_ways(tmp_path, records, FieldMap(id="id", url="meta.date"))
    assert fast == slow and [d["url"] for d in fast] == ["2024-01-01T00:00:00Z"] * 5
    path = tmp_path / "ids.jsonl"
    write_records(path, "jsonl", records)
    assert [d["id"] for d in read_all(make_source("jsonl", path, fields=FieldMap(id="id"))).docs] == [f"2024-01-0{i + 1}" for i in range(5)]


def test_integers_beyond_int64_keep_their_digits(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "a", "id": 18446744073709551615, "h": 9223372036854775808}\n{"text": "b", "id": 7, "h": 1.5}\n')
    r = read_all(make_source("jsonl", path, fields=FieldMap(id="id", metadata=["h"])))
    assert [d["id"] for d in r.docs] == ["18446744073709551615", "7"]
    assert [json.loads(d["metadata"])["h"] for d in r.docs] == [9223372036854775808, 1.5]


def test_blank_texts_are_the_ones_python_strips_to_nothing(tmp_path):
    texts = ["\u3000\u2003\n", "\x1c\x1d ", "\u200b", "\ufeff", " a ", "\xa0"]  # zero-width space and BOM are not blank
    fast, slow, _ = both_ways(tmp_path, [{"text": t} for t in texts], FieldMap())
    assert fast == slow
    assert {d["text"]: d.get("reason") for d in fast} == {t: "empty_text" if not t.strip() else None for t in texts}

"""Every reader on its bundled sample file, checked against the generator's ground truth (truth.json)."""

from __future__ import annotations

import json
from collections import defaultdict

import pyarrow as pa
import pytest

from curation.config.manifest import sample_dir
from curation.config.pipeline import demo_pipeline_path, load_pipeline
from curation.readers import plan_parts, read_part

TRUTH = json.loads((sample_dir() / "truth.json").read_text())


@pytest.fixture(scope="module")
def sample_read() -> dict[str, dict]:
    """file (relative to the sample folder) -> docs / rejected / quarantined tables, read part by part."""
    rp = load_pipeline(demo_pipeline_path())
    out: dict[str, dict] = defaultdict(lambda: {"docs": [], "rejected": [], "quarantined": [], "records": 0})
    for src in rp.sources:
        prefix = src.location.split("sample/", 1)[1].split("*", 1)[0]
        for part in plan_parts(src, rp.pipeline.stages.read.max_part_bytes):
            acc = out[prefix + part.relpath]
            acc["source"] = src.id
            for batch in read_part(src, part):
                acc["docs"].append(batch.docs)
                acc["rejected"].append(batch.rejected)
                acc["quarantined"].append(batch.quarantined)
                acc["records"] += batch.records
    return {f: {**v, **{k: pa.concat_tables(v[k]) if v[k] else pa.table({}) for k in ("docs", "rejected", "quarantined")}} for f, v in out.items()}


def test_every_sample_file_is_read(sample_read) -> None:
    assert set(sample_read) == set(TRUTH["files"])
    formats = {f.split("/")[0] for f in sample_read}
    assert formats == {"oscar", "fineweb-edu", "starcoder", "hplt", "eurlex", "catalog", "crawl"}


@pytest.mark.parametrize("name", sorted(TRUTH["files"]))
def test_counts_match_truth(sample_read, name: str) -> None:
    truth, got = TRUTH["files"][name], sample_read[name]
    n_docs, n_rej, n_quar = got["docs"].num_rows, got["rejected"].num_rows, got["quarantined"].num_rows
    assert got["records"] == n_docs + n_rej + n_quar  # nothing lost inside the reader
    if name.startswith("crawl/"):
        assert got["records"] == truth["warc_records"]
        assert n_docs == truth["html_200"]
        assert n_quar == 0
    elif truth.get("bytes") == 0:  # an empty file holds no record
        assert got["records"] == 0
    else:
        assert n_docs == truth["records"]
        assert n_quar == truth["broken"]


def test_broken_records_are_quarantined_where_they_are(sample_read) -> None:
    broken = [p for p in TRUTH["planted"] if p["kind"] == "broken" and p.get("line")]
    hplt = sample_read["hplt/es/es_1.jsonl"]["quarantined"].to_pylist()
    assert sorted(q["offset"] for q in hplt) == sorted(p["byte_offset"] for p in broken)
    errors = {q["offset"]: q["error"] for q in hplt}
    for p in broken:
        expected = "invalid UTF-8" if "UTF-8" in p["broken"] else "invalid JSON"
        assert errors[p["byte_offset"]].startswith(expected)
    (tail,) = sample_read["oscar/eu_meta_part_2.jsonl.zst"]["quarantined"].to_pylist()
    assert "truncated zstd" in tail["error"] and tail["raw_length"] == 972
    lost = next(p for p in TRUTH["planted"] if p["file"] == "oscar/eu_meta_part_2.jsonl.zst")["lost_ids"]
    assert not set(lost) & set(sample_read["oscar/eu_meta_part_2.jsonl.zst"]["docs"]["id"].to_pylist())


def test_warc_non_documents_are_rejected_with_reasons(sample_read) -> None:
    crawl = sample_read["crawl/spanish-crawl-00000.warc.gz"]
    reasons = defaultdict(list)
    for r in crawl["rejected"].to_pylist():
        reasons[r["reason"]].append(r["id"])
    planted = {p["id"]: p for p in TRUTH["planted"] if p["file"].startswith("crawl/")}
    assert reasons["http_status:404"] == [i for i, p in planted.items() if p["kind"] == "http_error"]
    assert sorted(reasons["content_type:image/png"] + reasons["content_type:application/pdf"]) == sorted(i for i, p in planted.items() if p["kind"] == "non_html")
    assert len(reasons["warc_type:request"]) == 160 and len(reasons["warc_type:warcinfo"]) == 1
    latin1 = next(i for i, p in planted.items() if p["kind"] == "charset")
    page = next(d for d in crawl["docs"].to_pylist() if d["id"] == latin1)
    assert "\ufffd" not in page["text"] and any(c in page["text"] for c in "ñáéíóú")


def test_native_fields_are_mapped(sample_read) -> None:
    oscar = sample_read["oscar/es_meta_part_1.jsonl.zst"]["docs"].to_pylist()
    flagged = {p["id"]: p for p in TRUTH["planted"] if p["file"] == "oscar/es_meta_part_1.jsonl.zst" and p["kind"] == "quality_warnings"}
    assert flagged
    for d in oscar:
        meta = json.loads(d["metadata"])
        assert d["id"].startswith("<urn:uuid:") and d["url"].startswith("http")
        # null annotations (OSCAR writes "quality_warnings": null) are dropped: a null and a missing key read the same
        assert set(meta) >= {"harmful_pp", "identification"} and None not in meta.values()
        if d["id"] in flagged:
            assert meta["quality_warnings"] == flagged[d["id"]]["quality_warnings"]
    code = sample_read["starcoder/python/train-00000-of-00001.parquet"]["docs"].to_pylist()
    assert {d["language"] for d in code} == {"code"}
    assert {json.loads(d["metadata"])["programming_language"] for d in code} == {"python"}
    edu = sample_read["fineweb-edu/data/CC-MAIN-2024-10/000_00000.parquet"]["docs"].to_pylist()
    assert all("edu_int_score" in json.loads(d["metadata"]) for d in edu)

"""`curate inspect` on a run of the bundled sample corpus (real text): filters, samples, one document's fate.

Expected values are counted straight from the run's parquet files with pyarrow, independently of the
inspect code, which streams them through pyarrow.dataset filters.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import curate

from curation.cli import cli
from curation.runner import run_pipeline


@pytest.fixture(scope="module")
def demo(tmp_path_factory, ray_session) -> Path:
    """The bundled demo pipeline (sample of real sources: OSCAR, FineWeb-Edu, StarCoder, HPLT, EUR-Lex, CATalog, a WARC crawl)."""
    runs = tmp_path_factory.mktemp("runs")
    return run_pipeline(None, runs_dir=runs, log=lambda m: None).run.root


def _table(folder: Path) -> pa.Table:
    tables = [pq.read_table(p) for p in sorted(folder.glob("*/*.parquet"))]
    return pa.concat_tables(tables, promote_options="default")


def _inspect(*args: str) -> list[dict]:
    res = CliRunner().invoke(cli, ["inspect", *args, "--format", "jsonl"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.output.splitlines()]


def test_filters_match_the_files(demo: Path) -> None:
    rejected = _table(demo / "rejected")
    rows = _inspect(str(demo), "--where", "rejected", "--stage", "quality")
    assert len(rows) == pc.sum(pc.equal(rejected["stage"], "quality")).as_py() > 0
    assert {r["stage"] for r in rows} == {"quality"} and all(r["reason"] for r in rows)
    assert all("minhash" not in r and "exact_hash" not in r for r in rows)
    # a reason family matches its members (language_not_in_source:es, :en, ...)
    family = _inspect(str(demo), "--where", "rejected", "--reason", "language_not_in_source")
    expected = [r for r in rejected["reason"].to_pylist() if r.startswith("language_not_in_source:")]
    assert len(family) == len(expected) > 0 and {r["reason"] for r in family} == set(expected)
    docs = _table(demo / "docs")
    ca = _inspect(str(demo), "--source", "catalog", "--language", "ca")
    mask = pc.and_(pc.equal(docs["source"], "catalog"), pc.equal(docs["language"], "ca"))
    assert sorted(r["id"] for r in ca) == sorted(docs.filter(mask)["id"].to_pylist())
    assert len(_inspect(str(demo), "--limit", "7")) == 7


def test_quarantine_rows_show_file_offset_and_error(demo: Path) -> None:
    quarantine = _table(demo / "quarantine")
    rows = _inspect(str(demo), "--where", "quarantine")
    assert [(r["file"], r["offset"], r["error"]) for r in rows] == list(zip(*(quarantine[c].to_pylist() for c in ("file", "offset", "error"))))
    assert all(isinstance(r["raw"], str) for r in rows)  # undecodable bytes come out escaped, not as a crash
    assert _inspect(str(demo), "--where", "quarantine", "--source", "catalog") == []  # a source with nothing there: no rows, no error
    text = CliRunner().invoke(cli, ["inspect", str(demo), "--where", "quarantine"]).output
    assert f"{len(rows)} rows: quarantine" in text and "offset" in text


def test_sample_is_deterministic_and_drawn_from_the_filter(demo: Path) -> None:
    args = [str(demo), "--where", "rejected", "--stage", "quality", "--sample", "5"]
    first = [r["id"] for r in _inspect(*args, "--seed", "3")]
    assert first == [r["id"] for r in _inspect(*args, "--seed", "3")]
    assert len(first) == 5 and len(set(first)) == 5
    other = [r["id"] for r in _inspect(*args, "--seed", "4")]
    assert other != first
    population = {r["id"] for r in _inspect(str(demo), "--where", "rejected", "--stage", "quality")}
    assert set(first) <= population and set(other) <= population
    # a sample of one source is drawn within it, in the same rank order
    per_source = _inspect(str(demo), "--where", "rejected", "--stage", "quality", "--source", "catalog", "--sample", "3", "--seed", "3")
    assert {r["source"] for r in per_source} == {"catalog"} and len(per_source) == 3


def test_fate_of_a_duplicate_names_its_cluster_and_the_kept_member(demo: Path) -> None:
    clusters = pa.concat_tables([pq.read_table(p) for p in sorted((demo / "dedup" / "clusters").glob("*.parquet"))])
    removed = clusters.filter(pc.invert(clusters["kept"])).sort_by("id").to_pylist()[0]
    kept = clusters.filter(pc.and_(pc.equal(clusters["cluster"], removed["cluster"]), clusters["kept"])).to_pylist()[0]
    [fate] = _inspect(str(demo), "--id", removed["id"], "--source", removed["source"])
    assert fate["where"] == "rejected" and fate["document"]["stage"] == "dedup"
    stages = {s["stage"]: s for s in fate["stages"]}
    assert stages["dedup"]["outcome"] == "DROPPED" and kept["id"] in stages["dedup"]["detail"] and removed["cluster"] in stages["dedup"]["detail"]
    assert all(s["outcome"] in ("kept", "not applied") for s in fate["stages"] if s["stage"] != "dedup")
    assert {m["id"] for m in fate["cluster"]} == set(clusters.filter(pc.equal(clusters["cluster"], removed["cluster"]))["id"].to_pylist())
    # the kept member is in docs/ and says so
    [other] = _inspect(str(demo), "--id", kept["id"], "--source", kept["source"])
    assert other["where"] == "docs" and other["stages"][-1]["outcome"] == "kept" and removed["cluster"] in other["stages"][-1]["detail"]
    text = CliRunner().invoke(cli, ["inspect", str(demo), "--id", removed["id"], "--source", removed["source"]]).output
    assert "DROPPED" in text and "<- this document" in text and kept["origin"] in text


def test_fate_of_a_filtered_document_stops_at_its_stage(demo: Path) -> None:
    rejected = _table(demo / "rejected")
    row = rejected.filter(pc.equal(rejected["stage"], "langid")).sort_by("id").to_pylist()[0]
    [fate] = _inspect(str(demo), "--id", row["id"], "--source", row["source"])
    outcomes = [(s["stage"], s["outcome"]) for s in fate["stages"]]
    at = [s for s, _ in outcomes].index("langid")
    assert outcomes[at] == ("langid", "DROPPED") and fate["stages"][at]["detail"] == row["reason"]
    assert all(o == "not reached" for _, o in outcomes[at + 1:])
    assert all(o in ("kept", "not applied") for _, o in outcomes[:at])


def test_user_errors_are_one_line(demo: Path) -> None:
    for args, needle in [
        (["--where", "docs", "--stage", "quality"], "no 'stage' column (use --where rejected)"),
        (["--source", "no-such-source"], "--source no-such-source: not a source of this run (its sources: colossal-oscar, "),
        (["--id", "no-such-id"], "no document with id 'no-such-id'"),
        (["--where", "quarantine", "--language", "es"], "no 'language' column"),
    ]:
        res = curate("inspect", str(demo), *args)
        assert res.returncode == 2 and len(res.stderr.splitlines()) == 1 and needle in res.stderr, (args, res.stderr)
    res = curate("inspect", str(demo.parent))
    assert res.returncode == 2 and "not a run directory" in res.stderr


def test_a_closed_pipe_is_not_an_error(demo: Path) -> None:
    shell = f"{sys.executable} -m curation.cli inspect {demo} --chars 0 | head -n 2"
    res = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, check=False)
    assert res.returncode == 0 and len(res.stdout.splitlines()) == 2 and "Traceback" not in res.stderr, res.stderr

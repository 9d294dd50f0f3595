"""The summary printed after every run: counted from the run directory, also after a failure."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow.parquet as pq
from conftest import curate
from rich.console import Console

from curation.cli.run import print_summary
from curation.reports.summary import summarize
from curation.runner import run_pipeline


def _rows(folder: Path) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in folder.glob("*.parquet"))


def test_failed_run_still_reports_per_stage_and_per_source(small_corpus: Path) -> None:
    res = curate("run", "pipeline.yaml", env={"CURATION_TEST_FAIL": "es_part_3", "COLUMNS": "100"}, cwd=small_corpus)
    assert res.returncode == 1, res.stderr
    run = small_corpus / "runs" / "small"
    s = summarize(run)
    assert s.status == "failed" and s.parts == (4, 5)
    assert s.problems and "es_part_3" in s.problems[0]
    # the counts are those of the finished parts' ledger markers and of the files on disk
    markers = [json.loads(p.read_text()) for p in (run / "ledger" / "documents").rglob("*.json")]
    assert len(markers) == 4 and s.total["records"] == sum(m["records"] for m in markers)
    assert s.total["kept"] == _rows(run / "docs" / "colossal-oscar")
    assert s.total["rejected"] == _rows(run / "rejected" / "colossal-oscar")
    assert s.total["quarantined"] == _rows(run / "quarantine" / "colossal-oscar") == sum(m["quarantined"] for m in markers)
    read = next(r for r in s.stages if r["stage"] == "read")
    assert read["in"] == s.total["records"] - s.total["quarantined"]
    # what the user sees: both tables, the partial count, the next commands, the verdict
    out = res.stdout
    assert "documents per stage" in out and "per source" in out
    for stage in ("read", "normalize", "langid", "quality"):
        assert f" {stage} " in out
    assert "4 of 5 parts finished" in out
    assert "curate run " in out and "curate inspect " in out
    assert "run failed: runs/small" in out
    assert "1 of 5 parts failed after retries" in res.stderr  # the error itself, after the summary
    # the same summary as CSV: one row per source with its drops per stage, then the total
    again = curate("run", "pipeline.yaml", "--format", "csv", env={"CURATION_TEST_FAIL": "es_part_3"}, cwd=small_corpus)
    assert again.returncode == 1
    header, *rows = again.stdout.splitlines()
    assert header.startswith("source,records,kept,rejected,quarantined,accounted,dropped_read,") and rows[-1].startswith(f"total,{s.total['records']},")


def test_complete_run_summary_matches_the_reconciliation(small_corpus: Path, ray_session) -> None:
    result = run_pipeline(small_corpus / "pipeline.yaml", runs_dir=small_corpus / "runs", log=lambda m: None)
    s = summarize(result.run.root)
    assert s.status == "complete" and s.parts == (5, 5)
    rec = result.reconciliation
    for key in ("records", "kept", "rejected", "quarantined"):
        assert s.total[key] == rec["total"][key]
        assert [r[key] for r in s.sources] == [rec["sources"][src][key] for src in rec["sources"]]
    # the stages' own drop counts (ledger) add up to the rows on disk in rejected/
    for row in [*s.sources, s.total]:
        assert row["rejected"] == sum(v for k, v in row.items() if k.startswith("dropped_")), row
    # 2 unreadable records in the corpus: a warning names the source and how to look at them
    assert any("colossal-oscar: 2 records could not be read or processed" in w and "--where quarantine" in w for w in s.warnings)
    commands = [c for c, _ in s.next_steps]
    assert any(c.startswith("curate inspect ") for c in commands)
    assert not any(c.startswith("curate run") for c in commands)  # nothing to resume
    paths = [p for _, p in s.outputs]
    assert str(result.run.rejected()) in paths and str(result.run.run_json) in paths
    data = json.loads(json.dumps(s.to_json()))
    assert data["total"]["records"] == rec["total"]["records"] and data["status"] == "complete"
    for width in (80, 100):
        buf = io.StringIO()
        print_summary(s, console=Console(file=buf, width=width, color_system=None))
        text = buf.getvalue()
        assert "…" not in text
        assert f"{rec['total']['records']:,}" in text  # numbers whole
        table_lines = text.split("warning:")[0].split("outputs")[0].splitlines()  # warnings, paths, commands: never wrapped
        assert max(len(line) for line in table_lines) <= width


def test_phase_warnings_from_run_json_are_in_the_summary(tmp_path: Path) -> None:
    """A whole-run phase records its warnings in run.json (the mix phase: shards over max_epochs)."""
    warning = "shard es/x_train_text_document: 40.0 epochs (10 tokens at weight 1.0000 of a 400-token budget)"
    (tmp_path / "run.json").write_text(json.dumps({"name": "r", "sources": [], "stages": {
        "documents": {"order": [], "status": "done", "parts": 0}, "mix": {"status": "done", "warnings": [warning]}}, "finished": "now"}))
    s = summarize(tmp_path)
    assert s.status == "complete" and s.warnings == [f"mix: {warning}"]

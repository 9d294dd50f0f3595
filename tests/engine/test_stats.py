"""Reconciliation names outputs that belong to no input part (what a mismatch then comes from)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from curation.core.rundir import RunDir
from curation.engine.stats import reconcile


def test_an_output_of_no_part_is_named(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    run.docs("s").mkdir(parents=True)
    pq.write_table(pa.table({"id": ["1", "2"]}), run.docs("s") / "a.jsonl.0000.parquet")
    report = reconcile(run, {"s": 2}, {("s", "a.jsonl.0000")})
    assert report["ok"] and report["problems"] == []
    pq.write_table(pa.table({"id": ["3"]}), run.docs("s") / "gone.jsonl.0000.parquet")
    report = reconcile(run, {"s": 2}, {("s", "a.jsonl.0000")})
    assert not report["ok"]
    assert report["problems"] == ["docs/s/gone.jsonl.0000.parquet: output of no input part of this run"]

"""Dedup's undo: the docs parts it rewrote come back byte for byte, before dedup runs again."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.config.stages import StagesConfig
from curation.core.rundir import RunDir
from curation.core.schema import conform, documents_schema, rejected_schema
from curation.engine.ledger import Ledger
from curation.phases.dedup.undo import undo_dedup

SCHEMA = documents_schema(StagesConfig().stage_columns())


def _docs(n: int) -> pa.Table:
    # offsets as a JSONL reader gives them: increasing bytes within the part
    return conform(pa.table({
        "id": [f"d{i}" for i in range(n)], "text": [f"texto {i}" for i in range(n)], "source": ["s"] * n,
        "language": ["es"] * n, "origin": [f"a.jsonl:{100 * i}" for i in range(n)],
    }), SCHEMA)


def _documents_phase(run: RunDir, table: pa.Table, groups: list[int]) -> Path:
    """The part as the documents phase writes it: one row group per batch, its sizes in the marker."""
    path = run.docs("s") / "a.jsonl.0000.parquet"
    path.parent.mkdir(parents=True)
    with pq.ParquetWriter(path, SCHEMA, compression="zstd") as w:
        at = 0
        for n in groups:
            w.write_table(table.slice(at, n))
            at += n
    Ledger(run.ledger("documents") / "s").mark_done("a.jsonl.0000", {"docs_row_groups": groups})
    return path


def _dedup_apply(run: RunDir, path: Path, removed: list[int], ids_only: bool = False) -> None:
    """What dedup's apply step leaves: removed rows in rejected/, cluster ids on the members."""
    table = pq.read_table(path)
    gone = pc.is_in(table["id"], value_set=pa.array([f"d{i}" for i in removed]))
    dropped = table.filter(gone)
    dropped = dropped.append_column("stage", pa.array(["dedup"] * dropped.num_rows)).append_column("reason", pa.array(["duplicate:exact"] * dropped.num_rows))
    run.rejected("s").mkdir(parents=True)
    pq.write_table(conform(dropped, rejected_schema(SCHEMA, ids_only)), run.rejected("s") / "a.jsonl.0000.dedup.parquet")
    kept = table.filter(pc.invert(gone))
    i = SCHEMA.get_field_index("dedup_cluster")
    kept = kept.set_column(i, SCHEMA.field(i), pa.array(["c1"] * kept.num_rows, pa.string()))
    pq.write_table(kept, path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_touched_part_is_restored_byte_for_byte(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    path = _documents_phase(run, _docs(7), [3, 4])
    before = _sha(path)
    _dedup_apply(run, path, removed=[1, 5])
    assert _sha(path) != before
    said: list[str] = []
    assert undo_dedup(run, SCHEMA, ids_only=False, log=said.append) == []
    assert _sha(path) == before and said
    assert not (run.rejected("s") / "a.jsonl.0000.dedup.parquet").exists()
    # again (a kill after the docs came back, before the moved rows were deleted): nothing changes
    assert undo_dedup(run, SCHEMA, ids_only=False, log=said.append) == [] and _sha(path) == before


def test_untouched_part_is_left_alone(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    path = _documents_phase(run, _docs(4), [4])
    mtime = path.stat().st_mtime_ns
    assert undo_dedup(run, SCHEMA, ids_only=False, log=lambda m: None) == []
    assert path.stat().st_mtime_ns == mtime


def test_ids_only_rejections_cannot_be_restored_so_the_part_is_redone(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    path = _documents_phase(run, _docs(5), [5])
    _dedup_apply(run, path, removed=[0], ids_only=True)
    assert undo_dedup(run, SCHEMA, ids_only=True, log=lambda m: None) == ["s/a.jsonl.0000"]

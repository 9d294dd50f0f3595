"""Give the documents parts back as the documents phase wrote them, before dedup runs again.

Dedup rewrites docs parts in place (duplicates to `rejected/<source>/<slug>.dedup.parquet`,
`dedup_cluster` set on cluster members). When the run's inputs change, dedup must start over on every
part, changed or not, so each part it touched is restored: its docs rows plus the rows it moved out
(those not already back), `dedup_cluster` cleared, in reading order (the offset in `origin`), written
with the row groups the documents phase wrote (recorded in its marker), which gives back the same
bytes. Safe to redo after a kill at any point: a restored part restores to itself.

When the pipeline keeps rejected rows as ids only, the moved rows cannot be rebuilt: those parts are
returned to be redone by the documents phase.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.core.rundir import DEDUP_SUFFIX, RunDir, commit, tmp_path
from curation.engine.ledger import Ledger
from curation.engine.task import DOCUMENTS_PHASE

CLUSTER_COLUMN = "dedup_cluster"


def _touched(docs: Path, moved: Path) -> bool:
    """Rows were moved out, or a cluster was recorded (statistics tell without reading the data)."""
    if moved.exists():
        return True
    pf = pq.ParquetFile(docs)
    if CLUSTER_COLUMN not in pf.schema_arrow.names:
        return False
    col = pf.schema_arrow.get_field_index(CLUSTER_COLUMN)
    for rg in range(pf.metadata.num_row_groups):
        chunk = pf.metadata.row_group(rg).column(col)
        stats = chunk.statistics
        if stats is None or stats.null_count != chunk.num_values:
            return True
    return False


def _offset(origin: str) -> int:
    return int(origin.rsplit(":", 1)[1])


def restore_part(docs: Path, moved: Path, schema: pa.Schema, row_groups: list[int] | None) -> None:
    table = pq.read_table(docs).cast(schema)
    if moved.exists():
        back = pq.read_table(moved).drop_columns(["stage", "reason"]).select(schema.names).cast(schema)
        back = back.filter(pc.invert(pc.is_in(back["origin"], value_set=table["origin"].combine_chunks())))
        table = pa.concat_tables([table, back])
    if CLUSTER_COLUMN in schema.names:
        i = schema.get_field_index(CLUSTER_COLUMN)
        table = table.set_column(i, schema.field(i), pa.nulls(table.num_rows, schema.field(i).type))
    table = table.take(pc.sort_indices(pa.array([_offset(o) for o in table["origin"].to_pylist()], pa.int64())))
    if not row_groups or sum(row_groups) != table.num_rows:
        row_groups = [table.num_rows]
    tmp = tmp_path(docs)
    with pq.ParquetWriter(tmp, schema, compression="zstd") as w:  # as the documents phase writes
        at = 0
        for n in row_groups:
            w.write_table(table.slice(at, n))
            at += n
    commit(tmp, docs)


def undo_dedup(run: RunDir, docs_schema: pa.Schema, ids_only: bool, log: Callable[[str], None] = print) -> list[str]:
    """Restore every docs part dedup touched; returns the keys of parts that must be redone instead."""
    redo: list[str] = []
    restored = 0
    if not run.docs().exists():
        return redo
    for docs in sorted(run.docs().glob("*/*.parquet")):
        source, slug = docs.parent.name, docs.name[: -len(".parquet")]
        moved = run.part_dedup_rejected(source, slug)
        if not _touched(docs, moved):
            continue
        if ids_only and moved.exists():
            redo.append(f"{source}/{slug}")
            continue
        marker: dict[str, Any] = {}
        ledger = Ledger(run.ledger(DOCUMENTS_PHASE) / source)
        if ledger.is_done(slug):
            marker = ledger.read(slug)
        restore_part(docs, moved, docs_schema, marker.get("docs_row_groups"))
        moved.unlink(missing_ok=True)
        restored += 1
    # Moved-out files of parts whose docs file is gone (every row removed, or the part removed).
    for moved in sorted(run.rejected().glob(f"*/*{DEDUP_SUFFIX}")) if run.rejected().exists() else []:
        source, slug = moved.parent.name, moved.name[: -len(DEDUP_SUFFIX)]
        if f"{source}/{slug}" not in redo:
            redo.append(f"{source}/{slug}")
    if restored:
        log(f"dedup: gave {restored} documents part(s) back their duplicates, to deduplicate again")
    return redo

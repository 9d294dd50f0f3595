"""A run's documents read back for people (`curate inspect`): filtered, sampled, and one document's fate.

Rows stream from the parquet files of docs/, rejected/ or quarantine/ through pyarrow.dataset with the
filters pushed down to the scan, one record batch at a time: memory stays bounded by a batch (plus the
sample) whatever the size of the run. A sample is the N rows with the smallest seeded hash of their
identity, so it is the same whatever the order of files, parts or workers, and a new seed draws anew.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.dataset as ds

from curation.core.errors import UserError
from curation.core.rundir import RunDir

WHERE = ("docs", "rejected", "quarantine")
BATCH_ROWS = 1024
# pyarrow reads ahead 16 batches of 4 files by default; a person reading rows needs none of that, and
# a short read-ahead keeps memory flat whatever the size of the run.
READAHEAD = {"batch_readahead": 2, "fragment_readahead": 1}
SIGNATURES = {"minhash", "exact_hash"}  # for machines, not for reading
SCORES = ("language_score", "language_ratio", "quality_score")


@dataclass(frozen=True)
class Query:
    where: str = "docs"
    source: str | None = None
    language: str | None = None
    stage: str | None = None
    reason: str | None = None  # a whole reason, or its family: "language_not_in_source" matches "language_not_in_source:es"


def open_run(path: str | Path) -> RunDir:
    run = RunDir(path)
    if not run.run_json.is_file():
        raise UserError(f"{path}: not a run directory (no run.json); give the folder `curate run` made, e.g. runs/demo")
    return run


def _folder(run: RunDir, where: str) -> Path:
    return {"docs": run.docs(), "rejected": run.rejected(), "quarantine": run.quarantine()}[where]


def files(run: RunDir, where: str, source: str | None = None) -> list[Path]:
    folder = _folder(run, where)
    if source is None:
        return sorted(folder.glob("*/*.parquet"))
    found = sorted((folder / source).glob("*.parquet"))
    if not found:  # a source of the run may have nothing here (all rejected, say); a typo is an error
        meta = json.loads(run.run_json.read_text(encoding="utf-8"))
        known = [s["id"] for s in meta.get("sources", [])]
        if source not in known:
            raise UserError(f"--source {source}: not a source of this run (its sources: {', '.join(known) or 'none'})")
    return found


def _dataset(run: RunDir, q: Query) -> ds.Dataset | None:
    found = files(run, q.where, q.source)
    return ds.dataset([str(f) for f in found], format="parquet") if found else None


def _filter(q: Query, names: list[str]) -> ds.Expression | None:
    def need(column: str, flag: str) -> None:
        if column not in names:
            hint = " (use --where rejected)" if column in ("stage", "reason") else ""
            raise UserError(f"--{flag}: the rows of {q.where}/ have no '{column}' column{hint}")

    conds = []
    if q.source is not None:
        conds.append(ds.field("source") == q.source)
    if q.language is not None:
        need("language", "language")
        conds.append(ds.field("language") == q.language)
    if q.stage is not None:
        need("stage", "stage")
        conds.append(ds.field("stage") == q.stage)
    if q.reason is not None:
        need("reason", "reason")
        conds.append((ds.field("reason") == q.reason) | pc.starts_with(ds.field("reason"), pattern=q.reason + ":"))
    out = None
    for c in conds:
        out = c if out is None else out & c
    return out


def _readable(names: list[str], wanted: list[str] | None = None) -> list[str]:
    return [n for n in (wanted or names) if n in names and n not in SIGNATURES]


def scan(run: RunDir, q: Query, columns: list[str] | None = None, extra: ds.Expression | None = None) -> Iterator[dict[str, Any]]:
    """Rows of RUN/<where>/ matching the query, in file and row order."""
    dataset = _dataset(run, q)
    if dataset is None:
        return
    names = dataset.schema.names
    expr = _filter(q, names)
    if extra is not None:
        expr = extra if expr is None else expr & extra
    for batch in dataset.to_batches(columns=_readable(names, columns), filter=expr, batch_size=BATCH_ROWS, **READAHEAD):
        yield from batch.to_pylist()


def identity_columns(where: str) -> list[str]:
    """What names a row: a document by source and id (ids are unique within a source), a quarantined
    record by source, file and offset."""
    return ["source", "file", "offset"] if where == "quarantine" else ["source", "id"]


def _rank(seed: int, ident: tuple) -> bytes:
    return hashlib.blake2b(json.dumps(ident, default=str).encode(), key=str(seed).encode()[:64], digest_size=8).digest()


def sample(run: RunDir, q: Query, n: int, seed: int) -> list[dict[str, Any]]:
    """The `n` matching rows with the smallest seeded hash of their identity, in that order.

    Two passes: the first reads only the identity columns and keeps the n best in a heap, the second
    fetches those rows (filtered on the identity's last column, so the scan skips the rest)."""
    keys = identity_columns(q.where)
    best: list[tuple[bytes, tuple]] = []  # a max-heap of the n smallest ranks (ranks stored inverted)
    for row in scan(run, q, keys):
        ident = tuple(row[k] for k in keys)
        item = (bytes(255 - b for b in _rank(seed, ident)), ident)
        if len(best) < n:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)
    wanted = {ident: bytes(255 - b for b in inv) for inv, ident in best}
    if not wanted:
        return []
    found = []
    for src in sorted({ident[0] for ident in wanted}):
        values = sorted({ident[-1] for ident in wanted if ident[0] == src})
        sub = Query(q.where, src, q.language, q.stage, q.reason)
        for row in scan(run, sub, extra=ds.field(keys[-1]).isin(values)):
            ident = tuple(row[k] for k in keys)
            if ident in wanted:
                found.append((wanted[ident], row))
    found.sort(key=lambda x: x[0])
    return [row for _, row in found]


# --- one document's fate ---------------------------------------------------------------------------


@dataclass
class Fate:
    row: dict[str, Any]  # the document as last written (docs/, rejected/ or quarantine/), signatures left out
    where: str  # "docs", "rejected" or "quarantine" (a stage raised on it: the row has the stage and error)
    steps: list[tuple[str, str, str]]  # (stage, outcome, detail), in run order
    cluster: list[dict[str, Any]]  # its dedup cluster's members (the kept one first); empty if unique


def fates(run: RunDir, doc_id: str, source: str | None = None) -> list[Fate]:
    """Every document with this id (one per source that has it) and what each stage did to it."""
    meta = json.loads(run.run_json.read_text(encoding="utf-8"))
    order = ["read", *meta.get("stages", {}).get("documents", {}).get("order", [])]
    dedup_ran = (meta.get("stages", {}).get("dedup") or {}).get("status") == "done"
    applied = _stages_applied(run)
    out = []
    for where in ("docs", "rejected", "quarantine"):
        dataset = _dataset(run, Query(where, source))
        if dataset is None or "id" not in dataset.schema.names:  # quarantine/ of a run from before ids were kept there
            continue
        for row in scan(run, Query(where, source), extra=ds.field("id") == doc_id):
            cluster = _cluster(run, row["source"], doc_id) if dedup_ran else []
            out.append(Fate(row, where, _steps(row, where, order, applied.get(row["source"]), dedup_ran, cluster), cluster))
    return out


def _stages_applied(run: RunDir) -> dict[str, set[str]]:
    """Per source, the stages that received any of its documents (stats/stages.json of the run)."""
    try:
        stats = json.loads(run.stage_stats.read_text(encoding="utf-8"))["stages"]
    except (OSError, ValueError, KeyError):
        return {}
    applied: dict[str, set[str]] = {}
    for stage, srcs in stats.items():
        for src, langs in srcs.items():
            if stage == "read" or any(c["docs_in"] for c in langs.values()):
                applied.setdefault(src, set()).add(stage)
    return applied


def _scores(row: dict[str, Any]) -> str:
    parts = []
    if row.get("language") is not None:
        parts.append(f"language {row['language']}" + (f" {row['language_score']:.3f}" if row.get("language_score") is not None else ""))
    if row.get("language_ratio") is not None:
        parts.append(f"ratio {row['language_ratio']:.2f}")
    if row.get("quality_score") is not None:
        parts.append(f"quality {row['quality_score']:.4f}")
    return ", ".join(parts)


def _steps(row: dict[str, Any], where: str, order: list[str], applied: set[str] | None, dedup_ran: bool,
           cluster: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    dropped_at = row.get("stage") if where in ("rejected", "quarantine") else None
    steps: list[tuple[str, str, str]] = []
    reached = True
    for stage in order:
        if not reached:
            steps.append((stage, "not reached", ""))
        elif stage == dropped_at and where == "quarantine":
            steps.append((stage, "QUARANTINED", row.get("error") or ""))
            reached = False
        elif stage == dropped_at:
            steps.append((stage, "DROPPED", row.get("reason") or ""))
            reached = False
        elif applied is not None and stage not in applied:
            steps.append((stage, "not applied", "the stage does not apply to this source"))
        else:
            detail = {"langid": _scores({k: row.get(k) for k in ("language", "language_score", "language_ratio")}),
                      "quality": f"quality {row['quality_score']:.4f}" if row.get("quality_score") is not None else ""}.get(stage, "")
            steps.append((stage, "kept", detail))
    if dedup_ran:
        me = next((m for m in cluster if m["id"] == row["id"]), None)
        kept = next((m for m in cluster if m["kept"]), None)
        if dropped_at == "dedup":
            detail = (f"{row.get('reason')}: cluster {me['cluster'] if me else '?'} of {len(cluster)}, "
                      f"kept {kept['id'] if kept else '?'} ({kept['origin'] if kept else '?'})")
            steps.append(("dedup", "DROPPED", detail))
        elif not reached:
            steps.append(("dedup", "not reached", ""))
        elif cluster:
            steps.append(("dedup", "kept", f"the kept member of cluster {me['cluster'] if me else '?'} ({len(cluster)} documents)"))
        else:
            steps.append(("dedup", "kept", "no duplicate"))
    return steps


def _cluster(run: RunDir, source: str, doc_id: str) -> list[dict[str, Any]]:
    """The members of the dedup cluster holding this document (the kept one first), from dedup/clusters/."""
    found = sorted(run.dedup_clusters.glob("*.parquet"))
    if not found:
        return []
    dataset = ds.dataset([str(f) for f in found], format="parquet")
    hit = dataset.to_table(columns=["cluster"], filter=(ds.field("id") == doc_id) & (ds.field("source") == source) & ds.field("run").is_null())
    if hit.num_rows == 0:
        return []
    members = dataset.to_table(filter=ds.field("cluster") == hit["cluster"][0].as_py()).to_pylist()
    return sorted(members, key=lambda m: (not m["kept"], m["source"], m["id"]))

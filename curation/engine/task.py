"""The per-part task: read a part, run the per-document stages, write kept/rejected/quarantined rows.

Pure function of (part, context): the same part always gives the same bytes, whichever worker runs it
and however often it is retried. Outputs go to temporary names and are renamed, then the ledger marker
is written last.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.engine.ledger import Ledger
from curation.core.rundir import RunDir, commit, tmp_path
from curation.core.errors import UserError
from curation.config.manifest import Source
from curation.readers import Part, read_part
from curation.core.schema import QUARANTINE_RAW_CAP, QUARANTINE_SCHEMA, UNDETERMINED, conform, documents_schema, rejected_schema
from curation.config.stages import StagesConfig
from curation.core.resources import Resources
from curation.stages.base import Stage, StageOutput, row_error

DOCUMENTS_PHASE = "documents"


@dataclass(frozen=True)
class RunContext:
    """Everything a worker needs, shipped once to the cluster (ray.put)."""

    run_dir: str
    sources: dict[str, Source]
    stages: StagesConfig
    fingerprint: str
    seed: int = 0
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # "source/relpath" -> file identity (engine.inputs)

    @property
    def docs_schema(self) -> pa.Schema:
        return documents_schema(self.stages.stage_columns())

    @property
    def rejected_schema(self) -> pa.Schema:
        return rejected_schema(self.docs_schema, ids_only=self.stages.read.rejected == "ids")


# Stages are built and set up once per worker process and reused by every part it runs.
_STAGE_CACHE: dict[str, list[Stage]] = {}


def _stages(ctx: RunContext) -> list[Stage]:
    if ctx.fingerprint not in _STAGE_CACHE:
        stages = ctx.stages.build()
        for s in stages:
            s.ensure_setup()
        _STAGE_CACHE[ctx.fingerprint] = stages
    return _STAGE_CACHE[ctx.fingerprint]


class _LazyParquet:
    """A parquet file opened on the first non-empty table, written under a temporary name."""

    def __init__(self, final: Path, schema: pa.Schema):
        self.final, self.schema = final, schema
        self.tmp: Path | None = None
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0
        self.row_groups: list[int] = []  # rows per write: enough to rewrite the same bytes (dedup's undo)

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self.writer is None:
            self.final.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = tmp_path(self.final)
            self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        self.writer.write_table(conform(table, self.schema))
        self.rows += table.num_rows
        self.row_groups.append(table.num_rows)

    def close(self) -> str | None:
        if self.writer is None:
            return None
        self.writer.close()
        commit(self.tmp, self.final)  # type: ignore[arg-type]
        return str(self.final)


class _Stats:
    """Per stage, per language: documents and bytes in and out, drops by reason; time per stage."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(_empty_cell))
        self.seconds: dict[str, float] = defaultdict(float)

    def count(self, stage: str, key: str, table: pa.Table) -> None:
        for lang, (docs, nbytes) in _by_language(table).items():
            cell = self.stages[stage][lang]
            cell[f"docs_{key}"] += docs
            cell[f"bytes_{key}"] += nbytes

    def drops(self, stage: str, table: pa.Table, reasons: list[str]) -> None:
        for lang, reason in zip(table["language"].to_pylist(), reasons):
            d = self.stages[stage][lang or UNDETERMINED]["dropped"]
            d[reason] = d.get(reason, 0) + 1

    def counted(self, stage: str, table: pa.Table, counts: list[dict[str, int]]) -> None:
        for lang, row in zip(table["language"].to_pylist(), counts):
            c = self.stages[stage][lang or UNDETERMINED].setdefault("counted", {})
            for key, n in row.items():
                c[key] = c.get(key, 0) + n

    def quarantined(self, stage: str, table: pa.Table) -> None:
        """Documents a stage could not process (process_guarded): quarantined, neither out nor dropped."""
        for lang in table["language"].to_pylist():
            cell = self.stages[stage][lang or UNDETERMINED]
            cell["quarantined"] = cell.get("quarantined", 0) + 1

    def to_json(self) -> dict[str, Any]:
        return {stage: {lang: dict(cell) for lang, cell in sorted(langs.items())} for stage, langs in self.stages.items()}


def _empty_cell() -> dict[str, Any]:
    return {"docs_in": 0, "bytes_in": 0, "docs_out": 0, "bytes_out": 0, "dropped": {}}


def _by_language(table: pa.Table) -> dict[str, tuple[int, int]]:
    if table.num_rows == 0:
        return {}
    langs = pc.fill_null(table["language"], UNDETERMINED)
    t = pa.table({"language": langs, "bytes": pc.binary_length(table["text"])})
    agg = t.group_by("language").aggregate([("bytes", "count"), ("bytes", "sum")])
    return {lang: (int(n), int(b or 0)) for lang, n, b in zip(agg["language"].to_pylist(), agg["bytes_count"].to_pylist(), agg["bytes_sum"].to_pylist())}


def _with_rejection(table: pa.Table, stage: str, reasons: list[str]) -> pa.Table:
    return table.append_column("stage", pa.array([stage] * table.num_rows, pa.string())).append_column("reason", pa.array(reasons, pa.string()))


def _apply_stage(stage: Stage, table: pa.Table, source: Source, stats: _Stats, rej_w: _LazyParquet, quar_w: _LazyParquet) -> tuple[pa.Table, int]:
    """One stage on one batch: rejected rows written with stage and reason, documents it could not process
    quarantined. Returns the documents it keeps and how many it quarantined."""
    stats.count(stage.name, "in", table)
    failures, out = process_guarded(stage, table, source)
    failed = 0
    if failures is not None and failures.num_rows:
        quar_w.write(_quarantine_rows(stage.name, failures, source.id))
        stats.quarantined(stage.name, failures)
        failed = failures.num_rows
    if out.counts is not None:
        stats.counted(stage.name, out.table, out.counts)
    keep = pa.array([r is None for r in out.reasons], pa.bool_())
    dropped = out.table.filter(pc.invert(keep))
    if dropped.num_rows:
        reasons = [r for r in out.reasons if r is not None]
        stats.drops(stage.name, dropped, reasons)
        rej_w.write(_with_rejection(dropped, stage.name, reasons))
    table = out.table.filter(keep)
    stats.count(stage.name, "out", table)
    return table, failed


def process_guarded(stage: Stage, table: pa.Table, source: Source) -> tuple[pa.Table | None, StageOutput]:
    """(the documents the stage could not process: their input rows and an `error` column, or None; the
    stage's output for the others).

    A document fails where the stage reports it in StageOutput.errors (stages whose per-document work is
    costly catch per document: extract) or where the stage raises on the batch: then it is given each
    document alone (stages work per document, so the others' outputs are what the batch gives them) and
    the documents it still raises on fail. One odd document is bad data; every document of a batch of
    several failing is a broken stage or installation, which quarantining would hide: the part fails (and
    is retried, then reported) instead."""
    try:
        out = stage.process(table, source)
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 -- one document may be the cause: find it, the rest goes on
        return _one_by_one(stage, table, source, e)
    if not out.errors or not any(out.errors):
        return None, out
    errors = out.errors
    ok = [i for i, e in enumerate(errors) if e is None]
    failed = [i for i, e in enumerate(errors) if e is not None]
    _refuse_all_failed(stage, table, ok, errors[failed[0]])
    failures = table.take(failed).append_column("error", pa.array([errors[i] for i in failed], pa.string()))
    rest = StageOutput(out.table.take(ok), [out.reasons[i] for i in ok], None if out.counts is None else [out.counts[i] for i in ok])
    return failures, rest


def _one_by_one(stage: Stage, table: pa.Table, source: Source, batch_error: Exception) -> tuple[pa.Table, StageOutput]:
    done: list[StageOutput] = []
    ok: list[int] = []
    failed: list[int] = []
    errors: list[str] = []
    for i in range(table.num_rows):
        try:
            out = stage.process(table.slice(i, 1), source)
        except UserError:
            raise
        except Exception as e:  # noqa: BLE001 -- this document's error, quarantined with it
            failed.append(i)
            errors.append(row_error(e))
            continue
        if out.errors and out.errors[0] is not None:
            failed.append(i)
            errors.append(out.errors[0])
            continue
        done.append(out)
        ok.append(i)
    _refuse_all_failed(stage, table, ok, row_error(batch_error), batch_error)
    failures = table.take(failed).append_column("error", pa.array(errors, pa.string()))
    if not done:  # a batch of one document
        return failures, StageOutput(table.slice(0, 0), [])
    counts = None if all(o.counts is None for o in done) else [c for o in done for c in (o.counts or [{}])]
    rest = StageOutput(pa.concat_tables([o.table for o in done], promote_options="permissive"), [r for o in done for r in o.reasons], counts)
    return failures, rest


def _refuse_all_failed(stage: Stage, table: pa.Table, ok: list[int], first_error: str, cause: Exception | None = None) -> None:
    if not ok and table.num_rows > 1:
        raise RuntimeError(f"stage {stage.name} failed on every one of the {table.num_rows} documents of a batch "
                           f"(a broken stage, not bad data); first error: {first_error}") from cause


def _quarantine_rows(stage: str, failed: pa.Table, source: str) -> pa.Table:
    """Quarantine entries for documents a stage failed on: where the record came from (its origin, the
    reader's "file:offset"), the error naming the stage, and the stage's input text as the raw bytes."""
    files, offsets = [], []
    for origin in failed["origin"].to_pylist():
        file, _, offset = origin.rpartition(":")
        files.append(file)
        offsets.append(int(offset))
    raw = [t.encode("utf-8", "surrogatepass") for t in failed["text"].to_pylist()]
    return pa.table({
        "source": [source] * failed.num_rows,
        "file": files,
        "offset": offsets,
        "error": [f"stage {stage}: {e}" for e in failed["error"].to_pylist()],
        "raw": [r[:QUARANTINE_RAW_CAP] for r in raw],
        "raw_length": [len(r) for r in raw],
        "stage": [stage] * failed.num_rows,
        "id": failed["id"],
    }, schema=QUARANTINE_SCHEMA)


def _test_hooks(part: Part) -> None:
    """Fault injection for the resume and retry tests; both variables are unset in normal runs.

    CURATION_TEST_PAUSE="<key substring>:<seconds>:<marker>": the first attempt at a matching part
    writes its pid to <marker> and sleeps, so a test can kill -9 the worker or the driver at a known point.
    CURATION_TEST_FAIL="<key substring>": every attempt at a matching part raises.
    """
    spec = os.environ.get("CURATION_TEST_PAUSE")
    if spec:
        needle, seconds, marker = spec.split(":", 2)
        if needle in part.key and not os.path.exists(marker):
            Path(marker).write_text(str(os.getpid()))
            time.sleep(float(seconds))
    fail = os.environ.get("CURATION_TEST_FAIL")
    if fail and fail in part.key:
        raise RuntimeError(f"injected failure for {part.key}")


def process_part(part: Part, ctx: RunContext) -> dict[str, Any]:
    """Run one part end to end. Returns the ledger entry (also written as the completion marker)."""
    _test_hooks(part)
    run = RunDir(ctx.run_dir)
    source = ctx.sources[part.source]
    stages = [s for s in _stages(ctx) if s.applies_to(source)]
    docs_w = _LazyParquet(run.part_docs(source.id, part.slug), ctx.docs_schema)
    rej_w = _LazyParquet(run.part_rejected(source.id, part.slug), ctx.rejected_schema)
    quar_w = _LazyParquet(run.part_quarantine(source.id, part.slug), QUARANTINE_SCHEMA)
    stats = _Stats()
    records = raw_bytes = quarantined = 0
    t_read = time.perf_counter()
    for batch in read_part(source, part, ctx.stages.read.batch_records):
        stats.seconds["read"] += time.perf_counter() - t_read
        records += batch.records
        raw_bytes += batch.raw_bytes
        quarantined += batch.quarantined.num_rows
        quar_w.write(batch.quarantined)
        rej_w.write(batch.rejected)
        stats.count("read", "out", batch.docs)
        if batch.rejected.num_rows:
            stats.drops("read", batch.rejected, batch.rejected["reason"].to_pylist())
        table = batch.docs
        for stage in stages:
            if table.num_rows == 0:
                break
            t0 = time.perf_counter()
            table, failed = _apply_stage(stage, table, source, stats, rej_w, quar_w)
            quarantined += failed
            stats.seconds[stage.name] += time.perf_counter() - t0
        docs_w.write(table)
        t_read = time.perf_counter()
    entry = {
        "part": part.key,
        "source": part.source,
        "file": part.relpath,
        "range": None if part.start is None else [part.start, part.end],
        "input": ctx.inputs.get(f"{part.source}/{part.relpath}"),
        "fingerprint": ctx.fingerprint,
        "records": records,
        "raw_bytes": raw_bytes,
        "kept": docs_w.rows,
        "rejected": rej_w.rows,
        "quarantined": quarantined,
        "stages": stats.to_json(),
        "outputs": [os.path.relpath(p, run.root) for p in (docs_w.close(), rej_w.close(), quar_w.close()) if p],
        "seconds": {k: round(v, 6) for k, v in stats.seconds.items()},
        "docs_row_groups": docs_w.row_groups,
    }
    Ledger(run.ledger(DOCUMENTS_PHASE) / source.id).mark_done(part.slug, entry)
    return entry


def run_part_safely(part: Part, ctx: RunContext) -> dict[str, Any]:
    """Task entry point. User errors (bad field mapping, ...) are returned, not raised: retrying them
    cannot help. Anything else raises, and the executor's retries apply."""
    try:
        return process_part(part, ctx)
    except UserError as e:
        return {"part": part.key, "error": str(e), "retryable": False}



def task_resources(stages: list[Stage]) -> Resources:
    """A documents task runs every stage on its part, one after the other: it needs the most any of them needs."""
    need = Resources()
    for s in stages:
        need = need.merge(s.resources)
    return need

"""`curate run`: resolve a pipeline, plan parts, run the per-document stages on Ray, reconcile.

One writer at a time: the run holds RUN/run.lock (core/runlock.py). Resumable: a rerun of the same run
directory skips parts whose ledger marker exists and redoes the rest; a run directory made with a
different configuration is refused (use --force or another --name). Inputs that changed since the last
run (engine/inputs.py) are redone with every whole-run phase after them (engine/invalidate.py), or
refused with --frozen.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation import __version__
from curation.engine.executor import TasksFailed, run_pending
from curation.engine.ledger import Ledger
from curation.core.rundir import RunDir, write_json
from curation.engine.stats import RunTally, reconcile, write_stage_stats
from curation.engine.task import DOCUMENTS_PHASE, RunContext, run_part_safely, task_resources
from curation.core.errors import RunFailed, UserError
from curation.phases.mix import load_mixture, resolve_mixture
from curation.phases.order import PHASES
from curation.engine.phase import PhaseContext
from curation.config.pipeline import ResolvedPipeline, demo_pipeline_path, load_pipeline
from curation.readers import Part, plan_parts
from curation.config.manifest import is_remote
from curation.core.runlock import RunLock
from curation.engine.inputs import detect, digest, identities
from curation.engine.invalidate import inputs_complete, invalidate, mark_inputs_complete
from curation.stages.quality.losses import loss_warnings


@dataclass
class RunResult:
    run: RunDir
    reconciliation: dict[str, Any]
    stage_stats: dict[str, Any]
    stage_order: list[str]
    parts: int
    skipped: int


def fingerprint(rp: ResolvedPipeline) -> str:
    """What determines the outputs: resolved sources, stage parameters, seed (not names or paths of runs)."""
    payload = {
        "sources": [s.model_dump(mode="json") for s in rp.sources],
        "stages": rp.pipeline.stages.model_dump(mode="json"),
        "seed": rp.pipeline.seed,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"curation": __version__, "python": platform.python_version()}
    for pkg in ("pyarrow", "ray", "trafilatura", "ftfy", "warcio", "zstandard", "pydantic"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def run_root(runs_dir: str | Path, name: str) -> Path:
    """The run directory; it lives on a file system (its ledger relies on atomic renames and exclusive
    creates, which object stores do not give)."""
    if is_remote(str(runs_dir)):
        raise UserError(f"{runs_dir}: --runs-dir must be a local or shared file-system path, not an object store (the run directory needs atomic renames)")
    return Path(runs_dir) / name


def preflight(rp: ResolvedPipeline, list_remote: bool = True) -> list[Part]:
    """Everything a pipeline can get wrong before any work: the mixture recipe and every source's
    location. Returns the planned parts. Used by `curate run` before it creates anything, and by
    `curate sources validate` (which does not list object-store locations: no network for a check)."""
    if rp.pipeline.mixture is not None:
        try:
            load_mixture(resolve_mixture(rp.pipeline.mixture, Path(rp.path).resolve().parent if rp.path else None))
        except UserError as e:
            raise UserError(f"{rp.where.get('mixture', rp.path)}: field 'mixture': {e}") from None
    parts: list[Part] = []
    for src in rp.sources:
        if not list_remote and is_remote(src.location):
            continue
        try:
            parts.extend(plan_parts(src, rp.pipeline.stages.read.max_part_bytes))
        except UserError as e:
            raise UserError(f"{rp.where.get(src.id, rp.path)}: {e}") from None
    return parts


def run_pipeline(
    pipeline: str | Path | None = None,
    *,
    name: str | None = None,
    runs_dir: str | Path = "runs",
    ray_address: str | None = None,
    num_cpus: int | None = None,
    force: bool = False,
    frozen: bool = False,
    hash_inputs: bool = False,
    break_lock: bool = False,
    log=print,
) -> RunResult:
    rp = load_pipeline(pipeline or demo_pipeline_path())
    root = run_root(runs_dir, name or rp.pipeline.name)
    parts = preflight(rp)  # before the run directory exists: a config error leaves nothing behind
    with RunLock(root, "curate run", break_lock=break_lock, log=log):
        return _run(RunDir(root), rp, parts, ray_address=ray_address, num_cpus=num_cpus, force=force, frozen=frozen, hash_inputs=hash_inputs, log=log)


def _run(run: RunDir, rp: ResolvedPipeline, parts: list[Part], *, ray_address, num_cpus, force, frozen, hash_inputs, log) -> RunResult:
    fp = fingerprint(rp)
    if force:
        run.wipe()
    if run.run_json.exists():
        previous = json.loads(run.run_json.read_text())
        if previous.get("fingerprint") != fp:
            raise UserError(f"{run.root}: this run directory was made with a different pipeline configuration; use --force to start over or --name for a new run")
    removed = run.clean_temporaries()
    if removed:
        log(f"removed {removed} temporary file(s) left by an interrupted run")

    stages = rp.pipeline.stages
    stage_order = [s.name for s in stages.build()]
    idents = identities(parts, hash_inputs, ray_address, num_cpus)
    pctx = PhaseContext(run, rp, fp, ray_address, num_cpus, log)
    markers = [e for s in rp.sources for e in Ledger(run.ledger(DOCUMENTS_PHASE) / s.id).entries()]
    changes = detect(parts, idents, markers, inputs_complete(run))
    if changes:
        if frozen:
            raise UserError(f"{run.root}: inputs changed since the last run (--frozen): {changes.summary()}")
        log(f"inputs changed since the last run: {changes.summary()}; redoing their parts and every phase after the documents")
        invalidate(pctx, [cls() for cls in PHASES], changes, log)
    ledgers = {s.id: Ledger(run.ledger(DOCUMENTS_PHASE) / s.id) for s in rp.sources}
    todo = [p for p in parts if not ledgers[p.source].is_done(p.slug)]
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    meta = {
        "name": run.root.name,
        "pipeline_file": rp.path,
        "pipeline": rp.pipeline.model_dump(mode="json"),
        "sources": [s.model_dump(mode="json") for s in rp.sources],
        "seed": rp.pipeline.seed,
        "fingerprint": fp,
        "versions": _versions(),
        "stages": {DOCUMENTS_PHASE: {"order": stage_order, "status": "running", "parts": len(parts)}},
        "started": started,
    }
    write_json(run.run_json, meta)
    log(f"run {run.root}: {len(rp.sources)} sources, {len(parts)} parts ({len(parts) - len(todo)} already done)")

    inputs = {f"{src}/{rel}": ident for (src, rel), ident in idents.items()}
    ctx = RunContext(str(run.root.resolve()), {s.id: s for s in rp.sources}, stages, fp, rp.pipeline.seed, inputs)
    try:
        run_pending(run_part_safely, parts, ctx, is_done=lambda p: ledgers[p.source].is_done(p.slug), label="documents", unit="parts",
                    resources=task_resources(stages.build()), ray_address=ray_address, num_cpus=num_cpus)
    except TasksFailed as e:
        meta["stages"][DOCUMENTS_PHASE]["status"] = "failed"
        meta["stages"][DOCUMENTS_PHASE]["failures"] = [{"part": f.item.describe(), "error": f.error} for f in e.failures]
        write_json(run.run_json, meta)
        raise

    tally = RunTally([s.id for s in rp.sources])
    for p in parts:
        if not ledgers[p.source].is_done(p.slug):
            raise RunFailed(f"part {p.describe()} has no completion marker after the run")
        tally.add(ledgers[p.source].read(p.slug))
    stage_stats = write_stage_stats(run, tally, stage_order)
    meta["stages"][DOCUMENTS_PHASE]["status"] = "done"
    write_json(run.run_json, meta)
    mark_inputs_complete(run, {"digest": digest(idents), "files": len(idents), "parts": len(parts)})

    for phase_cls in PHASES:
        phase = phase_cls()
        if not phase.enabled(pctx):
            continue
        meta["stages"][phase.name] = {"status": "running"}
        write_json(run.run_json, meta)
        try:
            summary = phase.run(pctx)
        except BaseException as e:
            meta["stages"][phase.name] = {"status": "failed", "error": str(e).splitlines()[0] if str(e) else type(e).__name__}
            write_json(run.run_json, meta)
            raise
        pctx.results[phase.name] = summary
        meta["stages"][phase.name] = {"status": "done", **summary}
        write_json(run.run_json, meta)

    # After every phase: the accounting rule holds over the files as they now are.
    report = reconcile(run, tally.records, {(p.source, p.slug) for p in parts})
    write_json(run.reconciliation, report)
    meta["reconciled"] = report["ok"]
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_json(run.run_json, meta)
    for warning in loss_warnings(stage_stats):  # a filter that removed most of a source is never silent
        log(f"warning: {warning}")
    return RunResult(run, report, stage_stats, stage_order, len(parts), len(parts) - len(todo))

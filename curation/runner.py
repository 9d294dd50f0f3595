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
from collections.abc import Callable
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
from curation.config.manifest import is_remote, sample_dir
from curation.config.pipeline import ResolvedPipeline, demo_pipeline_path, load_pipeline
from curation.readers import Part, plan_parts
from curation.readers.parts import unsplittable
from curation.core.runlock import RunLock
from curation.engine.inputs import detect, digest, identities
from curation.engine.invalidate import inputs_complete, invalidate, mark_inputs_complete


@dataclass
class RunResult:
    run: RunDir
    reconciliation: dict[str, Any]
    stage_stats: dict[str, Any]
    stage_order: list[str]
    parts: int
    skipped: int


def fingerprint(rp: ResolvedPipeline) -> str:
    """What determines the outputs: resolved sources, stage parameters, seed (not names or paths of runs).
    Locations in the bundled sample are taken as `sample://...`, not as the folder the package is installed
    in: the demo's fingerprint (and the datasheet that prints it) is the same in every clone."""
    sample = str(sample_dir()) + "/"
    sources = [s.model_dump(mode="json") for s in rp.sources]
    for s in sources:
        if s["location"].startswith(sample):
            s["location"] = "sample://" + s["location"][len(sample):]
    payload = {
        "sources": sources,
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


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:300]}" if text else type(e).__name__


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
        where = rp.where.get(src.id, rp.path)
        try:
            parts.extend(plan_parts(src, rp.pipeline.stages.read.max_part_bytes))
        except UserError as e:
            raise UserError(f"{where}: {e}") from None
        except Exception as e:  # noqa: BLE001 -- listing a remote location: no network, no credentials, no such bucket...
            if not is_remote(src.location):
                raise
            raise UserError(f"{where}: source '{src.id}': field 'location': cannot list {src.location} ({_one_line(e)}); "
                            "check the network and credentials, or copy the files and point `location` at the copy") from None
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
    on_run_dir: Callable[[RunDir], None] | None = None,
) -> RunResult:
    """`on_run_dir` is told the run directory once the work starts (the CLI reports on it even when
    the run then fails); mistakes found before that (pipeline, locations, mixture) are plain errors,
    found before the run directory is created."""
    if is_remote(str(runs_dir)):
        raise UserError(f"--runs-dir {runs_dir}: a run directory must be on a local or shared file system (ledger markers, atomic renames); "
                        "object stores are not supported: run on a local or shared path, then copy the run directory")
    rp = load_pipeline(pipeline or demo_pipeline_path())
    parts = preflight(rp)
    run = RunDir(Path(runs_dir) / (name or rp.pipeline.name))
    with RunLock(run.root, "curate run", break_lock=break_lock, log=log):
        return _run(run, rp, parts, ray_address=ray_address, num_cpus=num_cpus, force=force, frozen=frozen,
                    hash_inputs=hash_inputs, log=log, on_run_dir=on_run_dir)


def _run(run: RunDir, rp: ResolvedPipeline, parts: list[Part], *, ray_address, num_cpus, force, frozen, hash_inputs, log, on_run_dir) -> RunResult:
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
    markers = [e for s in rp.sources for e in Ledger(run.ledger(DOCUMENTS_PHASE) / s.id).entries()]
    idents = identities(parts, markers, hash_inputs, ray_address, num_cpus)
    pctx = PhaseContext(run, rp, fp, ray_address, num_cpus, log)
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
        "inputs": {"files": len(idents), "identity": "sha256" if hash_inputs else "size+mtime", "digest": digest(idents)},
        "versions": _versions(),
        "stages": {DOCUMENTS_PHASE: {"order": stage_order, "status": "running", "parts": len(parts)}},
        "started": started,
    }
    write_json(run.run_json, meta)
    log(f"run {run.root}: {len(rp.sources)} sources, {len(parts)} parts ({len(parts) - len(todo)} already done)")
    if on_run_dir is not None:  # from here on, whatever happens, the run has something to report
        on_run_dir(run)
    big = unsplittable(parts, stages.read.max_part_bytes)
    if big:  # one task each, however large: the run's slowest tasks
        names = ", ".join(f"{p.source}/{p.relpath} ({p.size / 2**20:.0f} MiB)" for p in big[:3]) + (f" and {len(big) - 3} more" if len(big) > 3 else "")
        log(f"  {len(big)} file(s) larger than read.max_part_bytes cannot be split (a compressed stream is read from its start): "
            f"{names}; reshard them into smaller files (or plain .jsonl / per-record .warc.gz) to spread them over workers")

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
    return RunResult(run, report, stage_stats, stage_order, len(parts), len(parts) - len(todo))

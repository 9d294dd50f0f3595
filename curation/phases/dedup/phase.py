"""The whole-run `dedup` phase: cluster the documents on their signatures and move the duplicates.

Steps, each a wave of Ray tasks (`run_tasks`) whose every task leaves a ledger marker under
`ledger/dedup/` after its outputs are in place, so a killed run resumes where it stopped:

1. plan      the docs parts (this run's, then the reference runs' of `against`), partitions P, bands
2. map       per part: exact and band keys -> P shuffle partitions; member attributes -> one file
3. edges     per partition: buckets -> edges (verified when `verify`), routed to their nodes' partitions
4. cc/<k>    per partition: a large-star or small-star round, until every partition is stars
5. members   per group of parts: the labelled nodes' attributes, routed to their component's partition
6. keep      per partition: the keep rule -> dedup/clusters/<p>.parquet, decisions routed back to parts
7. apply     per part: removed rows -> rejected/<source>/<part>.dedup.parquet (stage "dedup"), then
             the docs part rewritten without them, `dedup_cluster` set on every cluster member
8. done      stats/dedup.json (duplicate rates per source x language); the scratch files are deleted

Steps 1-6 only read the docs parts; step 7 rewrites them, one part at a time, after every decision is
committed, and keys its work by (source, origin) so that redoing it after a kill changes nothing. The
shuffle partitions and parts groups are counted from the data, never from the workers, and every file
is a pure function of its inputs: the removed set and the files are the same whatever runs them.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

from curation.core.errors import RunFailed
from curation.core.resources import Resources
from curation.core.rundir import RunDir, write_json
from curation.core.schema import documents_schema
from curation.engine.executor import ensure_ray, run_pending
from curation.engine.ledger import Ledger
from curation.engine.phase import Phase, PhaseContext, remove
from curation.phases.dedup.undo import undo_dedup
from curation.phases.dedup.plan import (
    MAX_ROUNDS,
    PHASE,
    Job,
    Plan,
    job_key,
    ledger_folder,
    make_plan,
)
from curation.phases.dedup.tasks import (
    applied,
    apply_group,
    cc_partition,
    edge_partition,
    keep_partition,
    map_part,
    members_group,
)

# What one task of each step needs. Every step streams its inputs in batches of BATCH_ROWS rows, so one
# CPU and no reservation; a partition task holds its partition's keys (about KEYS_PER_PARTITION x 24
# bytes), which is what the memory figures reserve.
RESOURCES: dict[str, Resources] = {
    "map": Resources(cpus=1),
    "edges": Resources(cpus=1, memory_gb=0.25),
    "cc": Resources(cpus=1, memory_gb=0.25),
    "members": Resources(cpus=1),
    "keep": Resources(cpus=1, memory_gb=0.25),
    "apply": Resources(cpus=1),
}


class DedupPhase(Phase):
    name = PHASE

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.stages.dedup.enabled

    def outputs(self, run: RunDir) -> list[Path]:
        return [run.dedup, run.dedup_stats]

    def reset(self, ctx: PhaseContext) -> list[str]:
        """Dedup rewrote the docs parts: give them back before it starts over (see undo.py)."""
        remove(ctx.run.ledger(PHASE))
        stages = ctx.pipeline.pipeline.stages
        redo = undo_dedup(ctx.run, documents_schema(stages.stage_columns()), stages.read.rejected == "ids", ctx.log)
        for path in self.outputs(ctx.run):
            remove(path)
        return redo

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        run = ctx.run
        done = Ledger(run.ledger(PHASE))
        if done.is_done("done"):
            return done.read("done")["summary"]
        plan = make_plan(ctx)
        ensure_ray(ctx.ray_address, ctx.num_cpus)
        P = plan.partitions
        ctx.log(f"dedup: {len(plan.ours())} parts ({len(plan.parts) - len(plan.ours())} from reference runs), {P} partitions, scope {plan.scope}, "
                + (f"near-duplicates at Jaccard {plan.threshold} ({plan.bands} bands x {plan.rows} rows{', verified' if plan.verify else ''})" if plan.near else "exact only"))
        _wave(plan, "map", [Job("map", p.index) for p in plan.parts], map_part)
        _wave(plan, "edges", [Job("edges", q) for q in range(P)], edge_partition)
        final_round = _components(plan)
        _wave(plan, "members", [Job("members", g, final_round) for g in range(P)], members_group)
        _wave(plan, "keep", [Job("keep", q) for q in range(P)], keep_partition)
        groups = sorted({p.index % P for p in plan.ours()})
        _wave(plan, "apply", [Job("apply", g) for g in groups], apply_group,
              done=lambda j: all(applied(plan, p) for p in plan.in_group(j.index) if p.run is None))
        summary = _write_stats(plan, final_round)
        done.mark_done("done", {"summary": summary})
        shutil.rmtree(plan.scratch, ignore_errors=True)
        return summary


def _wave(plan: Plan, step: str, jobs: list[Job], fn: Callable[[Job, Plan], dict[str, Any]], done: Callable[[Job], bool] | None = None) -> None:
    """Run the jobs of one step that have no ledger marker yet; a job that failed after its retries
    fails the run (a rerun retries it)."""
    ledger = plan.ledger(ledger_folder(jobs[0]) if jobs else step)
    run_pending(fn, jobs, plan, is_done=done or (lambda j: ledger.is_done(job_key(j))), label=f"dedup {step}", resources=RESOURCES[step])


def _components(plan: Plan) -> int:
    """Run star rounds until every partition is converged; returns the round whose labels are final."""
    for k in range(MAX_ROUNDS):
        jobs = [Job("cc", q, k) for q in range(plan.partitions)]
        _wave(plan, "cc", jobs, cc_partition)
        ledger = plan.ledger(f"cc/{k:03d}")
        if all(ledger.read(job_key(j))["converged"] for j in jobs):
            return k
        shutil.rmtree(plan.scratch / "cc" / f"{k:03d}", ignore_errors=True)  # round k's inputs: done with
    raise RunFailed(f"dedup: connected components did not converge in {MAX_ROUNDS} rounds")


def _write_stats(plan: Plan, final_round: int) -> dict[str, Any]:
    docs_in: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in plan.ours():
        entry = plan.ledger("map").read(job_key(Job("map", p.index)))
        for lang, n in entry["languages"].items():
            docs_in[p.source][lang] += n
    removed: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: {"duplicate:exact": 0, "duplicate:near": 0}))
    clusters = 0
    for q in range(plan.partitions):
        entry = plan.ledger("keep").read(job_key(Job("keep", q)))
        clusters += entry["clusters"]
        for src, langs in entry["removed"].items():
            for lang, reasons in langs.items():
                for reason, n in reasons.items():
                    removed[src][lang][reason] += n
    table: dict[str, Any] = {}
    tot = {"docs_in": 0, "removed_exact": 0, "removed_near": 0}
    for src in sorted(docs_in):
        table[src] = {}
        for lang in sorted(docs_in[src]):
            n = docs_in[src][lang]
            ex = removed[src][lang]["duplicate:exact"]
            nr = removed[src][lang]["duplicate:near"]
            table[src][lang] = {"docs_in": n, "removed_exact": ex, "removed_near": nr, "docs_out": n - ex - nr, "duplicate_rate": round((ex + nr) / n, 6) if n else 0.0}
            tot["docs_in"] += n
            tot["removed_exact"] += ex
            tot["removed_near"] += nr
    tot["docs_out"] = tot["docs_in"] - tot["removed_exact"] - tot["removed_near"]
    tot["duplicate_rate"] = round((tot["removed_exact"] + tot["removed_near"]) / tot["docs_in"], 6) if tot["docs_in"] else 0.0
    config = {"scope": plan.scope, "near": plan.near, "threshold": plan.threshold, "bands": plan.bands, "rows": plan.rows,
              "verify": plan.verify, "num_perm": plan.num_perm, "partitions": plan.partitions,
              "against": sorted({p.run for p in plan.parts if p.run})}
    write_json(plan.run.dedup_stats, {"config": config, "clusters": clusters, "rounds": final_round + 1, "sources": table, "total": tot})
    return {"removed_exact": tot["removed_exact"], "removed_near": tot["removed_near"], "clusters": clusters, "duplicate_rate": tot["duplicate_rate"],
            "bands": plan.bands, "rows": plan.rows, "partitions": plan.partitions}

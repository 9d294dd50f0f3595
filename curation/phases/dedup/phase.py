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

import json
import math
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.phases.dedup import components, lsh
from curation.phases.dedup.components import EDGE_SCHEMA, LABEL_SCHEMA, MEMBER_SCHEMA
from curation.phases.dedup.config import DedupConfig
from curation.stages.minhash import lsh_params, sketch
from curation.engine.ledger import Ledger
from curation.core.rundir import RunDir, commit, tmp_path, write_json
from curation.core.errors import RunFailed, UserError
from curation.engine.phase import Phase, PhaseContext, remove
from curation.phases.dedup.undo import undo_dedup
from curation.core.schema import conform, documents_schema, rejected_schema
from curation.stages.signatures import SignaturesConfig


PHASE = "dedup"
STAGE = "dedup"  # the `stage` of the rows this phase moves to rejected/
KEYS_PER_PARTITION = 2_000_000  # default partition size, in shuffled keys
MAX_ROUNDS = 64
BATCH_ROWS = 8192

EXACT_SCHEMA = pa.schema([pa.field("k1", pa.uint64()), pa.field("k2", pa.uint64()), pa.field("node", pa.uint64())])
ASSIGN_SCHEMA = pa.schema([pa.field("node", pa.uint64()), pa.field("origin", pa.string()), pa.field("cluster", pa.string()), pa.field("reason", pa.string())])
CLUSTER_COLUMNS = ["cluster", "kept_id", "source", "id", "origin", "language", "quality", "length", "kept", "reason", "run"]


def band_schema(sketch_bytes: int | None) -> pa.Schema:
    fields = [pa.field("key", pa.uint64()), pa.field("node", pa.uint64())]
    if sketch_bytes:
        fields.append(pa.field("sketch", pa.binary(sketch_bytes)))
    return pa.schema(fields)


@dataclass(frozen=True)
class DocsPart:
    index: int
    source: str
    path: str  # absolute
    slug: str  # docs file name without .parquet
    run: str | None  # the reference run's directory; None for this run's parts

    def describe(self) -> str:
        return f"{self.run or 'this run'}: {self.path}"


@dataclass(frozen=True)
class Job:
    """One Ray task of a step: `index` is a part index, a partition or a group of parts."""

    step: str
    index: int
    round: int = 0

    def describe(self) -> str:
        return f"dedup {self.step}" + (f" round {self.round}" if self.step == "cc" else "") + f" #{self.index}"


@dataclass(frozen=True)
class Plan:
    run_dir: str
    parts: tuple[DocsPart, ...]
    partitions: int
    scope: str
    near: bool
    bands: int
    rows: int
    verify: bool
    threshold: float
    num_perm: int
    docs_schema: pa.Schema
    rejected_schema: pa.Schema

    @property
    def run(self) -> RunDir:
        return RunDir(self.run_dir)

    @property
    def scratch(self) -> Path:
        return self.run.root / "dedup" / "scratch"

    def shuffle(self, name: str) -> lsh.Shuffle:
        return lsh.Shuffle(self.scratch / name, self.partitions)

    def ledger(self, step: str) -> Ledger:
        return Ledger(self.run.ledger(PHASE) / step)

    def ours(self) -> list[DocsPart]:
        return [p for p in self.parts if p.run is None]

    def in_group(self, g: int) -> list[DocsPart]:
        return [p for p in self.parts if p.index % self.partitions == g]

    def route(self, nodes: np.ndarray) -> np.ndarray:
        """The partition of a node: its part's group."""
        return lsh.part_of(nodes) % self.partitions


class DedupPhase(Phase):
    name = PHASE

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.stages.dedup.enabled

    def outputs(self, run: RunDir) -> list[Path]:
        return [run.root / "dedup", run.stats / "dedup.json"]

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
        plan = _plan(ctx)
        from curation.engine.executor import ensure_ray

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
              done=lambda j: all(_applied(plan, p) for p in plan.in_group(j.index) if p.run is None))
        summary = _write_stats(plan, final_round)
        done.mark_done("done", {"summary": summary})
        shutil.rmtree(plan.scratch, ignore_errors=True)
        return summary


# --- plan -------------------------------------------------------------------------------------------


def _plan(ctx: PhaseContext) -> Plan:
    stages = ctx.pipeline.pipeline.stages
    cfg: DedupConfig = stages.dedup
    sig: SignaturesConfig = stages.signatures
    where = ctx.pipeline.path or "pipeline"
    if not sig.enabled:
        raise UserError(f"{where}: stages.dedup needs the signatures stage: set stages.signatures.enabled to true (or stages.dedup.enabled to false)")
    if cfg.bands is not None and cfg.rows is not None:
        bands, rows = cfg.bands, cfg.rows
        if bands * rows > sig.num_perm:
            raise UserError(f"{where}: stages.dedup.bands x rows = {bands * rows} exceeds stages.signatures.num_perm ({sig.num_perm})")
    else:
        bands, rows = lsh_params(cfg.threshold, sig.num_perm, *cfg.lsh_weights())
    ledger = Ledger(ctx.run.ledger(PHASE))
    docs_schema = documents_schema(stages.stage_columns())
    rej_schema = rejected_schema(docs_schema, ids_only=stages.read.rejected == "ids")
    if ledger.is_done("plan"):
        saved = ledger.read("plan")
        parts = tuple(DocsPart(**p) for p in saved["parts"])
        partitions = saved["partitions"]
    else:
        parts = _list_parts(ctx, cfg, sig)
        total = sum(pq.ParquetFile(p.path).metadata.num_rows for p in parts)
        keys = total * (1 + (bands if cfg.near else 0))
        partitions = cfg.partitions or max(1, math.ceil(keys / KEYS_PER_PARTITION))
        ledger.mark_done("plan", {"parts": [p.__dict__ for p in parts], "partitions": partitions, "documents": total, "bands": bands, "rows": rows})
    return Plan(str(ctx.run.root.resolve()), parts, partitions, cfg.scope, cfg.near, bands, rows, cfg.verify, cfg.threshold, sig.num_perm, docs_schema, rej_schema)


def _list_parts(ctx: PhaseContext, cfg: DedupConfig, sig: SignaturesConfig) -> tuple[DocsPart, ...]:
    parts: list[DocsPart] = []

    def add(docs_root: Path, run: str | None) -> None:
        if not docs_root.exists():
            return
        for src_dir in sorted(p for p in docs_root.iterdir() if p.is_dir()):
            for f in sorted(src_dir.glob("*.parquet")):
                parts.append(DocsPart(len(parts), src_dir.name, str(f.resolve()), f.name[: -len(".parquet")], run))

    add(ctx.run.docs(), None)
    base = Path(ctx.pipeline.path).parent if ctx.pipeline.path else Path.cwd()
    for i, ref in enumerate(cfg.against):
        ref_dir = (base / ref).resolve()
        _check_reference(ref_dir, sig, f"{ctx.pipeline.path}: stages.dedup.against[{i}]")
        add(RunDir(ref_dir).docs(), str(ref_dir))
    return tuple(parts)


def _check_reference(ref_dir: Path, sig: SignaturesConfig, where: str) -> None:
    meta_path = ref_dir / "run.json"
    if not meta_path.is_file():
        raise UserError(f"{where}: {ref_dir} is not a run directory (no run.json)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    theirs = meta.get("pipeline", {}).get("stages", {}).get("signatures")
    if theirs is None:
        raise UserError(f"{where}: {ref_dir} has no signatures (its pipeline had no signatures stage)")
    ours = sig.model_dump(mode="json")
    for field in ("num_perm", "seed", "ngram", "char_ngram", "chars_per_word"):
        if theirs.get(field) != ours[field]:
            raise UserError(f"{where}: {ref_dir} made its signatures with {field}={theirs.get(field)}, this pipeline's stages.signatures.{field} is {ours[field]}; they must match")
    if not theirs.get("enabled", True):
        raise UserError(f"{where}: {ref_dir} ran with the signatures stage disabled")


# --- waves ------------------------------------------------------------------------------------------


def _wave(plan: Plan, step: str, jobs: list[Job], fn: Callable[[Job, Plan], dict[str, Any]], done: Callable[[Job], bool] | None = None) -> None:
    """Run the jobs of one step that have no ledger marker yet; a job that failed after its retries
    fails the run (a rerun retries it)."""
    from curation.engine.executor import run_tasks

    ledger = plan.ledger(_ledger_folder(jobs[0]) if jobs else step)
    todo = [j for j in jobs if not (done(j) if done else ledger.is_done(_key(j)))]
    failures = run_tasks(fn, todo, plan, label=f"dedup {step}")  # type: ignore[arg-type]
    if failures:
        lines = [f"{f.part.describe()}: {f.error}" for f in failures[:20]]
        raise RunFailed(f"{len(failures)} dedup task(s) failed after retries; rerun to retry them:\n" + "\n".join(lines))


def _ledger_folder(job: Job) -> str:
    return f"cc/{job.round:03d}" if job.step == "cc" else job.step


def _key(job: Job) -> str:
    return f"{job.index:06d}"


def _components(plan: Plan) -> int:
    """Run star rounds until every partition is converged; returns the round whose labels are final."""
    for k in range(MAX_ROUNDS):
        jobs = [Job("cc", q, k) for q in range(plan.partitions)]
        _wave(plan, "cc", jobs, cc_partition)
        ledger = plan.ledger(f"cc/{k:03d}")
        if all(ledger.read(_key(j))["converged"] for j in jobs):
            return k
        shutil.rmtree(plan.scratch / "cc" / f"{k:03d}", ignore_errors=True)  # round k's inputs: done with
    raise RunFailed(f"dedup: connected components did not converge in {MAX_ROUNDS} rounds")


# --- tasks (run on Ray workers; each ends with its ledger marker) -------------------------------------


def _group_values(plan: Plan, source: str, languages: pa.Array) -> np.ndarray:
    if plan.scope == "source":
        return lsh.group_hashes([source] * len(languages))
    if plan.scope == "language":
        return lsh.group_hashes(languages.to_pylist())
    return lsh.group_hashes([""] * len(languages))


def map_part(job: Job, plan: Plan) -> dict[str, Any]:
    """Keys and attributes of one docs part."""
    part = plan.parts[job.index]
    pf = pq.ParquetFile(part.path)
    names = set(pf.schema_arrow.names)
    missing = {"exact_hash", "minhash"} - names
    if missing:
        return {"error": f"{part.path}: no {sorted(missing)} column: the run had no signatures stage", "retryable": False}
    ours = part.run is None
    columns = ["id", "origin", "language", "exact_hash", "minhash"] + (["text"] if ours else []) + (["quality_score"] if "quality_score" in names else [])
    exact_parts: list[pa.Table] = []
    band_parts: list[pa.Table] = []
    attr_parts: list[pa.Table] = []
    counts: dict[str, int] = defaultdict(int)
    row = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=columns):
        n = batch.num_rows
        nodes = (np.uint64(part.index) << np.uint64(32)) | np.arange(row, row + n, dtype=np.uint64)
        row += n
        languages = pc.fill_null(batch.column("language"), "und")
        for lang in languages.to_pylist():
            counts[lang] += 1
        groups = _group_values(plan, part.source, languages)
        exact = batch.column("exact_hash")
        valid = np.asarray(exact.is_valid())
        k1, k2 = lsh.exact_keys(exact.filter(pa.array(valid)), groups[valid])
        exact_parts.append(pa.table({"k1": k1, "k2": k2, "node": nodes[valid]}, schema=EXACT_SCHEMA))
        if plan.near:
            band_parts.append(_band_records(plan, batch.column("minhash"), nodes, groups, part))
        length = pc.utf8_length(batch.column("text")).cast(pa.int64()) if ours else pa.nulls(n, pa.int64())
        quality = components.null_quality(batch.column("quality_score")) if "quality_score" in columns else pa.nulls(n, pa.float64())
        attr_parts.append(pa.table({
            "node": nodes, "reference": pa.array([not ours] * n), "quality": quality, "length": length,
            "id": batch.column("id"), "source": pa.array([part.source] * n, pa.string()), "origin": batch.column("origin"),
            "language": languages, "exact_hash": exact, "run": pa.array([part.run] * n, pa.string()),
        }))
    writer = f"p{part.index:06d}"
    exact_t = pa.concat_tables(exact_parts) if exact_parts else EXACT_SCHEMA.empty_table()
    plan.shuffle("exact").write(writer, exact_t, (exact_t["k1"].to_numpy() % np.uint64(plan.partitions)).astype(np.int64))
    if plan.near:
        schema = band_schema(plan.num_perm if plan.verify else None)
        bands_t = pa.concat_tables(band_parts) if band_parts else schema.empty_table()
        plan.shuffle("bands").write(writer, bands_t, (bands_t["key"].to_numpy() % np.uint64(plan.partitions)).astype(np.int64))
    attrs = pa.concat_tables(attr_parts) if attr_parts else None
    if attrs is not None:
        lsh.write_arrow(plan.scratch / "attrs" / f"{writer}.arrow", attrs)
    entry = {"part": part.path, "source": part.source, "reference": part.run, "records": row, "languages": dict(sorted(counts.items()))}
    plan.ledger("map").mark_done(_key(job), entry)
    return entry


def _band_records(plan: Plan, minhash: pa.ChunkedArray | pa.Array, nodes: np.ndarray, groups: np.ndarray, part: DocsPart) -> pa.Table:
    arr = minhash.combine_chunks() if isinstance(minhash, pa.ChunkedArray) else minhash
    valid = np.asarray(arr.is_valid())
    values = arr.filter(pa.array(valid))
    lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False)
    if len(lengths) and (lengths != plan.num_perm).any():
        raise UserError(f"{part.path}: minhash signatures of {int(lengths[lengths != plan.num_perm][0])} values, stages.signatures.num_perm is {plan.num_perm}")
    sigs = values.flatten().to_numpy().reshape(-1, plan.num_perm)
    keys = lsh.band_keys(sigs, plan.bands, plan.rows, groups[valid])  # (m, bands)
    cols: dict[str, Any] = {"key": keys.reshape(-1), "node": np.repeat(nodes[valid], plan.bands)}
    if plan.verify:
        sketches = np.repeat(sketch(sigs), plan.bands, axis=0)
        cols["sketch"] = pa.FixedSizeBinaryArray.from_buffers(pa.binary(plan.num_perm), len(sketches), [None, pa.py_buffer(np.ascontiguousarray(sketches).tobytes())])
    return pa.table(cols, schema=band_schema(plan.num_perm if plan.verify else None))


def edge_partition(job: Job, plan: Plan) -> dict[str, Any]:
    """Buckets of one key partition -> edges, routed to both endpoints' partitions for round 0."""
    q = job.index
    ex = plan.shuffle("exact").read(q, EXACT_SCHEMA)
    us, vs = [], []
    if ex.num_rows:
        u, v = lsh.star_edges([ex["k1"].to_numpy(), ex["k2"].to_numpy()], ex["node"].to_numpy())
        us.append(u)
        vs.append(v)
    candidates = 0
    if plan.near:
        bd = plan.shuffle("bands").read(q, band_schema(plan.num_perm if plan.verify else None))
        if bd.num_rows:
            keys, nodes = bd["key"].to_numpy(), bd["node"].to_numpy()
            if plan.verify:
                col = bd["sketch"].combine_chunks()
                sketches = np.frombuffer(col.buffers()[1], np.uint8)[col.offset * plan.num_perm : (col.offset + len(col)) * plan.num_perm].reshape(-1, plan.num_perm)
                u, v = lsh.verified_edges(keys, nodes, sketches, plan.threshold)
            else:
                u, v = lsh.star_edges([keys], nodes)
            candidates = len(u)
            us.append(u)
            vs.append(v)
    u, v = lsh.unique_edges(np.concatenate(us) if us else np.zeros(0, np.uint64), np.concatenate(vs) if vs else np.zeros(0, np.uint64))
    n_ours = len(plan.ours())
    ours = (lsh.part_of(u) < n_ours) | (lsh.part_of(v) < n_ours)  # links between reference documents change nothing here
    u, v = u[ours], v[ours]
    edges = components.both_directions(u, v)
    plan.shuffle("cc/000").write(f"e{q:05d}", edges, plan.route(edges["u"].to_numpy()))
    entry = {"records": ex.num_rows, "edges": int(len(u)), "band_edges": candidates}
    plan.ledger("edges").mark_done(_key(job), entry)
    return entry


def cc_partition(job: Job, plan: Plan) -> dict[str, Any]:
    k, q = job.round, job.index
    t = plan.shuffle(f"cc/{k:03d}").read(q, EDGE_SCHEMA)
    x, y, nodes, labels, converged = components.star_round(t["u"].to_numpy(), t["v"].to_numpy(), large=k % 2 == 0)
    lsh.write_arrow(plan.scratch / "labels" / f"{k:03d}" / f"{q:05d}.arrow", pa.table({"node": nodes, "root": labels}, schema=LABEL_SCHEMA))
    edges = components.both_directions(x, y)
    plan.shuffle(f"cc/{k + 1:03d}").write(f"r{q:05d}", edges, plan.route(edges["u"].to_numpy()))
    entry = {"records": t.num_rows, "converged": converged, "nodes": int(len(nodes)), "edges_out": int(len(x))}
    plan.ledger(f"cc/{k:03d}").mark_done(_key(job), entry)
    return entry


def members_group(job: Job, plan: Plan) -> dict[str, Any]:
    """Attributes of the labelled nodes of one group of parts, routed to their component's partition."""
    g = job.index
    path = plan.scratch / "labels" / f"{job.round:03d}" / f"{g:05d}.arrow"
    labels = lsh.read_arrow(path) if path.exists() else LABEL_SCHEMA.empty_table()
    nodes, roots = labels["node"].to_numpy(), labels["root"].to_numpy()
    order = np.argsort(nodes)
    nodes, roots = nodes[order], roots[order]
    found = []
    if len(nodes):
        for part in plan.in_group(g):
            apath = plan.scratch / "attrs" / f"p{part.index:06d}.arrow"
            if not apath.exists():
                continue
            attrs = lsh.read_arrow(apath)
            an = attrs["node"].to_numpy()
            pos = np.clip(np.searchsorted(nodes, an), 0, len(nodes) - 1)
            hit = nodes[pos] == an
            if hit.any():
                sel = attrs.filter(pa.array(hit))
                found.append(sel.append_column("root", pa.array(roots[pos[hit]], pa.uint64())).select(MEMBER_SCHEMA.names))
    members = pa.concat_tables(found) if found else MEMBER_SCHEMA.empty_table()
    plan.shuffle("members").write(f"g{g:05d}", members, plan.route(members["root"].to_numpy()))
    entry = {"records": members.num_rows}
    plan.ledger("members").mark_done(_key(job), entry)
    return entry


def keep_partition(job: Job, plan: Plan) -> dict[str, Any]:
    """The keep rule over the components rooted in one partition."""
    q = job.index
    decided = components.decide(plan.shuffle("members").read(q, MEMBER_SCHEMA))
    out = plan.run.root / "dedup" / "clusters" / f"{q:05d}.parquet"
    if decided.num_rows:
        _write_parquet(out, decided.select(CLUSTER_COLUMNS))
    ours = decided.filter(pc.invert(decided["reference"]))
    assign = ours.select(["node", "origin", "cluster", "reason"]).cast(ASSIGN_SCHEMA)
    plan.shuffle("assign").write(f"k{q:05d}", assign, plan.route(assign["node"].to_numpy()))
    removed: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: {"duplicate:exact": 0, "duplicate:near": 0}))
    for src, lang, reason in zip(ours["source"].to_pylist(), ours["language"].to_pylist(), ours["reason"].to_pylist()):
        if reason:
            removed[src][lang][reason] += 1
    entry = {
        "records": decided.num_rows,
        "clusters": len(set(decided["cluster"].to_pylist())),
        "removed": {s: dict(sorted(ls.items())) for s, ls in sorted(removed.items())},
    }
    plan.ledger("keep").mark_done(_key(job), entry)
    return entry


def _applied(plan: Plan, part: DocsPart) -> bool:
    return plan.ledger("apply").is_done(f"{part.source}/{part.slug}")


def apply_group(job: Job, plan: Plan) -> dict[str, Any]:
    assign = plan.shuffle("assign").read(job.index, ASSIGN_SCHEMA)
    owner = lsh.part_of(assign["node"].to_numpy())
    removed = 0
    for part in plan.in_group(job.index):
        if part.run is not None or _applied(plan, part):
            continue
        mine = assign.filter(pa.array(owner == part.index))
        n = _apply_part(plan, part, mine)
        plan.ledger("apply").mark_done(f"{part.source}/{part.slug}", {"part": part.path, "removed": n, "members": mine.num_rows})
        removed += n
    return {"records": removed}


def _apply_part(plan: Plan, part: DocsPart, decisions: pa.Table) -> int:
    """Move this part's removed rows to rejected/ and set `dedup_cluster` on its cluster members."""
    if decisions.num_rows == 0:
        return 0
    docs_path = Path(part.path)
    rej_path = plan.run.rejected(part.source) / f"{part.slug}.dedup.parquet"
    table = pq.read_table(docs_path)  # one docs part: the output of one input part
    schema = table.schema
    # (source, origin) names a document whatever its row: a rerun may find the part already rewritten
    at = pc.index_in(table["origin"], value_set=decisions["origin"].combine_chunks())
    reason = decisions["reason"].take(at)
    table = table.set_column(schema.get_field_index("dedup_cluster"), "dedup_cluster", decisions["cluster"].take(at))
    gone = pc.is_valid(reason)
    # The rejected file first, from the docs part as the plan saw it; once it exists it is never redone.
    if not rej_path.exists():
        dropped = table.filter(gone)
        if dropped.num_rows:
            dropped = dropped.append_column("stage", pa.array([STAGE] * dropped.num_rows, pa.string())).append_column("reason", reason.filter(gone))
            _write_parquet(rej_path, conform(dropped, plan.rejected_schema))
    _fault("after_rejected")
    n_removed = pq.ParquetFile(rej_path).metadata.num_rows if rej_path.exists() else 0
    _write_parquet(docs_path, table.filter(pc.invert(gone)), schema)
    _fault("after_docs")
    return n_removed


def _fault(point: str) -> None:
    """Fault injection for the resume tests (CURATION_TEST_DEDUP_FAIL=<point>); unset in normal runs."""
    if os.environ.get("CURATION_TEST_DEDUP_FAIL") == point:
        raise RuntimeError(f"injected failure {point}")


def _write_parquet(path: Path, table: pa.Table, schema: pa.Schema | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(path)
    pq.write_table(table if schema is None else table.cast(schema), tmp, compression="zstd")
    commit(tmp, path)


# --- stats ------------------------------------------------------------------------------------------


def _write_stats(plan: Plan, final_round: int) -> dict[str, Any]:
    docs_in: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in plan.ours():
        entry = plan.ledger("map").read(_key(Job("map", p.index)))
        for lang, n in entry["languages"].items():
            docs_in[p.source][lang] += n
    removed: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: {"duplicate:exact": 0, "duplicate:near": 0}))
    clusters = 0
    for q in range(plan.partitions):
        entry = plan.ledger("keep").read(_key(Job("keep", q)))
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
    write_json(plan.run.stats / "dedup.json", {"config": config, "clusters": clusters, "rounds": final_round + 1, "sources": table, "total": tot})
    return {"removed_exact": tot["removed_exact"], "removed_near": tot["removed_near"], "clusters": clusters, "duplicate_rate": tot["duplicate_rate"],
            "bands": plan.bands, "rows": plan.rows, "partitions": plan.partitions}

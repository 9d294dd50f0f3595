"""The Ray tasks of the dedup phase, one function per step (map, edges, cc, members, keep, apply); each
writes its outputs, then its ledger marker (see curation/phases/dedup/phase.py for the steps)."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.core.errors import UserError
from curation.core.rundir import commit, tmp_path
from curation.core.schema import conform
from curation.phases.dedup import components, lsh
from curation.phases.dedup.components import EDGE_SCHEMA, LABEL_SCHEMA, MEMBER_SCHEMA
from curation.phases.dedup.plan import (
    ASSIGN_SCHEMA,
    BATCH_ROWS,
    CLUSTER_COLUMNS,
    EXACT_SCHEMA,
    STAGE,
    DocsPart,
    Job,
    Plan,
    band_schema,
    job_key,
)
from curation.stages.minhash import sketch


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
    plan.ledger("map").mark_done(job_key(job), entry)
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
    plan.ledger("edges").mark_done(job_key(job), entry)
    return entry


def cc_partition(job: Job, plan: Plan) -> dict[str, Any]:
    k, q = job.round, job.index
    t = plan.shuffle(f"cc/{k:03d}").read(q, EDGE_SCHEMA)
    x, y, nodes, labels, converged = components.star_round(t["u"].to_numpy(), t["v"].to_numpy(), large=k % 2 == 0)
    lsh.write_arrow(plan.scratch / "labels" / f"{k:03d}" / f"{q:05d}.arrow", pa.table({"node": nodes, "root": labels}, schema=LABEL_SCHEMA))
    edges = components.both_directions(x, y)
    plan.shuffle(f"cc/{k + 1:03d}").write(f"r{q:05d}", edges, plan.route(edges["u"].to_numpy()))
    entry = {"records": t.num_rows, "converged": converged, "nodes": int(len(nodes)), "edges_out": int(len(x))}
    plan.ledger(f"cc/{k:03d}").mark_done(job_key(job), entry)
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
    plan.ledger("members").mark_done(job_key(job), entry)
    return entry


def keep_partition(job: Job, plan: Plan) -> dict[str, Any]:
    """The keep rule over the components rooted in one partition."""
    q = job.index
    decided = components.decide(plan.shuffle("members").read(q, MEMBER_SCHEMA))
    out = plan.run.dedup_clusters / f"{q:05d}.parquet"
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
    plan.ledger("keep").mark_done(job_key(job), entry)
    return entry


def applied(plan: Plan, part: DocsPart) -> bool:
    return plan.ledger("apply").is_done(f"{part.source}/{part.slug}")


def apply_group(job: Job, plan: Plan) -> dict[str, Any]:
    assign = plan.shuffle("assign").read(job.index, ASSIGN_SCHEMA)
    owner = lsh.part_of(assign["node"].to_numpy())
    removed = 0
    for part in plan.in_group(job.index):
        if part.run is not None or applied(plan, part):
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
    rej_path = plan.run.part_dedup_rejected(part.source, part.slug)
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

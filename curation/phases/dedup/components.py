"""Connected components of the duplicate graph without one process holding it, and the keep rule.

Components: the alternating large-star / small-star algorithm (Kiveris et al., "Connected Components in
MapReduce and Beyond", SoCC 2014). The edge list lives in partition files by node; each round, the task
of a partition reads the adjacency of its nodes, emits a new edge list (every edge routed to both of its
endpoints' partitions), and reports whether its nodes already form stars around their minimum. When
every partition does, each node's minimum neighbour (or itself) is its component's smallest node: the
label. Rounds grow with log(n), not with component diameters; memory per task is its partition's edges.

Keep rule: in each component, one document is kept: a document of a reference run (`against`) if there
is one, else the highest quality score (documents without one rank last), then the longest text, then
the smallest id (then source, then origin, so the order is total). The others are removed with reason
`duplicate:exact` when their text hash equals the kept document's, `duplicate:near` otherwise.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

EDGE_SCHEMA = pa.schema([pa.field("u", pa.uint64()), pa.field("v", pa.uint64())])
LABEL_SCHEMA = pa.schema([pa.field("node", pa.uint64()), pa.field("root", pa.uint64())])

REASON_EXACT = "duplicate:exact"
REASON_NEAR = "duplicate:near"


def adjacency(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct (u, v) rows without self-loops, and the start of each u's run."""
    keep = u != v
    u, v = u[keep], v[keep]
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    if len(u):
        distinct = np.ones(len(u), bool)
        distinct[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        u, v = u[distinct], v[distinct]
    starts = np.flatnonzero(np.concatenate([[True], u[1:] != u[:-1]])) if len(u) else np.zeros(0, np.int64)
    return u, v, starts


def star_round(u: np.ndarray, v: np.ndarray, large: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """One round on the adjacency rows of this partition's nodes (u: the node, v: a neighbour).

    Returns the emitted undirected edges (x, y), the labels (node, min of itself and its neighbours) and
    whether this partition's nodes were already converged (each a star centre, smaller than all its
    neighbours, or a leaf with exactly one, smaller, neighbour).
    """
    u, v, starts = adjacency(u, v)
    if len(u) == 0:
        empty = np.zeros(0, np.uint64)
        return empty, empty, empty, empty, True
    nodes = u[starts]
    degree = np.diff(np.append(starts, len(u)))
    min_nb = np.minimum.reduceat(v, starts)
    label = np.minimum(min_nb, nodes)
    converged = bool(np.all((min_nb > nodes) | ((degree == 1) & (min_nb < nodes))))
    label_rep = np.repeat(label, degree)
    if large:
        # every neighbour larger than u is linked to u's smallest neighbourhood member
        mask = v > u
        x, y = v[mask], label_rep[mask]
    else:
        # u and its smaller neighbours are linked to the smallest of them
        mask = v <= u
        x = np.concatenate([v[mask], nodes])
        y = np.concatenate([label_rep[mask], label])
    keep = x != y
    return x[keep], y[keep], nodes, label, converged


def both_directions(x: np.ndarray, y: np.ndarray) -> pa.Table:
    return pa.table({"u": np.concatenate([x, y]), "v": np.concatenate([y, x])}, schema=EDGE_SCHEMA)


# --- keep rule --------------------------------------------------------------------------------------

MEMBER_SCHEMA = pa.schema(
    [
        pa.field("root", pa.uint64()),
        pa.field("node", pa.uint64()),
        pa.field("reference", pa.bool_()),
        pa.field("quality", pa.float64()),
        pa.field("length", pa.int64()),
        pa.field("id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("origin", pa.string()),
        pa.field("language", pa.string()),
        pa.field("exact_hash", pa.binary(16)),
        pa.field("run", pa.string()),  # the reference run's directory; null for this run's documents
    ]
)

RANK = [("reference", "descending"), ("quality", "descending"), ("length", "descending"), ("id", "ascending"), ("source", "ascending"), ("origin", "ascending")]


DECIDED_SCHEMA = pa.schema([pa.field("cluster", pa.string()), pa.field("kept_id", pa.string()), *MEMBER_SCHEMA, pa.field("kept", pa.bool_()), pa.field("reason", pa.string())])


def cluster_id(source: str, origin: str) -> str:
    """A component's name: a hash of its kept document's (source, origin), stable across reruns."""
    return xxhash.xxh64_hexdigest(f"{source}\0{origin}".encode("utf-8"))


def decide(members: pa.Table) -> pa.Table:
    """Members of whole components (any order) -> one row per member, kept first in each cluster, with
    `cluster`, `kept` and `reason` (null for the kept document and for reference documents).
    Components with no document of this run are left out: nothing of theirs can change."""
    if members.num_rows == 0:
        return DECIDED_SCHEMA.empty_table()
    t = members.sort_by([("root", "ascending"), *RANK])
    root = t["root"].to_numpy()
    starts = np.flatnonzero(np.concatenate([[True], root[1:] != root[:-1]]))
    sizes = np.diff(np.append(starts, len(root)))
    ours = ~t["reference"].to_numpy(zero_copy_only=False)
    has_ours = np.repeat(np.logical_or.reduceat(ours, starts), sizes)
    t, root, ours = t.filter(pa.array(has_ours)), root[has_ours], ours[has_ours]
    first = np.concatenate([[True], root[1:] != root[:-1]]) if len(root) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    lead = np.repeat(starts, np.diff(np.append(starts, len(root))))  # row of each member's kept document
    sources, origins, ids = t["source"].to_pylist(), t["origin"].to_pylist(), t["id"].to_pylist()
    hashes = t["exact_hash"].to_pylist()
    lead_list = lead.tolist()
    removed = (ours & ~first).tolist()
    reasons = [(REASON_EXACT if hashes[i] == hashes[k] else REASON_NEAR) if removed[i] else None for i, k in enumerate(lead_list)]
    out = t.append_column("cluster", pa.array([cluster_id(sources[k], origins[k]) for k in lead_list], pa.string()))
    out = out.append_column("kept_id", pa.array([ids[k] for k in lead_list], pa.string()))
    out = out.append_column("kept", pa.array(first)).append_column("reason", pa.array(reasons, pa.string()))
    return out.select(DECIDED_SCHEMA.names).cast(DECIDED_SCHEMA)


def null_quality(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Quality scores with NaN as null (ranked last)."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = arr.cast(pa.float64())
    return pc.if_else(pc.is_nan(arr), pa.scalar(None, pa.float64()), arr)

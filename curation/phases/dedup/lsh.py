"""LSH band keys, the partitioned shuffle through the run directory, and candidate edges per bucket.

Every document contributes one exact key (128 bits of its text hash) and, for near-dedup, one key per
LSH band (the band's `rows` signature values hashed to 64 bits). Keys carry the scope group (source,
language or nothing), so that only documents of one group can collide. Keys are routed to partition
`key % P`; the task of a partition sorts its keys and turns each bucket (equal keys) into edges, never
into all pairs of the bucket: exact buckets and unverified band buckets become a star around their
smallest node, verified band buckets link each member to the first earlier "representative" whose
estimated Jaccard similarity reaches the threshold (a member matching none becomes a representative,
up to MAX_REPRESENTATIVES), so a bucket of k documents costs at most k * MAX_REPRESENTATIVES checks.

A node is `part_index << 32 | row`: the document's row in its docs part at the time the dedup phase
planned (parts are only rewritten after every cluster has been decided).
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np
import pyarrow as pa
import xxhash

from curation.core.rundir import commit, tmp_path

MAX_REPRESENTATIVES = 16
# Verification rejects a candidate pair when a one-sided test at 95% says its similarity is below the
# threshold; a plain "estimate >= threshold" would also reject about half of the pairs right at it, and
# one pair in five at threshold + 0.03 with 128 permutations.
VERIFY_Z = 1.645
_PRIME = np.uint64(0x100000001B3)
_BAND_SALT = np.uint64(0x9E3779B97F4A7C15)


def fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def part_of(nodes: np.ndarray) -> np.ndarray:
    return (nodes >> np.uint64(32)).astype(np.int64)


def group_hashes(values: list[str | None]) -> np.ndarray:
    """uint64 per document: the hash of its scope group (source id, language, or "" for global)."""
    cache: dict[str | None, int] = {}
    out = np.empty(len(values), np.uint64)
    for i, v in enumerate(values):
        h = cache.get(v)
        if h is None:
            h = cache[v] = xxhash.xxh64_intdigest((v or "").encode("utf-8"))
        out[i] = h
    return out


def band_keys(signatures: np.ndarray, bands: int, rows: int, groups: np.ndarray) -> np.ndarray:
    """uint64[n, bands]: key of each band of each signature, salted with the band number and group."""
    n = signatures.shape[0]
    values = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    h = groups[:, None] ^ (np.arange(1, bands + 1, dtype=np.uint64) * _BAND_SALT)[None, :]
    for k in range(rows):
        h = (h ^ values[:, :, k]) * _PRIME
    return fmix64(h)


def exact_keys(exact_hashes: pa.Array, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two uint64 per document from its 16-byte text hash; the first is salted with the group."""
    raw = np.frombuffer(exact_hashes.buffers()[1], np.uint64)[2 * exact_hashes.offset : 2 * (exact_hashes.offset + len(exact_hashes))]
    pairs = raw.reshape(-1, 2)
    return fmix64(pairs[:, 0] ^ groups), pairs[:, 1].copy()


class Shuffle:
    """Records routed to partitions as Arrow IPC files: `<root>/<partition>/<writer>.arrow`.

    Each writer (a Ray task) writes at most one file per partition, atomically, under a name that only
    depends on the writer, so a retried task overwrites its own files with the same bytes.
    """

    def __init__(self, root: Path, partitions: int):
        self.root, self.partitions = Path(root), partitions

    def write(self, writer: str, table: pa.Table, partition: np.ndarray) -> None:
        order = np.argsort(partition, kind="stable")
        sorted_parts = partition[order]
        bounds = np.searchsorted(sorted_parts, np.arange(self.partitions + 1))
        table = table.take(pa.array(order))
        for q in range(self.partitions):
            lo, hi = int(bounds[q]), int(bounds[q + 1])
            if hi > lo:
                write_arrow(self.root / f"{q:05d}" / f"{writer}.arrow", table.slice(lo, hi - lo))

    def read(self, q: int, schema: pa.Schema) -> pa.Table:
        folder = self.root / f"{q:05d}"
        files = sorted(folder.glob("*.arrow")) if folder.exists() else []
        tables = [read_arrow(p) for p in files]
        return pa.concat_tables(tables).combine_chunks() if tables else schema.empty_table()


def write_arrow(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(path)
    with pa.OSFile(str(tmp), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)
    commit(tmp, path)


def read_arrow(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as f:
        return pa.ipc.open_file(f).read_all()


def _bucket_starts(keys: np.ndarray) -> np.ndarray:
    """Start index of each run of equal keys (keys sorted), plus len(keys) at the end."""
    if len(keys) == 0:
        return np.zeros(1, np.int64)
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return np.concatenate([[0], change, [len(keys)]]).astype(np.int64)


def star_edges(keys: list[np.ndarray], nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges (first node of the bucket, member) for every bucket of equal key tuples (unsorted input)."""
    order = np.lexsort((nodes, *reversed(keys)))
    nodes = nodes[order]
    same = np.ones(len(nodes), bool)
    same[0:1] = False
    for k in keys:
        ks = k[order]
        same[1:] &= ks[1:] == ks[:-1]
    starts = np.flatnonzero(~same)
    first = np.repeat(nodes[starts], np.diff(np.append(starts, len(nodes))))
    return first[same], nodes[same]


@numba.njit(cache=True, nogil=True)
def _verified_edges(starts, sketches, min_matches, max_reps, out_u, out_v, nodes):
    n_edges = 0
    reps = np.empty(max_reps, np.int64)
    num_perm = sketches.shape[1]
    for bkt in range(starts.shape[0] - 1):
        lo = starts[bkt]
        hi = starts[bkt + 1]
        if hi - lo < 2:
            continue
        n_reps = 1
        reps[0] = lo
        for i in range(lo + 1, hi):
            linked = False
            for r in range(n_reps):
                rep = reps[r]
                matches = 0
                for p in range(num_perm):
                    if sketches[rep, p] == sketches[i, p]:
                        matches += 1
                if matches >= min_matches:
                    out_u[n_edges] = nodes[rep]
                    out_v[n_edges] = nodes[i]
                    n_edges += 1
                    linked = True
                    break
            if not linked and n_reps < max_reps:
                reps[n_reps] = i
                n_reps += 1
    return n_edges


def min_sketch_matches(threshold: float, num_perm: int, z: float) -> int:
    """Equal sketch bytes below which a pair is rejected: its estimated Jaccard similarity is then more
    than z standard errors (of an estimate at the threshold) below the threshold."""
    lowest = max(0.0, threshold - z * np.sqrt(threshold * (1 - threshold) / num_perm))
    expected = lowest + (1 - lowest) / 256
    return int(np.ceil(expected * num_perm - 1e-9))


def verified_edges(keys: np.ndarray, nodes: np.ndarray, sketches: np.ndarray, threshold: float, z: float = VERIFY_Z) -> tuple[np.ndarray, np.ndarray]:
    """Edges of LSH buckets whose endpoints' 8-bit sketches do not put them significantly below the
    threshold (see min_sketch_matches)."""
    order = np.lexsort((nodes, keys))
    keys, nodes, sketches = keys[order], nodes[order], sketches[order]
    starts = _bucket_starts(keys)
    out_u = np.empty(len(nodes), np.uint64)
    out_v = np.empty(len(nodes), np.uint64)
    n = _verified_edges(starts, sketches, min_sketch_matches(threshold, sketches.shape[1], z), MAX_REPRESENTATIVES, out_u, out_v, nodes)
    return out_u[:n], out_v[:n]


def unique_edges(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct undirected edges (smaller node first), self-loops removed."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    lo, hi = lo[keep], hi[keep]
    order = np.lexsort((hi, lo))
    lo, hi = lo[order], hi[order]
    if len(lo) == 0:
        return lo, hi
    distinct = np.ones(len(lo), bool)
    distinct[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return lo[distinct], hi[distinct]

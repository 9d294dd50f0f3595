"""Merge of the `shards` phase: sorted runs of one (language, source, split) -> its final shards.

The group's documents in shuffle-key order are its runs merged by key. That order is walked in key
buckets (equal slices of the 64-bit key space, about `bucket_tokens` tokens each): a bucket's documents
are a contiguous slice of every run, found by binary search on the run's keys, so a bucket is read with
one contiguous read per run and ordered with one small sort. For a group over the token cap, a planning
task walks the keys and lengths only and cuts the order into shards of at most `max_tokens_per_shard`
tokens (greedy); a writing task per shard walks its buckets again and copies the tokens, never
re-tokenizing. The order is a pure function of the keys (ties broken by run, then position), so the
shards do not depend on how many workers made the runs, nor on how the documents were cut into files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from curation.core.errors import UserError
from curation.formats.indexed import IndexedReader, IndexedWriter
from curation.phases.shards.tokenize import ragged_take


@dataclass(frozen=True)
class Run:
    prefix: str
    documents: int
    tokens: int


class _OpenRun:
    def __init__(self, run: Run):
        self.reader = IndexedReader(run.prefix)
        path = f"{run.prefix}.keys"
        self.keys = np.memmap(path, dtype="<u8", mode="r") if Path(path).stat().st_size else np.zeros(0, np.uint64)
        if len(self.keys) != len(self.reader) or len(self.reader) != run.documents:
            raise UserError(f"{run.prefix}: damaged intermediate run ({len(self.keys)} keys, {len(self.reader)} documents, {run.documents} expected); rerun with --force")


@dataclass(frozen=True)
class Group:
    """One (language, source, split) and its runs, in a fixed order (by documents file, then run number)."""

    language: str
    source: str
    split: str
    runs: tuple[Run, ...]
    bucket_tokens: int = 16 * 1024 * 1024  # tokens per key bucket: bounds the memory of planning and writing

    @property
    def key(self) -> str:
        return f"{self.language}/{self.source}/{self.split}"

    def describe(self) -> str:
        return f"{self.source} {self.language} {self.split}: {len(self.runs)} runs"

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.runs)

    @property
    def documents(self) -> int:
        return sum(r.documents for r in self.runs)

    @property
    def buckets(self) -> int:
        return max(1, -(-self.tokens // self.bucket_tokens))


class _Walker:
    """The group's documents in shuffle order, one key bucket at a time."""

    CHUNK = 256  # buckets whose run slices are found with one vectorized search per run

    def __init__(self, group: Group):
        self.group = group
        self.n = group.buckets
        self._chunk: tuple[int, np.ndarray] | None = None  # (first bucket, run x edge positions)

    @cached_property
    def runs(self) -> list[_OpenRun]:
        return [_OpenRun(r) for r in self.group.runs]

    def _edge(self, e: int) -> int:
        return (e * 2**64) // self.n  # e == n is 2**64: past every key

    def _spans(self, b: int) -> list[tuple[int, int]]:
        if self._chunk is None or not (self._chunk[0] <= b < self._chunk[0] + self.CHUNK):
            first = b
            edges = [self._edge(e) for e in range(first, min(first + self.CHUNK, self.n) + 1)]
            inner = np.array([min(e, 2**64 - 1) for e in edges], dtype=np.uint64)
            pos = np.empty((len(self.runs), len(edges)), np.int64)
            for i, run in enumerate(self.runs):
                pos[i] = np.searchsorted(run.keys, inner, side="left")
                if edges[-1] == 2**64:
                    pos[i, -1] = len(run.keys)
            self._chunk = (first, pos)
        first, pos = self._chunk
        return [(int(lo), int(hi)) for lo, hi in zip(pos[:, b - first], pos[:, b - first + 1])]

    def order(self, b: int) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray, np.ndarray]:
        """Bucket b: per run its slice [lo, hi); then, in merged order, run index, position, length."""
        spans = self._spans(b)
        keys, run_ids, pos, lens = [], [], [], []
        for i, (lo, hi) in enumerate(spans):
            if hi > lo:
                run = self.runs[i]
                keys.append(np.asarray(run.keys[lo:hi]))
                run_ids.append(np.full(hi - lo, i, np.int64))
                pos.append(np.arange(lo, hi, dtype=np.int64))
                lens.append(np.asarray(run.reader.lengths[lo:hi], dtype=np.int64))
        if not keys:
            empty = np.zeros(0, np.int64)
            return spans, empty, empty, empty
        k, r, p, ln = (np.concatenate(x) for x in (keys, run_ids, pos, lens))
        o = np.lexsort((p, r, k))
        return spans, r[o], p[o], ln[o]


def plan_group(group: Group, ctx: Any = None) -> dict[str, Any]:
    """Task: shard boundaries (ordinals in shuffle order) for a token cap, and each bucket's first ordinal."""
    cap = int(ctx.config.max_tokens_per_shard)
    walker = _Walker(group)
    bounds = [0]
    bucket_starts = []
    ordinal = filled = 0
    for b in range(walker.n):
        bucket_starts.append(ordinal)
        _, _, _, lens = walker.order(b)
        cs = np.cumsum(lens)
        i = 0
        while i < len(lens):
            done = int(cs[i - 1]) if i else 0
            room = cap - filled  # negative after a document longer than the cap
            j = int(np.searchsorted(cs, done + room, side="right")) if room > 0 else i  # documents i..j-1 fit
            if j <= i:
                if filled:
                    bounds.append(ordinal + i)
                    filled = 0
                    continue
                j = i + 1  # longer than the cap on its own: a shard of its own
            filled += int(cs[j - 1]) - done
            i = j
        ordinal += len(lens)
    bounds.append(ordinal)
    return {"records": ordinal, "bounds": bounds, "bucket_starts": bucket_starts + [ordinal]}


@dataclass(frozen=True)
class ShardJob:
    """One final shard: documents [start, end) of its group's shuffle order."""

    group: Group
    index: int
    parts: int
    start: int
    end: int
    bucket_starts: tuple[int, ...] | None  # first ordinal of every bucket; None: the shard is the whole group
    prefix: str  # final path prefix (without .bin/.idx)
    name: str  # the prefix relative to shards/: "<language>/<source>[-<k>]_<split>_text_document"

    @property
    def key(self) -> str:
        return self.name

    def describe(self) -> str:
        return f"shard {self.name}"


def write_shard(job: ShardJob, ctx: Any) -> dict[str, Any]:
    """Task: copy the shard's documents, in shuffle order, from the runs into `PREFIX.bin/.idx`."""
    walker = _Walker(job.group)
    writer = IndexedWriter(job.prefix, np.dtype(ctx.dtype))
    starts = job.bucket_starts
    try:
        for b in range(walker.n):
            if starts is not None and (starts[b + 1] <= job.start or starts[b] >= job.end):
                continue
            spans, run_ids, pos, lens = walker.order(b)
            if starts is not None:
                first, last = max(job.start - starts[b], 0), min(job.end, starts[b + 1]) - starts[b]
                run_ids, pos, lens = run_ids[first:last], pos[first:last], lens[first:last]
            if len(lens) == 0:
                continue
            # One contiguous read per run, then a gather into shuffle order.
            blocks, base = [], {}
            offset = 0
            for i in np.unique(run_ids):
                lo, hi = spans[i]
                reader = walker.runs[i].reader
                t0 = int(reader.pointers[lo]) // reader.dtype.itemsize
                t1 = t0 + int(reader.lengths[lo:hi].sum(dtype=np.int64))
                blocks.append(np.asarray(reader.tokens[t0:t1]))
                base[int(i)] = (offset, t0, reader)
                offset += t1 - t0
            block = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
            doc_starts = np.empty(len(pos), np.int64)
            for i, (off, t0, reader) in base.items():
                sel = run_ids == i
                doc_starts[sel] = off + reader.pointers[pos[sel]] // reader.dtype.itemsize - t0
            in_order = len(block) == int(lens.sum()) and np.array_equal(doc_starts, np.cumsum(lens) - lens)
            writer.add_documents(block if in_order else ragged_take(block, doc_starts, lens), lens)
        info = writer.finalize()
    except BaseException:
        writer.abort()
        raise
    g = job.group
    return {
        "records": info.documents,
        "name": job.name,  # the shard's path prefix, relative to shards/
        "language": g.language,
        "source": g.source,
        "split": g.split,
        "part": job.index,
        "parts": job.parts,
        "documents": info.documents,
        "tokens": info.tokens,
        "dtype": info.dtype,
        "bin_sha256": info.bin_sha256,
        "idx_sha256": info.idx_sha256,
        "bin_bytes": info.bin_bytes,
        "idx_bytes": info.idx_bytes,
    }


def shard_jobs(group: Group, plan: dict[str, Any] | None, shards_dir: Path) -> list[ShardJob]:
    """The shards of a group: one per planned part, or the whole group when it needed no plan."""
    bounds = plan["bounds"] if plan else [0, group.documents]
    starts = tuple(plan["bucket_starts"]) if plan else None
    parts = len(bounds) - 1
    jobs = []
    for k in range(parts):
        stem = f"{group.source}-{k}" if parts > 1 else group.source
        name = f"{group.language}/{stem}_{group.split}_text_document"
        jobs.append(ShardJob(group, k, parts, bounds[k], bounds[k + 1], starts, str(shards_dir / name), name))
    return jobs

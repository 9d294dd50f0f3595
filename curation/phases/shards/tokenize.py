"""Tokenization task of the `shards` phase: one documents file -> sorted runs of tokens.

Every document is encoded with SentencePiece, `</s>` appended, and sent to its (language, split) group:
valid / test / train by a hash of its id. Its position in the final shuffled shard is that hash mixed with
the seed, the "shuffle key". The task buffers up to `run_tokens` tokens, then writes each group's
documents sorted by shuffle key as a run: a Megatron .bin/.idx pair plus the keys (`.keys`, uint64).
Sorted runs let the merge take any key range of a group with one contiguous read per run, so shards are
assembled without re-tokenizing and without holding a group in memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.core.rundir import commit, tmp_path
from curation.phases.shards.config import ShardsConfig
from curation.formats.indexed import IndexedWriter
from curation.phases.tokenizer.documents import DocsFile, id_hashes, languages, mix64, unit_interval
from curation.core.schema import SPLITS

SPLIT_SALT = b"heldout-split\x00"
_GATHER_TOKENS = 1 << 22  # bounds the index arrays of a vectorized gather


@dataclass(frozen=True)
class TokenizeContext:
    model_path: str
    model_sha256: str
    eod: int
    dtype: str
    seed: int
    config: ShardsConfig
    workdir: str


_PROCESSORS: dict[str, Any] = {}


def processor(model_path: str, sha256: str):
    """One SentencePiece processor per worker process and model."""
    if sha256 not in _PROCESSORS:
        import sentencepiece as spm

        _PROCESSORS[sha256] = spm.SentencePieceProcessor(model_file=model_path)
    return _PROCESSORS[sha256]


def ragged_take(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenate flat[starts[i] : starts[i] + lengths[i]] for every i, vectorized in bounded chunks."""
    total = int(lengths.sum())
    out = np.empty(total, dtype=flat.dtype)
    if total == 0:
        return out
    ends_out = np.cumsum(lengths)
    first = 0
    while first < len(lengths):
        # Documents [first, last) fill at most _GATHER_TOKENS tokens (at least one document).
        base = ends_out[first - 1] if first else 0
        last = max(first + 1, int(np.searchsorted(ends_out, base + _GATHER_TOKENS, side="right")))
        lens = lengths[first:last]
        n = int(lens.sum())
        idx = np.repeat(starts[first:last] - (ends_out[first:last] - lens - base), lens) + np.arange(n)
        out[base : base + n] = flat[idx]
        first = last
    return out


def encode_batch(sp, texts: list[str], eod: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Tokens of every text with `eod` appended, back to back, and their lengths (EOD included)."""
    pieces = sp.encode(texts, out_type="numpy", num_threads=1)
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)) + 1
    flat = np.empty(int(lengths.sum()), dtype=dtype)
    ends = np.cumsum(lengths)
    body = np.ones(len(flat), dtype=bool)
    body[ends - 1] = False
    if len(pieces):
        flat[body] = np.concatenate(pieces)
    flat[ends - 1] = eod
    return flat, lengths


class _RunBuffer:
    """Documents of one task, per (language, split), until written as sorted runs."""

    def __init__(self, ctx: TokenizeContext, item: DocsFile):
        self.ctx, self.item = ctx, item
        self.groups: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = defaultdict(list)
        self.tokens = 0
        self.runs: list[dict[str, Any]] = []
        self._seq: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, group: tuple[str, str], keys: np.ndarray, lengths: np.ndarray, flat: np.ndarray) -> None:
        self.groups[group].append((keys, lengths, flat))
        self.tokens += len(flat)
        if self.tokens >= self.ctx.config.run_tokens:
            self.flush()

    def flush(self) -> None:
        for (lang, split), chunks in sorted(self.groups.items()):
            keys = np.concatenate([c[0] for c in chunks])
            lengths = np.concatenate([c[1] for c in chunks])
            flat = np.concatenate([c[2] for c in chunks])
            order = np.argsort(keys, kind="stable")
            starts = np.cumsum(lengths) - lengths
            sorted_tokens = ragged_take(flat, starts[order], lengths[order])
            n = self._seq[(lang, split)]
            self._seq[(lang, split)] += 1
            prefix = Path(self.ctx.workdir) / "runs" / self.item.source / self.item.slug / f"{lang}.{split}.{n:04d}"
            # Runs are intermediate and many: no fsync (a process kill loses nothing written; the merge
            # checks every run's sizes, so one damaged by a machine crash is reported, not merged).
            writer = IndexedWriter(prefix, np.dtype(self.ctx.dtype), durable=False)
            writer.add_documents(sorted_tokens, lengths[order])
            info = writer.finalize()
            keys_path = Path(f"{prefix}.keys")
            tmp = tmp_path(keys_path)
            tmp.write_bytes(keys[order].astype("<u8").tobytes())
            commit(tmp, keys_path)
            self.runs.append({"source": self.item.source, "language": lang, "split": split, "prefix": str(prefix), "documents": info.documents, "tokens": info.tokens})
        self.groups.clear()
        self.tokens = 0


def tokenize_docs_file(item: DocsFile, ctx: TokenizeContext) -> dict[str, Any]:
    """The task: encode one documents file into sorted runs. Returns the runs and per-group counts."""
    sp = processor(ctx.model_path, ctx.model_sha256)
    cfg = ctx.config
    dtype = np.dtype(ctx.dtype)
    buffer = _RunBuffer(ctx, item)
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))  # lang -> split -> docs, tokens, bytes
    records = 0
    seed_mix = mix64(np.uint64(ctx.seed & 0xFFFFFFFFFFFFFFFF))
    for batch in pq.ParquetFile(item.path).iter_batches(batch_size=cfg.batch_docs, columns=["id", "text", "language"]):
        records += batch.num_rows
        text_col = batch.column("text")
        flat, lengths = encode_batch(sp, text_col.to_pylist(), ctx.eod, dtype)
        nbytes = pc.binary_length(text_col).to_numpy(zero_copy_only=False)
        # One hash of the id: unseeded, it decides the split (the same held-out documents whatever the
        # seed); mixed with the seed, it is the shuffle key.
        h = id_hashes(batch.column("id").to_pylist(), SPLIT_SALT, 0)
        u = unit_interval(h)
        keys = mix64(h ^ seed_mix)
        split = np.where(u < cfg.valid_fraction, 1, np.where(u < cfg.valid_fraction + cfg.test_fraction, 2, 0))
        langs = languages(batch.column("language").to_pylist())
        lang_names = sorted(set(langs))
        lang_idx = np.fromiter((lang_names.index(x) for x in langs), dtype=np.int64, count=len(langs)) if len(lang_names) > 1 else np.zeros(len(langs), np.int64)
        group = lang_idx * 3 + split
        starts = np.cumsum(lengths) - lengths
        for g in np.unique(group):
            sel = np.flatnonzero(group == g)
            lang, split_name = lang_names[int(g) // 3], SPLITS[int(g) % 3]
            part = flat if len(sel) == len(lengths) else ragged_take(flat, starts[sel], lengths[sel])
            buffer.add((lang, split_name), keys[sel], lengths[sel], part)
            c = counts[lang][split_name]
            c[0] += len(sel)
            c[1] += int(lengths[sel].sum())
            c[2] += int(nbytes[sel].sum())
    buffer.flush()
    return {
        "records": records,
        "runs": buffer.runs,
        "counts": {lang: {s: dict(zip(("documents", "tokens", "bytes"), v)) for s, v in sorted(splits.items())} for lang, splits in sorted(counts.items())},
    }

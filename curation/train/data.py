"""Training samples from a Megatron blend, with megatron-core's semantics (megatron-format.md 3).

Per shard (`GPTDataset`): the number of samples the blend will draw fixes the number of epochs E (the
smallest with E x tokens >= samples x S + 1); the document ids are tiled E times and shuffled with
`numpy.random.RandomState(seed)` (the last epoch shuffled on its own when less than 80% of it is used);
the shuffled documents are read back to back and cut into samples of S + 1 tokens that overlap by one
(the label of the last position); the samples are shuffled with the same RandomState.
Across shards (`BlendedDataset`): sample t comes from the shard that lags its quota most,
argmax_i(w_i * max(t, 1) - count_i), ties to the lowest index. With the same weights, sizes and seed the
sample order is megatron-core's, sample for sample (tests/test_train.py checks it against 0.16.1).

Nothing reads a shard whole: the .bin/.idx stay memory-mapped (curation.formats.indexed.IndexedReader)
and a sample is located by a binary search over the cumulative document lengths, which stands in for
Megatron's sample index (the same start positions, j x S, without materialising them). The blend is
generated as a stream whose whole state is (samples drawn, count per shard): that pair is what a
checkpoint stores to resume on the same sample.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from curation.core.errors import UserError
from curation.core.schema import SPLITS
from curation.formats.indexed import IndexedReader

FINAL_EPOCH_THRESHOLD = 0.80  # GPTDataset: a last epoch used below this fraction is shuffled separately


# --- blend files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlendItem:
    weight: float  # normalized within the split
    prefix: str  # path without .bin/.idx
    language: str  # parent folder of the prefix: shards/<lang>/<source>..._text_document


def _pairs(value, where: str) -> list[tuple[float, str]]:
    """Megatron accepts a list or a whitespace-separated string: `w p w p ...`, or a single prefix."""
    items = value.split() if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise UserError(f"{where}: expected a non-empty list [weight, prefix, weight, prefix, ...]")
    if len(items) == 1 and isinstance(items[0], str):
        return [(1.0, items[0])]
    if len(items) % 2:
        raise UserError(f"{where}: {len(items)} items, expected weight/prefix pairs")
    out = []
    for i in range(0, len(items), 2):
        w, p = items[i], items[i + 1]
        try:
            weight = float(w)
        except (TypeError, ValueError):
            raise UserError(f"{where}[{i}]: weight {w!r} is not a number (unweighted blends are not supported)") from None
        if not math.isfinite(weight) or weight <= 0:
            raise UserError(f"{where}[{i}]: weight {w!r} must be > 0 (Megatron's BlendedDataset asserts it)")
        if not isinstance(p, str) or not p:
            raise UserError(f"{where}[{i + 1}]: {p!r} is not a dataset prefix")
        out.append((weight, p))
    return out


def read_blend(path: str | Path, data_root: str | Path | None = None) -> dict[str, list[BlendItem]]:
    """A `--per-split-data-args-path` JSON: {"train": [w, prefix, ...], "valid": [...], "test": [...]}.

    Relative prefixes resolve against `data_root` (else the working directory, as Megatron does).
    Weights are normalized per split (Megatron's `normalize`: w / sum(w))."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such blend file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: not a JSON blend file ({e})") from None
    if not isinstance(data, dict) or "train" not in data:
        raise UserError(f"{path}: expected a JSON object with 'train', 'valid' and 'test' (Megatron --per-split-data-args-path)")
    root = Path(data_root) if data_root is not None else None
    out: dict[str, list[BlendItem]] = {}
    for split in SPLITS:
        if data.get(split) in (None, [], ""):  # no such split (Megatron itself wants all three keys)
            out[split] = []
            continue
        pairs = _pairs(data[split], f"{path}: '{split}'")
        total = float(np.sum(np.array([w for w, _ in pairs], dtype=np.float64)))
        items = []
        for w, p in pairs:
            prefix = Path(p)
            if not prefix.is_absolute():
                prefix = (root / prefix) if root is not None else prefix.absolute()
                if not Path(f"{prefix}.idx").exists() and root is None:
                    raise UserError(f"{path}: '{split}' prefix {p} is relative and {prefix}.idx does not exist: pass --data-root")
            items.append(BlendItem(weight=w / total, prefix=str(prefix), language=prefix.parent.name))
        out[split] = items
    return out


# --- one shard: Megatron's GPTDataset ---------------------------------------------------------------


def epochs_for(tokens_per_epoch: int, num_samples: int, seq_length: int) -> int:
    """GPTDataset._get_num_epochs: the smallest E with E * tokens >= num_samples * S + 1."""
    if tokens_per_epoch <= 0:
        raise ValueError("a shard with no tokens cannot give samples")
    needed = num_samples * seq_length + 1
    return max(1, -(-needed // tokens_per_epoch))


def _document_index(documents: int, epochs: int, rng: np.random.RandomState, separate_final_epoch: bool) -> np.ndarray:
    """gpt_dataset._build_document_index: document ids tiled `epochs` times, shuffled in place."""
    if not separate_final_epoch or epochs == 1:
        index = np.tile(np.arange(documents, dtype=np.int32), epochs)
        rng.shuffle(index)
        return index
    first = _document_index(documents, epochs - 1, rng, False)
    last = _document_index(documents, 1, rng, False)
    return np.concatenate((first, last))


def _shuffle_index(num_samples: int, total: int, rng: np.random.RandomState) -> np.ndarray:
    """gpt_dataset._build_shuffle_index: [0, num_samples) shuffled, then [num_samples, total) on its own."""
    dtype = np.uint32 if total < np.iinfo(np.uint32).max - 1 else np.int64
    first = np.arange(num_samples, dtype=dtype)
    rng.shuffle(first)
    if num_samples == total:
        return first
    last = np.arange(num_samples, total, dtype=dtype)
    rng.shuffle(last)
    return np.concatenate((first, last))


class ShardSamples:
    """Packed samples of S + 1 tokens from one shard, built for `num_samples` draws (GPTDataset)."""

    def __init__(self, prefix: str | Path, num_samples: int, seq_length: int, seed: int):
        self.prefix = str(prefix)
        reader = IndexedReader(prefix)
        self.seq_length = seq_length
        # Plain ndarray views of the memory maps, not copies (np.memmap slicing is several times slower).
        self.tokens = np.asarray(reader.tokens)
        self.pointers = np.asarray(reader.pointers)  # bytes
        self.lengths = lengths = np.asarray(reader.lengths)
        self.itemsize = reader.dtype.itemsize
        tokens = int(lengths.sum(dtype=np.int64))
        if tokens < 2:
            raise UserError(f"{prefix}.idx: {tokens} tokens, too few to cut a sample from")
        self.epochs = epochs_for(tokens, num_samples, seq_length)
        separate = False  # the last epoch shuffled on its own (kept on the object for tests and logs)
        if self.epochs > 1:
            sans_final = ((self.epochs - 1) * tokens - 1) // seq_length
            per_epoch = (tokens - 1) // seq_length
            separate = (num_samples - sans_final) < int(FINAL_EPOCH_THRESHOLD * per_epoch)
        self.separate_final_epoch = separate
        rng = np.random.RandomState(seed)
        self.document_index = _document_index(len(lengths), self.epochs, rng, separate)
        # Token position where each entry of the document index starts, as if read back to back.
        self.starts = np.zeros(len(self.document_index) + 1, dtype=np.int64)
        np.cumsum(lengths[self.document_index], dtype=np.int64, out=self.starts[1:])
        total = (self.epochs * tokens - 1) // seq_length  # train drops the last partial sample
        shuffle_first = ((self.epochs - 1) * tokens - 1) // seq_length if separate else total
        self.shuffle_index = _shuffle_index(shuffle_first, total, rng)

    def __len__(self) -> int:
        return len(self.shuffle_index)

    def __getitem__(self, k: int) -> np.ndarray:
        """Sample k: tokens [j * S, j * S + S + 1) of the shuffled document stream, j = shuffle[k]."""
        begin = int(self.shuffle_index[k]) * self.seq_length
        end = begin + self.seq_length + 1
        first = int(np.searchsorted(self.starts, begin, side="right")) - 1
        last = int(np.searchsorted(self.starts, end - 1, side="right")) - 1
        parts = []
        for d in range(first, last + 1):
            doc = self.document_index[d]
            lo = max(begin - int(self.starts[d]), 0)
            hi = min(end - int(self.starts[d]), int(self.lengths[doc]))
            offset = int(self.pointers[doc]) // self.itemsize
            parts.append(self.tokens[offset + lo : offset + hi])  # only the slice is read, however long the document
        return np.concatenate(parts).astype(np.int64)


# --- across shards: Megatron's BlendedDataset -------------------------------------------------------


@njit(cache=True)
def _greedy(weights, counts, start, out_dataset, out_sample):  # pragma: no cover (compiled)
    # helpers.cpp build_blending_indices, from sample `start` on, updating `counts` in place.
    for j in range(out_dataset.shape[0]):
        t = max(float(start + j), 1.0)
        best = 0
        best_error = weights[0] * t - float(counts[0])
        for k in range(1, weights.shape[0]):
            error = weights[k] * t - float(counts[k])
            if error > best_error:
                best_error = error
                best = k
        out_dataset[j] = best
        out_sample[j] = counts[best]
        counts[best] += 1


class GreedyBlend:
    """The blend's dataset order as a resumable stream: state = (samples drawn, count per dataset)."""

    def __init__(self, weights: list[float]):
        w = np.asarray(weights, dtype=np.float64)
        self.weights = w / np.sum(w)
        self.counts = np.zeros(len(w), dtype=np.int64)
        self.drawn = 0

    def take(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        dataset = np.empty(n, dtype=np.int64)
        sample = np.empty(n, dtype=np.int64)
        _greedy(self.weights, self.counts, self.drawn, dataset, sample)
        self.drawn += n
        return dataset, sample

    def state_dict(self) -> dict:
        return {"drawn": self.drawn, "counts": self.counts.tolist()}

    def load_state_dict(self, state: dict) -> None:
        counts = np.asarray(state["counts"], dtype=np.int64)
        if counts.shape != self.counts.shape or int(counts.sum()) != int(state["drawn"]):
            raise ValueError("blend state does not match this blend")
        self.counts = counts
        self.drawn = int(state["drawn"])


def samples_per_dataset(weights: list[float], size: int, surplus: float) -> list[int]:
    """_get_size_per_split_per_dataset: ceil(ceil(size * w) * (1 + surplus)) samples built per dataset."""
    return [int(math.ceil(math.ceil(size * w) * (1 + surplus))) for w in weights]


class BlendedSamples:
    """Samples of a weighted blend of shards, in Megatron's order, drawn in batches."""

    def __init__(self, items: list[BlendItem], size: int, seq_length: int, seed: int, surplus: float = 0.005):
        if not items:
            raise ValueError("an empty blend")
        weights = [it.weight for it in items]
        self.items = items
        self.size = size
        self.datasets = [ShardSamples(it.prefix, n, seq_length, seed) for it, n in zip(items, samples_per_dataset(weights, size, surplus))]
        self.blend = GreedyBlend(weights)

    def restart(self) -> None:
        """Back to the blend's first sample."""
        self.blend = GreedyBlend([it.weight for it in self.items])

    def next(self, n: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The next n samples of the blend, or only those at positions `rows` of them (a process's share
        of a global batch: the blend advances by n either way, so its state stays global): tokens
        (len, S + 1) and the blend index of the shard each came from."""
        dataset, sample = self.blend.take(n)
        if rows is not None:
            dataset, sample = dataset[rows], sample[rows]
        out = []
        for d, s in zip(dataset.tolist(), sample.tolist()):
            shard = self.datasets[d]
            if s >= len(shard):
                raise UserError(f"{shard.prefix}: sample {s} requested of {len(shard)}; raise data.mid_level_dataset_surplus")
            out.append(shard[s])
        return np.stack(out), dataset

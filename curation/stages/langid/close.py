"""Small discriminators for groups of close languages (gl/pt/es/ca/eu; no/nn/da): multinomial naive
Bayes over hashed character n-grams (1-5), scored in NumPy for a whole batch of lines at once.

Why: lid.176 reads Galician as Spanish or Portuguese, short Basque lines as anything, and Norwegian
Nynorsk as Bokmål. A classifier that only has to tell the members of one group apart, trained on real text
of exactly those languages (Debian's gettext catalogues, packages disjoint from the evaluation set's:
tools/langid_close_models.py), separates them far better, and hashing n-grams of the whole batch in
NumPy costs a few microseconds per line (CLD3, asked per line, cost most of the stage's time).

A model file (.npz) holds `labels` (the group; the Iberian model also has "other": lines of other
languages, so that it can say whether a line is in the group at all), `weights` (buckets x labels, int8: each bucket's
per-label log-probability minus its mean over the labels, quantized with `scale`), `orders` (n-gram
lengths), `bits` (log2 of the number of buckets), and a held-out slice (`heldout_text`,
`heldout_label`: catalogues not used for training) that the tests score.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from curation.core.errors import UserError

_PRIME = np.uint32(0x01000193)  # FNV's 32-bit prime: spreads code points over the hash's bits
_MIX = np.uint32(0x9E3779B1)  # Fibonacci hashing: the top bits of h * _MIX pick the bucket
BUNDLED = {"ibero": "langid_close_ibero.npz", "nordic": "langid_close_nordic.npz"}


def bundled_close_path(name: str) -> Path:
    return Path(str(resources.files("curation") / "data" / BUNDLED[name]))


def ngram_buckets(texts: list[str], orders: tuple[int, ...], bits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per n in `orders`: (bucket, text index) of every character n-gram of every text (lower-cased, one
    space added at each end so that word starts and ends count), in text order."""
    joined = "\x00".join(f" {t.lower()} " for t in texts)
    cp = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
    sep = cp == 0
    owner = np.cumsum(sep)  # text index of each position (a separator counts for the next text)
    seps = np.concatenate([[0], owner])  # separators before each position
    shift = np.uint32(32 - bits)
    out = []
    h = np.zeros(len(cp), np.uint32)
    with np.errstate(over="ignore"):  # the hash wraps modulo 2**32 by design
        for n in range(1, max(orders) + 1):
            m = len(cp) - n + 1
            if m <= 0:
                break
            h = h[:m] * _PRIME + cp[n - 1:n - 1 + m]  # the n-gram at each position, from the (n-1)-gram
            if n in orders:
                ok = seps[n:n + m] == seps[:m]  # no separator inside the window
                out.append((((h[ok] + np.uint32(n)) * _MIX) >> shift, owner[:m][ok]))
    return out


@dataclass
class CloseModel:
    """One group's discriminator. `log_probs(texts)`: (texts, labels) log-posteriors with equal priors."""

    labels: list[str]
    weights: np.ndarray  # (2**bits, labels) int8: one bucket's weights are adjacent, one memory read
    scale: float  # weights * scale: log-likelihood ratios
    orders: tuple[int, ...]
    bits: int
    path: str = ""

    @classmethod
    def load(cls, path: str | Path) -> "CloseModel":
        path = Path(path)
        try:
            with np.load(path) as z:
                return cls([str(x) for x in z["labels"]], np.ascontiguousarray(z["weights"], np.int8), float(z["scale"]),
                           tuple(int(x) for x in z["orders"]), int(z["bits"]), str(path))
        except (OSError, KeyError, ValueError) as e:
            raise UserError(f"{path}: not a close-language model (stages.langid.close_models): {e}") from None

    def scores(self, texts: list[str]) -> np.ndarray:
        """Summed log-likelihood ratios (texts, labels): the naive Bayes scores before normalisation."""
        out = np.zeros((len(texts), len(self.labels)), np.float32)
        if not texts:
            return out
        total = np.zeros((len(texts), len(self.labels)), np.int32)
        docs = np.arange(len(texts))
        for b, d in ngram_buckets(texts, self.orders, self.bits):
            if not len(b):
                continue
            # n-grams come in text order: each text's are one run, summed by reduceat (exact, in int32); a
            # text without any n-gram of this length gets reduceat's stray row, masked out
            starts = np.searchsorted(d, docs)
            ends = np.append(starts[1:], len(b))
            sums = np.add.reduceat(self.weights[b], np.minimum(starts, len(b) - 1), axis=0, dtype=np.int32)
            sums[ends == starts] = 0
            total += sums
        out = total.astype(np.float32)
        out *= np.float32(self.scale)
        return out

    def log_probs(self, texts: list[str]) -> np.ndarray:
        return log_softmax(self.scores(texts))


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Rows of scores as log-probabilities, finite even where one label wins by hundreds of nats."""
    s = scores - scores.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


_LOADED: dict[str, CloseModel] = {}


def load_close(name_or_path: str) -> CloseModel:
    """A bundled model by name (`ibero`, `nordic`) or a model file, loaded once per process."""
    path = str(bundled_close_path(name_or_path)) if name_or_path in BUNDLED else name_or_path
    if not Path(path).is_file():
        raise UserError(f"{path}: close-language model not found (stages.langid.close_models)")
    if path not in _LOADED:
        _LOADED[path] = CloseModel.load(path)
    return _LOADED[path]

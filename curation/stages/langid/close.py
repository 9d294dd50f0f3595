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

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from curation.core.errors import UserError

_PRIME = np.uint32(0x01000193)  # FNV's 32-bit prime: spreads code points over the hash's bits
_MIX = np.uint32(0x9E3779B1)  # Fibonacci hashing: the top bits of h * _MIX pick the bucket
BUNDLED = {"ibero": "langid_close_ibero.npz", "nordic": "langid_close_nordic.npz"}


def bundled_close_path(name: str) -> Path:
    return Path(str(resources.files("curation") / "data" / BUNDLED[name]))


def ngram_buckets(texts: list[str], orders: tuple[int, ...], bits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per n in `orders`: the bucket of every character n-gram of every text (lower-cased, one space added
    at each end so that word starts and ends count), in text order, and where each text's n-grams start
    (texts + 1 offsets: text i's are bucket[offsets[i]:offsets[i + 1]])."""
    padded = [f" {t.lower()} " for t in texts]
    lengths = np.fromiter(map(len, padded), np.int64, len(padded))
    cp = np.frombuffer("\x00".join(padded).encode("utf-32-le"), np.uint32)
    is_sep = np.zeros(len(cp), bool)  # where the joins are (a NUL inside a text is just a character)
    is_sep[np.cumsum(lengths + 1)[:-1] - 1] = True
    shift = np.uint32(32 - bits)
    out = []
    h = np.zeros(len(cp), np.uint32)
    crosses = np.zeros(len(cp), bool)  # whether the n-gram at each position has a join inside
    with np.errstate(over="ignore"):  # the hash wraps modulo 2**32 by design
        for n in range(1, max(orders) + 1):
            m = len(cp) - n + 1
            if m <= 0:
                break
            # the n-gram at each position from the (n-1)-gram there, in place
            h, crosses = h[:m], crosses[:m]
            np.multiply(h, _PRIME, out=h)
            np.add(h, cp[n - 1:n - 1 + m], out=h)
            np.logical_or(crosses, is_sep[n - 1:n - 1 + m], out=crosses)
            if n in orders:
                bucket = h[~crosses]
                bucket += np.uint32(n)
                bucket *= _MIX
                bucket >>= shift
                out.append((bucket, np.concatenate([[0], np.cumsum(np.maximum(lengths - n + 1, 0))])))
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
    _dense: np.ndarray | None = field(default=None, repr=False, compare=False)  # weights as float32, on first use

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
        n = len(texts)
        total = np.zeros((n, len(self.labels)), np.float32)
        if not texts:
            return total
        if self._dense is None:  # float32 holds every sum of int8 weights over a line exactly (< 2**24)
            self._dense = self.weights.astype(np.float32)
        # every order's n-grams as one sparse (orders x texts, buckets) count matrix: one product sums each
        # text's bucket weights per order in C, without gathering a row per n-gram first
        parts = ngram_buckets(texts, self.orders, self.bits)
        if not parts:  # texts shorter than every order
            return total
        buckets = np.concatenate([b for b, _ in parts])
        starts = np.cumsum([0] + [len(b) for b, _ in parts[:-1]])
        indptr = np.concatenate([[0]] + [offsets[1:] + s for (_, offsets), s in zip(parts, starts)])
        counts = sp.csr_matrix((np.ones(len(buckets), np.float32), buckets, indptr), shape=(len(parts) * n, len(self._dense)))
        total = (counts @ self._dense).reshape(len(parts), n, -1).sum(axis=0)
        total *= np.float32(self.scale)
        return total

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

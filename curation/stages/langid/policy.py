"""From label scores to a decision: close calls between related languages, the dominant-language ratio.

Pure functions of NumPy arrays, so they are tested on scores written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CloseCalls:
    """How a near-tie between related languages is settled.

    Two labels are a close call when they belong to one related group and the runner-up's probability is
    within `margin` of the best one's. Among the labels in a close call, those the source declares win;
    then the earliest in `priorities`; then the most probable.
    """

    labels: list[str]
    related: list[list[str]]
    priorities: list[str]
    margin: float

    def __post_init__(self) -> None:
        n = len(self.labels)
        index = {lab: i for i, lab in enumerate(self.labels)}
        rel = np.eye(n, dtype=bool)
        for group in self.related:
            ids = [index[g] for g in group if g in index]
            for a in ids:
                for b in ids:
                    rel[a, b] = True
        object.__setattr__(self, "related_matrix", rel)
        rank = np.full(n, len(self.priorities), np.int64)
        for r, lab in enumerate(self.priorities):
            if lab in index:
                rank[index[lab]] = min(rank[index[lab]], r)
        object.__setattr__(self, "rank", rank)

    def resolve(self, probs: np.ndarray, declared: np.ndarray) -> int:
        """The chosen label index for one probability row; `declared` marks the source's languages."""
        top = int(probs.argmax())
        near = self.related_matrix[top] & (probs >= probs[top] - self.margin)
        if near.sum() <= 1:
            return top
        if (near & declared).any():
            near = near & declared
        cands = np.flatnonzero(near)
        # earliest priority first, then the most probable, then the lowest index (deterministic)
        order = sorted(cands, key=lambda i: (self.rank[i], -probs[i], i))
        return int(order[0])

    def resolve_rows(self, probs: np.ndarray, declared: np.ndarray) -> np.ndarray:
        return np.fromiter((self.resolve(row, declared) for row in probs), np.int64, len(probs))

    def in_language(self, seg_probs: np.ndarray, lang: np.ndarray) -> np.ndarray:
        """Per segment: is it in the language `lang[i]` (a label index per segment)? Yes when that label is
        the segment's best, or a related label within the margin of the best (a close call)."""
        rows = np.arange(len(seg_probs))
        top = seg_probs.argmax(axis=1)
        p_lang = seg_probs[rows, lang]
        p_top = seg_probs[rows, top]
        return (top == lang) | (self.related_matrix[top, lang] & (p_lang >= p_top - self.margin))


def dominant_ratio(seg_doc: np.ndarray, seg_chars: np.ndarray, seg_in_language: np.ndarray, n_docs: int) -> np.ndarray:
    """Per document, the fraction of its segments' characters that are in its language (CATalog's rule
    keeps a document when at least half of its characters are in the target language). A document
    without segments gets 1.0."""
    total = np.bincount(seg_doc, weights=seg_chars, minlength=n_docs)
    inside = np.bincount(seg_doc, weights=seg_chars * seg_in_language, minlength=n_docs)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total > 0, inside / np.maximum(total, 1), 1.0)
    return ratio

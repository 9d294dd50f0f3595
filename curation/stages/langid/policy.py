"""From label scores to a decision: close calls between related languages, the document's language as the
one holding most of its characters, and that language's share.

Pure functions of NumPy arrays, so they are tested on scores written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CloseCalls:
    """How a near-tie between related languages is settled.

    Two labels are a close call when they belong to one related group and the runner-up's probability is
    within `margin` of the best one's, or, when the best label is one the source does not declare, a
    related label the source declares is within `declared_margin` (the source's declared languages as a
    prior: a Galician source's line that fastText puts in Spanish at 0.6 and Galician at 0.3 is Galician).
    Among the labels in a close call, those the source declares win; then the earliest in `priorities`;
    then the most probable.
    """

    labels: list[str]
    related: list[list[str]]
    priorities: list[str]
    margin: float
    declared_margin: float = 0.0

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
        object.__setattr__(self, "has_related", rel.sum(axis=1) > 1)
        object.__setattr__(self, "related_columns", np.flatnonzero(rel.sum(axis=0) > 1))
        rank = np.full(n, len(self.priorities), np.int64)
        for r, lab in enumerate(self.priorities):
            if lab in index:
                rank[index[lab]] = min(rank[index[lab]], r)
        object.__setattr__(self, "rank", rank)

    def resolve(self, probs: np.ndarray, declared: np.ndarray) -> int:
        """The chosen label index for one probability row; `declared` marks the source's languages."""
        top = int(probs.argmax())
        margin = self.margin if declared[top] else max(self.margin, self.declared_margin)
        near = self.related_matrix[top] & (probs >= probs[top] - self.margin)
        near |= self.related_matrix[top] & declared & (probs >= probs[top] - margin)
        if near.sum() <= 1:
            return top
        if (near & declared).any():
            near = near & declared
        cands = np.flatnonzero(near)
        # earliest priority first, then the most probable, then the lowest index (deterministic)
        order = sorted(cands, key=lambda i: (self.rank[i], -probs[i], i))
        return int(order[0])

    def resolve_rows(self, probs: np.ndarray, declared: np.ndarray) -> np.ndarray:
        """`resolve` for every row; only rows with a close call go through the per-row rule. A row whose best
        label has no related label is its best label (nothing else is near it), so only the other rows are
        looked at, and only in the columns of related labels."""
        top = probs.argmax(axis=1)
        out = top.astype(np.int64)
        if not len(probs):
            return out
        rows = np.flatnonzero(self.has_related[top])
        if not len(rows):
            return out
        cols = self.related_columns
        top_r = top[rows]
        sub = probs[np.ix_(rows, cols)]
        p_top = probs[rows, top_r]
        wide = np.where(declared[top_r], self.margin, max(self.margin, self.declared_margin))
        rel = self.related_matrix[np.ix_(top_r, cols)]
        near = rel & (sub >= (p_top - self.margin)[:, None])
        near |= rel & declared[cols] & (sub >= (p_top - wide)[:, None])
        for r in rows[near.sum(axis=1) > 1]:
            out[r] = self.resolve(probs[r], declared)
        return out


def softmax_rows(scores: np.ndarray) -> np.ndarray:
    """Rows of log-scores (one model's, or a sum of several models') as probabilities."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def character_vote(seg_doc: np.ndarray, seg_chars: np.ndarray, seg_label: np.ndarray, n_docs: int,
                   n_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CURATE/CATalog's rule: a document's language is the label holding the most characters of its
    segments, and its share of the characters is the document's ratio. Returns (label per document,
    share per document, whether the document has any segment). A tie goes to the lowest label index
    (deterministic). A document without segments gets label 0, share 1.0 and has=False: the caller
    labels it another way."""
    votes = np.zeros((n_docs, n_labels))
    np.add.at(votes, (seg_doc, seg_label), seg_chars)
    total = votes.sum(axis=1)
    label = votes.argmax(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, votes[np.arange(n_docs), label] / np.maximum(total, 1), 1.0)
    return label, share, total > 0

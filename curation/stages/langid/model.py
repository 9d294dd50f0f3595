"""A fastText language-ID model, loaded once per worker, predicting document and line labels in one pass.

fastText's supervised prediction is `output(mean of the input rows of every token's word and character
n-gram ids, plus one end-of-line row)`. Those rows depend only on the token, so each distinct token's
row sum and row count are computed once (by fastText itself) and cached; a line's hidden vector is then
a sum of cached vectors, and the document's hidden vector is the sum of its lines' (less the extra
end-of-line rows). One pass over the tokens gives the document label, exactly as fastText would give it
for the whole document on one line (what datatrove's LanguageFilter asks for), and every line's label
for the dominant-language ratio. The output layer (hierarchical softmax for lid.176, softmax or
one-vs-all for models such as GlotLID / OpenLID) runs in NumPy over the batch.

Models this path cannot reproduce exactly (word n-grams > 1, or a quantized output matrix) fall back
to fastText's own `predict` per document and per line: same results, slower.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import chain, compress
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from curation.core.errors import UserError
from curation.stages.langid.labels import normalize_label
from curation.stages.langid.tokens import LINE_MARK, SplitOnDemand, marked_lines, segments

# fastText's hierarchical-softmax and softmax score a label with log(p + 1e-5) ("std_log").
_LOG_EPS = 1e-5


def bundled_model_path() -> Path:
    return Path(str(resources.files("curation") / "data" / "lid.176.ftz"))


@dataclass
class BatchPrediction:
    """Log-probabilities per label for each document and each non-empty line of a batch."""

    labels: list[str]  # normalized label per model output index
    doc_logp: np.ndarray  # (documents, labels), float64
    line_doc: np.ndarray  # (lines,) index of the line's document
    line_chars: np.ndarray  # (lines,) characters of the line (stripped)
    line_logp: np.ndarray  # (lines, labels), float32
    line_tokens: Sequence[list[str]]  # (lines,) the line's tokens, as fastText splits them
    # (lines,) a line of the batch with the same text as this one (itself where none), or None: a line's
    # scores depend only on its text, so what is computed per line is computed once per distinct line
    line_same: np.ndarray | None = None


class _TokenRows:
    """token -> (sum of its input rows, number of rows), computed by fastText on first sight and cached.

    Bounded: past `capacity` distinct tokens the cache starts over (values do not depend on the cache's
    history, so results stay identical whatever was seen before)."""

    def __init__(self, ft, capacity: int):
        self.ft, self.capacity = ft, capacity
        self.dim = ft.get_dimension()
        eos = ft.get_word_id("</s>")
        self.eos = ft.get_input_vector(eos).astype(np.float64) if eos >= 0 else np.zeros(self.dim)
        self._reset()

    def _reset(self) -> None:
        self.index: dict[str, int] = {LINE_MARK: 0}  # row 0: the line mark, no rows (zero vector, count 0)
        self.vectors = np.zeros((4096, self.dim), np.float64)
        self.counts = np.zeros(4096, np.int64)

    def _add(self, tokens: set[str]) -> None:
        if len(self.index) + len(tokens) > self.capacity:
            self._reset()
        n = len(self.index)
        need = n + len(tokens)
        if need > len(self.counts):
            size = max(need, 2 * len(self.counts))
            self.vectors = np.resize(self.vectors, (size, self.dim))
            self.counts = np.resize(self.counts, size)
        for i, tok in enumerate(sorted(tokens), start=n):
            count = len(self.ft.get_subwords(tok)[1])
            self.counts[i] = count
            # get_word_vector is the mean of the same rows fastText adds for this token in predict.
            self.vectors[i] = self.ft.get_word_vector(tok).astype(np.float64) * count if count else 0.0
            self.index[tok] = i

    def lookup(self, tokens: list[str]) -> np.ndarray:
        n = len(tokens)
        if n < 2:  # itemgetter of one key returns the value, not a tuple
            return np.array([self.lookup(tokens * 2)[0]] if n else [], np.int64)
        try:  # a worker's next batch mostly repeats known tokens: look them up first, add on a miss
            return np.fromiter(operator.itemgetter(*tokens)(self.index), np.int64, n)
        except KeyError:
            pass
        missing = {t for t in tokens if t not in self.index}
        self._add(missing)
        missing = {t for t in tokens if t not in self.index}  # after a reset
        if missing:
            self._add(missing)
        return np.fromiter(operator.itemgetter(*tokens)(self.index), np.int64, n)


class LanguageModel:
    """One fastText model. `predict(texts)` returns document and line log-probabilities for a batch."""

    def __init__(self, path: str | Path, cache_tokens: int = 500_000):
        path = Path(path)
        if not path.is_file():
            raise UserError(f"{path}: language-ID model file not found (stages.langid.model)")
        from fasttext.FastText import _FastText  # what fasttext.load_model returns, minus its stderr notice

        try:
            self.ft = _FastText(model_path=str(path))
        except ValueError as e:
            raise UserError(f"{path}: not a fastText model ({e})") from None
        self.path = str(path)
        raw_labels, counts = self.ft.get_labels(include_freq=True)
        self.raw_labels = list(raw_labels)
        self.labels = [normalize_label(x) for x in self.raw_labels]
        self.label_index = {lab: i for i, lab in enumerate(self.labels)}
        args = self.ft.f.getArgs()
        self.loss = str(args.loss).rsplit(".", 1)[-1]
        self._output = self._output_matrix(path, args)
        self.fast = self._output is not None and args.wordNgrams <= 1 and self.loss in ("hs", "softmax", "ova")
        if self.fast:
            self.rows = _TokenRows(self.ft, cache_tokens)
            self.eos = self.rows.eos
            if self.loss == "hs":
                self._build_tree(np.asarray(counts, np.int64))

    # --- model internals ------------------------------------------------------------------------------

    def _output_matrix(self, path: Path, args) -> np.ndarray | None:
        if not self.ft.is_quantized():
            return np.asarray(self.ft.get_output_matrix(), np.float64)
        if args.qout:
            return None
        # A quantized model keeps a dense output matrix at the end of the file (int64 rows, int64 cols,
        # float32 data); fastText's Python API refuses to return it for quantized models.
        rows, dim = len(self.raw_labels), self.ft.get_dimension()
        size = rows * dim * 4
        with open(path, "rb") as f:
            f.seek(-(size + 16), 2)
            m, n = struct.unpack("<qq", f.read(16))
            data = f.read(size)
        if (m, n) != (rows, dim):
            return None
        return np.frombuffer(data, "<f4").reshape(m, n).astype(np.float64)

    def _build_tree(self, counts: np.ndarray) -> None:
        """fastText's Huffman tree over the labels (HierarchicalSoftmaxLoss::buildTree), as two 0/1
        matrices: which internal nodes a leaf's path goes right (sigmoid) or left (1 - sigmoid) through."""
        osz = len(counts)
        n = 2 * osz - 1
        count = np.full(n, 1e15)
        count[:osz] = counts
        parent = np.full(n, -1)
        right_child = np.zeros(n, bool)
        leaf, node = osz - 1, osz
        for i in range(osz, n):
            pick = []
            for _ in range(2):
                if leaf >= 0 and count[leaf] < count[node]:
                    pick.append(leaf)
                    leaf -= 1
                else:
                    pick.append(node)
                    node += 1
            count[i] = count[pick[0]] + count[pick[1]]
            parent[pick[0]] = parent[pick[1]] = i
            right_child[pick[1]] = True
        right = np.zeros((osz - 1, osz), np.float64)
        left = np.zeros((osz - 1, osz), np.float64)
        for lf in range(osz):
            c = lf
            while parent[c] != -1:
                (right if right_child[c] else left)[parent[c] - osz, lf] = 1.0
                c = parent[c]
        self._hs = (self._output[: osz - 1], right, left)

    def _logp(self, hidden: np.ndarray) -> np.ndarray:
        """Label scores as fastText ranks them (log(p + 1e-5)), one row per hidden vector, computed in the
        hidden vectors' precision (float64 for documents, whose labels must match fastText's; float32 for
        lines, where speed matters more)."""
        dt = hidden.dtype
        eps = dt.type(_LOG_EPS)
        if self.loss == "hs":
            wo, right, left = self._hs
            f = hidden @ wo.T.astype(dt)  # in place from here on: these arrays are large for line batches
            np.negative(f, out=f)
            with np.errstate(over="ignore"):  # exp overflow -> inf -> sigmoid 0, as intended
                np.exp(f, out=f)
            f += 1
            np.reciprocal(f, out=f)  # sigmoid: probability of the right child at every internal node
            out = np.log(f + eps) @ right.astype(dt)
            np.subtract(1 + eps, f, out=f)
            np.log(f, out=f)
            out += f @ left.astype(dt)
            return out
        z = hidden @ self._output.T.astype(dt)
        if self.loss == "ova":
            return np.log(1.0 / (1.0 + np.exp(-z)) + eps)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.log(e / e.sum(axis=1, keepdims=True) + eps)

    # --- prediction -----------------------------------------------------------------------------------

    def predict(self, texts: list[str], unit: str = "line") -> BatchPrediction:
        """Scores of every document, and of every segment of it: each non-empty line (`unit="line"`) or
        each block of lines between empty lines (`unit="paragraph"`)."""
        return self._predict_fast(texts, unit) if self.fast else self._predict_reference(texts, unit)

    def _predict_fast(self, texts: list[str], unit: str) -> BatchPrediction:
        marked = marked_lines(texts) if unit == "line" else None
        dim = self.rows.dim
        if marked is None:
            line_tokens, line_doc, line_chars = segments(texts, unit)
            ids = self.rows.lookup(list(chain.from_iterable(line_tokens)))
            lens = np.fromiter(map(len, line_tokens), np.int64, len(line_tokens))
            line_sum, line_cnt = self._token_sums(ids, lens)
            same = None
        else:  # the usual case: one split and one lookup pass over the batch's distinct lines, marks included
            stream, lines, per_doc, line_distinct, exact = marked
            ids = self.rows.lookup(stream)
            is_mark = ids == 0
            distinct_lens = np.diff(np.concatenate([[-1], np.flatnonzero(is_mark), [len(ids)]])) - 1
            # each distinct line's sum once, then every line's (a line's sum depends only on its tokens)
            distinct_sum, distinct_cnt = self._token_sums(ids[~is_mark], distinct_lens)
            all_lens = distinct_lens[line_distinct]
            nonempty = all_lens > 0
            kept_distinct = line_distinct[nonempty]
            line_sum, line_cnt = distinct_sum[kept_distinct], distinct_cnt[kept_distinct]
            line_doc = np.repeat(np.arange(len(texts), dtype=np.int64), per_doc)[nonempty]
            kept = list(compress(lines, nonempty))
            line_chars = np.fromiter(map(len, map(str.strip, kept)), np.int64, len(kept))
            exact_lines = None if exact is None else np.repeat(np.asarray(exact, bool), per_doc)[nonempty]
            line_tokens = SplitOnDemand(kept, exact_lines)
            # web pages repeat lines (menus, footers) within a batch: each line's last occurrence stands for it
            last = np.empty(len(distinct_lens), np.int64)
            last[kept_distinct] = np.arange(len(kept_distinct))
            same = last[kept_distinct]
        n_docs, n_lines = len(texts), len(line_sum)
        line_doc_arr = np.asarray(line_doc, np.int64)
        # Each line read on its own ends with one end-of-line token; the whole document has just one.
        doc_sum = np.zeros((n_docs, dim))
        doc_cnt = np.zeros(n_docs, np.int64)
        if n_lines:  # lines come grouped by document, in order
            has, first = np.unique(line_doc_arr, return_index=True)
            doc_sum[has] = np.add.reduceat(line_sum, first, axis=0)
            doc_cnt[has] = np.add.reduceat(line_cnt, first)
        doc_hidden = (doc_sum + self.eos) / (doc_cnt + 1)[:, None]
        line_hidden = (line_sum + self.eos) / (line_cnt + 1)[:, None]
        return BatchPrediction(
            labels=self.labels,
            doc_logp=self._logp(doc_hidden),
            line_doc=line_doc_arr,
            line_chars=np.asarray(line_chars, np.int64),
            line_logp=_per_distinct(self._logp, line_hidden.astype(np.float32), same),
            line_tokens=line_tokens,
            line_same=same,
        )

    def _token_sums(self, ids: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each line's sum of its tokens' cached rows, and of their row counts (`lens`: tokens per line, in
        order; a line may have none): a sparse (lines x cached tokens) product, summed in C in token order
        (the same additions, in the same order, as a reduceat over the gathered rows) without gathering a
        row per token first."""
        indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        tokens = sp.csr_matrix((np.ones(len(ids)), ids, indptr), shape=(len(lens), len(self.rows.vectors)))
        line_sum = tokens @ self.rows.vectors if len(lens) else np.zeros((0, self.rows.dim))
        counts = np.concatenate([[0], np.cumsum(self.rows.counts[ids])])
        return line_sum, counts[indptr[1:]] - counts[indptr[:-1]]

    def _predict_reference(self, texts: list[str], unit: str) -> BatchPrediction:
        """fastText's own predict, all labels, per document and per line (the slow, general path)."""
        n = len(self.labels)
        index = {lab: i for i, lab in enumerate(self.raw_labels)}

        def scores(lines: list[str]) -> np.ndarray:
            out = np.full((len(lines), n), np.log(_LOG_EPS))
            if lines:
                labs, probs = self.ft.predict(lines, k=-1, threshold=0.0)
                for row, (ls, ps) in enumerate(zip(labs, probs)):
                    for lab, p in zip(ls, ps):
                        out[row, index[lab]] = np.log(max(float(p), _LOG_EPS))
            return out

        doc_logp = scores([t.replace("\n", " ") for t in texts])
        seg_tokens, seg_doc, seg_chars = segments(texts, unit)
        return BatchPrediction(self.labels, doc_logp, np.asarray(seg_doc, np.int64), np.asarray(seg_chars, np.int64),
                               scores([" ".join(t) for t in seg_tokens]).astype(np.float32), seg_tokens)


def _per_distinct(f, rows: np.ndarray, same: np.ndarray | None) -> np.ndarray:
    """f(rows), computed once for each group of rows that `same` says are equal (see BatchPrediction)."""
    if same is None:
        return f(rows)
    distinct = np.flatnonzero(same == np.arange(len(same)))
    if len(distinct) == len(same):
        return f(rows)
    where = np.empty(len(same), np.int64)
    where[distinct] = np.arange(len(distinct))
    return f(rows[distinct])[where[same]]


_MODELS: dict[str, LanguageModel] = {}


def load_model(path: str | Path | None = None) -> LanguageModel:
    """The model at `path` (default: the bundled lid.176.ftz), loaded once per process."""
    key = str(Path(path).resolve()) if path else str(bundled_model_path())
    if key not in _MODELS:
        _MODELS[key] = LanguageModel(key)
    return _MODELS[key]

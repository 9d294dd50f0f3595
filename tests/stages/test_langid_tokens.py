"""Batch tokenisation (curation/stages/langid/tokens.py) and the shortcuts it allows: one split and one
lookup pass per batch, each distinct line scored once, only the head of a long line split for the close
models. Each must give exactly what the line-by-line path gives."""

from __future__ import annotations

from itertools import chain

import numpy as np
import pytest

from curation.evals.sets.langid import build
from curation.stages.langid import _scores_per_distinct
from curation.stages.langid.close import load_close
from curation.stages.langid.model import load_model
from curation.stages.langid.tokens import LINE_MARK, SplitOnDemand, marked_lines, needs_exact_split, segment_texts, split_lines

# what fastText splits differently from str.split (NBSP, NUL, __label__ tokens), and empty texts
ODD = ["Kaixo\u00a0zer moduz?\tGaur eguraldi ona dago.", "__label__en hola amigo", "a\x00b c", "", "\n\n", "  x  "]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    docs = [d.text for d in build("test")][:200]  # real translated text (curation/evals/sets/langid.py)
    return docs[:100] + ODD + docs[100:] + docs[:40]  # documents seen twice: their lines repeat in the batch


def test_marked_stream_holds_fasttext_tokens_of_each_distinct_line(texts: list[str]) -> None:
    for batch in (texts, texts[:100], texts[100:100 + len(ODD)], ODD[:2] + ODD[3:] + ODD[:1], ["", ""]):
        stream, lines, per_doc, line_distinct, exact = marked_lines(batch)
        assert lines == list(chain.from_iterable(t.split("\n") for t in batch))
        assert per_doc == [len(t.split("\n")) for t in batch]
        per_line = list(chain.from_iterable(split_lines(t) for t in batch))  # each line split as its text is
        first = {}
        for line, tokens in zip(lines, per_line):
            first.setdefault(line, tokens)
        assert len(first) < len(lines) or batch is texts[100:100 + len(ODD)]  # the batches repeat lines
        assert stream == list(chain.from_iterable(toks + [LINE_MARK] for toks in first.values()))[:-1]
        distinct = list(first)
        assert [distinct[i] for i in line_distinct] == lines
        assert all(per_line[i] == first[line] for i, line in enumerate(lines))  # a line's tokens do not depend on its text
        assert exact == (None if not any(map(needs_exact_split, batch)) else list(map(needs_exact_split, batch)))
    assert marked_lines([]) is None and marked_lines(["a" + LINE_MARK]) is None


def test_batch_prediction_equals_the_line_by_line_path(texts: list[str]) -> None:
    model = load_model()
    fast = model.predict(texts)
    slow = model.predict(texts + ["x" + LINE_MARK])  # the mark sends the batch down the line-by-line path
    n = len(fast.line_doc)
    assert slow.line_same is None and len(set(fast.line_same.tolist())) < n  # repeated lines: scored once
    assert np.array_equal(fast.doc_logp.argmax(axis=1), slow.doc_logp[:-1].argmax(axis=1))
    assert np.allclose(fast.doc_logp, slow.doc_logp[:-1], rtol=0, atol=1e-12)
    assert np.array_equal(fast.line_logp, slow.line_logp[:n])
    assert np.array_equal(fast.line_doc, slow.line_doc[:n]) and np.array_equal(fast.line_chars, slow.line_chars[:n])
    assert [fast.line_tokens[i] for i in range(n)] == [slow.line_tokens[i] for i in range(n)]
    for i in range(n):  # lines said to be the same are the same
        assert fast.line_tokens[i] == fast.line_tokens[int(fast.line_same[i])]


def test_segment_texts_splits_only_the_head_it_needs(texts: list[str]) -> None:
    lines = [line for t in texts for line in t.split("\n") if line.split()]
    lines += ["palabra " * 300, " " * 1000 + "tarde", "x" * 1000, "ab\u00a0cd " * 100]
    exact = np.array([needs_exact_split(line) for line in lines])
    seq = SplitOnDemand(lines, exact)
    for limit in (1, 20, 200):
        assert segment_texts(seq, range(len(lines)), limit) == [" ".join(seq[i])[:limit] for i in range(len(lines))]
    assert seq[len(lines) - 1][:2] == ["ab\u00a0cd", "ab\u00a0cd"]  # NBSP: not a fastText separator


def test_close_scores_per_distinct_line_equal_per_line(texts: list[str]) -> None:
    pred = load_model().predict(texts)
    disc = load_close("ibero")
    rows = np.arange(len(pred.line_doc))[::2]
    want = disc.scores(segment_texts(pred.line_tokens, rows, 200))
    assert np.array_equal(_scores_per_distinct(disc, pred.line_tokens, rows, 200, pred.line_same), want)

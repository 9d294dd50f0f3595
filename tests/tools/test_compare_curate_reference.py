"""tools/compare_curate_reference.py, the tool behind the CURATE comparison with BSC's scorer: its statistics
(ranks, Spearman's rho, split differences) and its per-language table, with a reference made from our own
scores and then changed one document at a time. (Running BSC's code needs its checkout and interpreter:
the tool's docstring says how; not in the suite.)"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import load_tool
from scipy.stats import spearmanr

tool = load_tool("compare_curate_reference")

LICENCES = Path("/usr/share/common-licenses")


def test_ranks_average_ties_and_spearman_agrees_with_scipy() -> None:
    assert tool.ranks(np.array([3.0, 1.0, 2.0, 2.0])).tolist() == [4.0, 1.0, 2.5, 2.5]
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.random(50)
        b = a + rng.normal(0, 0.3, 50)
        b[:5] = b[5]  # ties
        assert tool.spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    # last-bit noise does not break ties, and a constant pair is a perfect agreement
    assert tool.spearman(np.array([0.5, 0.5, 0.7]), np.array([0.5, 0.5 + 1e-15, 0.7])) == pytest.approx(1.0)
    assert tool.spearman(np.array([0.2, 0.2]), np.array([0.9, 0.9])) == 1.0
    assert math.isnan(tool.spearman(np.array([0.2]), np.array([0.3])))


def test_first_split_difference_names_the_first_sentence_that_differs() -> None:
    ours = [["A first sentence.", "A second one."], ["Another paragraph."]]
    assert tool.first_split_difference(ours, [list(p) for p in ours]) is None
    ref = [["A first sentence.", "A second one."], ["Another", "paragraph."]]
    assert tool.first_split_difference(ours, ref) == {"sentence": 2, "ours": (1, "Another paragraph."), "reference": (1, "Another")}
    # the same sentences in other paragraphs differ too
    assert tool.first_split_difference(ours, [["A first sentence."], ["A second one.", "Another paragraph."]])["sentence"] == 1
    assert tool.first_split_difference(ours, ours[:1]) == {"sentence": 2, "ours_sentences": 3, "reference_sentences": 2}


def _rows() -> list[dict]:
    if not LICENCES.is_dir():
        pytest.skip("no /usr/share/common-licenses")
    rows = []
    for path in sorted(LICENCES.iterdir())[:8]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for k, para in enumerate(p for p in text.split("\n\n") if len(p) > 200):
            rows.append({"id": f"{path.name}:{k}", "text": para, "language": "en" if k % 2 else "xx"})
            if k >= 6:
                break
    assert len(rows) > 20
    return rows


def _total(lines: list[str]) -> dict[str, float]:
    names = ["docs", "ref_keep", "our_keep", "agree", "rho", "mean_d", "max_d", "underflow", "split", "factor_d"]
    (total,) = [line for line in lines if line.startswith("total")]
    return dict(zip(names, map(float, total.split()[1:])))


def test_table_against_a_reference_equal_to_ours_and_one_changed_document_at_a_time() -> None:
    rows = _rows()
    scorer = tool.CurateScorer(tool.CurateConfig(preset="bsc"))
    ours = scorer.score_batch([r["text"] for r in rows], [r["language"] for r in rows])
    ref = {r["id"]: {"score": o.score, "factors": dict(o.factors), "underflow": False, "paragraphs": tool.our_paragraphs(r["text"])}
           for r, o in zip(rows, ours)}
    lines = tool.table(rows, ours, ref, 0.8)
    assert lines[0].split()[:2] == ["lang", "docs"] and {line.split()[0] for line in lines[1:]} == {"en", "xx", "total"}
    same = _total(lines)
    assert same["docs"] == len(rows) and same["agree"] == 100.0 and same["rho"] == 1.0
    assert same["max_d"] == 0.0 and same["split"] == 0 and same["underflow"] == 0 and same["factor_d"] == 0.0

    # one document across the threshold: agreement drops by one document's share
    flip = len(rows) // 2
    ref[rows[flip]["id"]]["score"] = 0.0 if ours[flip].score >= 0.8 else 1.0
    changed = _total(tool.table(rows, ours, ref, 0.8))
    assert changed["agree"] == pytest.approx(100.0 * (len(rows) - 1) / len(rows), abs=0.01)
    assert changed["max_d"] > 0

    # an underflowing reference document is counted apart and left out of the agreement
    ref[rows[flip]["id"]]["underflow"] = True
    apart = _total(tool.table(rows, ours, ref, 0.8))
    assert apart["docs"] == len(rows) - 1 and apart["underflow"] == 1 and apart["agree"] == 100.0

    # a different split is counted
    other = rows[(flip + 1) % len(rows)]["id"]
    ref[other]["paragraphs"] = ref[other]["paragraphs"][:-1] + [["a different last paragraph."]]
    assert _total(tool.table(rows, ours, ref, 0.8))["split"] == 1

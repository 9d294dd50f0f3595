"""The language-ID evaluation set (real translated text from Debian packages) and `curate eval langid`."""

from __future__ import annotations

import json

import numpy as np
from rich.console import Console

from curation.config.manifest import Source, TARGET_LANGUAGES
from curation.evals.sets.langid import CLOSE_GROUPS, LANGUAGES, MIN_SINGLE, build, build_close, load_units
from curation.stages.langid import Langid, LangidConfig


def test_eval_set_is_deterministic_with_true_shares() -> None:
    docs = build("test")
    assert docs == build("test")
    assert len(docs) == 300 * len(LANGUAGES) and len({d.text for d in docs}) == len(docs)
    for d in docs:
        chars: dict[str, int] = {}
        for lang, n in d.parts:
            chars[lang] = chars.get(lang, 0) + n
        # the truth is recomputed from the document's own lines
        assert sum(len(line.strip()) for line in d.text.split("\n") if line.strip()) == sum(chars.values())
        assert d.language == max(chars, key=lambda k: chars[k]) and d.share == round(chars[d.language] / sum(chars.values()), 6)
        assert d.share >= 0.55 and len(d.text) >= MIN_SINGLE
    kinds = {d.kind for d in docs}
    assert {"single", "page", "ui", "mixed_en", "mixed_related", "mixed_other"} <= kinds
    assert any(d.language == "en" and any(lang != "en" for lang, _ in d.parts) for d in docs)  # localised, English body


def test_tuning_and_held_out_splits_share_no_source() -> None:
    units = load_units()
    for kind in ("help", "ui"):
        for lang, items in units[kind].items():
            tune = {src.rsplit(":", 1)[0] for src, split, _ in items if split == "tune"}
            test = {src.rsplit(":", 1)[0] for src, split, _ in items if split == "test"}
            assert not tune & test, (kind, lang)
    tune_text = {d.text for d in build("tune")}
    assert not tune_text & {d.text for d in build("test")}


def test_close_group_documents() -> None:
    docs = build_close("test", per_language=20)
    assert sorted({d.language for d in docs}) == sorted(lang for group in CLOSE_GROUPS for lang in group)
    assert all(d.share == 1.0 for d in docs)


def _table(texts: list[str]):
    import pyarrow as pa

    n = len(texts)
    return pa.table({"id": [str(i) for i in range(n)], "text": texts, "language": pa.nulls(n, pa.string()),
                     "language_score": pa.nulls(n, pa.float64())})


def test_short_localised_lines_do_not_outvote_a_long_body() -> None:
    """The issue's cases, on real lines: a few short UI strings of one language above a long paragraph of
    another are labelled with the paragraph's language, with its share of the characters."""
    units = load_units()
    short_es = [t for _, _, texts in units["ui"]["es"] for t in texts if 8 <= len(t) <= 20][:3]
    short_ca = [t for _, _, texts in units["ui"]["ca"] for t in texts if 8 <= len(t) <= 20][:3]
    long_en = next(t for _, _, page in units["help"]["en"] for t in page if len(t) > 200)
    long_es = next(t for _, _, page in units["help"]["es"] for t in page if len(t) > 200)
    texts = ["\n".join(short_es + [long_en]), "\n".join(short_ca + [long_es]), "\n".join([long_es] + short_ca[:1])]
    src = Source(id="s", name="s", languages=TARGET_LANGUAGES, domain="web", licence="x", format="jsonl", location="-")
    out = Langid(LangidConfig()).process(_table(texts), src)
    assert out.table["language"].to_pylist() == ["en", "es", "es"]
    ratio = out.table["language_ratio"].to_pylist()
    assert abs(ratio[0] - len(long_en) / sum(map(len, short_es + [long_en]))) < 0.01


def test_eval_langid_reports_accuracy_confusions_and_ratio_error() -> None:
    from curation.evals.langid import run

    result = run(Console(file=open("/dev/null", "w")))
    json.dumps(result)
    stage = result["modes"]["stage (fastText + close-language models, line vote)"]
    former = result["modes"]["fastText alone, document argmax (former rule)"]
    assert set(stage["per_language"]) == set(LANGUAGES)
    # held-out measurements at the time of writing: 0.98 (stage) vs 0.94 (former rule); floors below them
    assert stage["accuracy"] >= 0.975 > former["accuracy"]
    assert stage["per_language"]["gl"]["recall"] > former["per_language"]["gl"]["recall"]
    # the close-language models: held-out Galician recall 0.977 and Nynorsk 0.86 when they were added (0.937
    # and 0.247 with fastText + CLD3 before); floors below them
    assert stage["per_language"]["gl"]["recall"] >= 0.95 and stage["close_groups"]["per_language"]["nn"]["recall"] >= 0.8
    assert stage["per_language"]["pt"]["precision"] >= 0.97 and stage["per_language"]["es"]["precision"] >= 0.97
    assert stage["ratio_error_mean"] < 0.06
    assert all(len(v) == 2 for v in stage["pairs"].values())
    assert np.isfinite(result["gl_recall_declared_gl_en"])

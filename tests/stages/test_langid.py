"""Language identification: the one-pass predictor against fastText itself, the policy (close calls,
targets, declared languages, ratio), the stage, and the evaluation set."""

from __future__ import annotations


import numpy as np
import pyarrow as pa
import pytest

from curation.core.errors import UserError
from curation.stages.langid.labels import normalize_label
from curation.stages.langid.model import LanguageModel, bundled_model_path, load_model
from curation.stages.langid.policy import CloseCalls, character_vote, softmax_rows
from curation.stages.langid.second import FLOOR, load_second
from curation.config.manifest import Source
from curation.stages.langid import Langid, LangidConfig

TEXTS = [
    "El ayuntamiento ha aprobado el presupuesto para el año que viene.",
    "The committee will publish its report next week.\nIt is expected to be long.",
    "Bon dia a tothom.\n\nAvui farà sol a tot el país i les temperatures pujaran.",
    "Kaixo\u00a0zer moduz?\tGaur eguraldi ona dago.",  # NBSP (not a fastText separator) and a tab
    "__label__en hola amigo, ¿qué tal?",  # fastText reads __label__ tokens as labels and skips them
    "",
    "   \n\n  ",
    "Привет, как дела? Сегодня хорошая погода.",
]


@pytest.fixture(scope="module")
def model() -> LanguageModel:
    return load_model()


def _source(languages: list[str], sid: str = "src") -> Source:
    return Source(id=sid, name=sid, languages=languages, domain="web", licence="x", format="jsonl", location="-")


def test_one_pass_prediction_equals_fasttext(model: LanguageModel) -> None:
    assert model.fast
    pred = model.predict(TEXTS)
    for i, text in enumerate(TEXTS):
        labels, probs = model.ft.predict(text.replace("\n", " "), k=3)
        ours = np.argsort(-pred.doc_logp[i])[:3]
        assert [model.labels[j] for j in ours] == [normalize_label(x) for x in labels]
        assert np.allclose(np.exp(pred.doc_logp[i][ours]), probs, atol=2e-5)


def test_line_scores_equal_fasttext_per_line(model: LanguageModel) -> None:
    text = "Hola, ¿cómo estás?\nI am fine, thank you.\n\nMerci beaucoup pour tout."
    pred = model.predict([text])
    assert list(pred.line_chars) == [18, 21, 25]
    for row, line in enumerate(text.replace("\n\n", "\n").split("\n")):
        label = model.ft.predict(line, k=1)[0][0]
        assert model.labels[int(pred.line_logp[row].argmax())] == normalize_label(label)
    para = model.predict(["Una línea.\nOtra línea.\n\nUn segundo párrafo."], unit="paragraph")
    assert list(para.line_chars) == [10 + 11, 19]


def test_reference_path_agrees_with_fast_path(model: LanguageModel) -> None:
    fast = model.predict(TEXTS)
    ref = model._predict_reference(TEXTS, "line")
    assert (fast.doc_logp.argmax(1) == ref.doc_logp.argmax(1)).all()
    assert (fast.line_logp.argmax(1) == ref.line_logp.argmax(1)).all()
    assert (fast.line_doc == ref.line_doc).all()


def test_token_cache_reset_keeps_results(model: LanguageModel) -> None:
    small = LanguageModel(bundled_model_path(), cache_tokens=5)  # resets the cache all the time
    a = small.predict(TEXTS[:3])
    b = model.predict(TEXTS[:3])
    assert np.allclose(a.doc_logp, b.doc_logp)


def test_missing_model_is_a_user_error(tmp_path) -> None:
    with pytest.raises(UserError, match="model file not found"):
        LanguageModel(tmp_path / "nope.bin")


def test_normalize_label() -> None:
    assert normalize_label("__label__es") == "es"
    assert normalize_label("spa_Latn") == "es"
    assert normalize_label("nob_Latn") == "no"
    assert normalize_label("hbs") == "sh"
    assert normalize_label("pt-BR") == "pt"
    assert normalize_label("__label__ja") == "ja"
    assert normalize_label(None) is None


def test_close_calls_by_hand() -> None:
    labels = ["es", "ca", "pt", "gl", "en"]
    cc = CloseCalls(labels, [["ca", "es"], ["gl", "pt", "es"]], ["ca", "gl", "pt", "es"], margin=0.1)
    everything = np.ones(5, bool)
    # es 0.50 vs ca 0.45: a close call inside one group, ca has priority
    assert labels[cc.resolve(np.array([0.50, 0.45, 0.0, 0.0, 0.05]), everything)] == "ca"
    # outside the margin: the model's choice stands
    assert labels[cc.resolve(np.array([0.60, 0.35, 0.0, 0.0, 0.05]), everything)] == "es"
    # en is close but unrelated: no close call
    assert labels[cc.resolve(np.array([0.50, 0.0, 0.0, 0.0, 0.48]), everything)] == "es"
    # a source declaring only es keeps es even though ca has priority
    only_es = np.array([True, False, False, False, False])
    assert labels[cc.resolve(np.array([0.50, 0.45, 0.0, 0.0, 0.05]), only_es)] == "es"
    # gl/pt/es: gl first by priority
    assert labels[cc.resolve(np.array([0.40, 0.0, 0.33, 0.27, 0.0]), everything)] == "pt"  # gl 0.13 away: not close
    assert labels[cc.resolve(np.array([0.36, 0.0, 0.30, 0.34, 0.0]), everything)] == "gl"


def test_declared_margin_by_hand() -> None:
    labels = ["es", "gl", "pt", "en"]
    cc = CloseCalls(labels, [["gl", "pt", "es"]], ["gl", "pt", "es"], margin=0.1, declared_margin=0.3)
    row = np.array([0.6, 0.35, 0.0, 0.05])
    assert labels[cc.resolve(row, np.ones(4, bool))] == "es"  # 0.25 apart: no close call when es is declared
    assert labels[cc.resolve(row, np.array([False, True, False, True]))] == "gl"  # a Galician source: gl
    assert labels[cc.resolve(np.array([0.7, 0.25, 0.0, 0.05]), np.array([False, True, False, True]))] == "es"  # 0.45 apart


def test_resolve_rows_equals_resolve_per_row() -> None:
    # unrelated labels (en, fr) last and between related ones: resolve_rows looks only at rows and columns of related labels
    for labels in (["es", "ca", "pt", "gl", "en"], ["en", "es", "fr", "ca", "pt", "gl"]):
        cc = CloseCalls(labels, [["ca", "es"], ["gl", "pt", "es"]], ["ca", "gl", "pt", "es"], margin=0.1, declared_margin=0.3)
        probs = softmax_rows(np.random.default_rng(0).normal(size=(500, len(labels))) * 2)
        for declared in (np.ones(len(labels), bool), np.arange(len(labels)) % 2 == 0):
            assert cc.resolve_rows(probs, declared).tolist() == [cc.resolve(row, declared) for row in probs]
        assert cc.resolve_rows(probs[:0], declared).tolist() == []


def test_character_vote_by_hand() -> None:
    # doc 0: es 10 chars, en 30 chars -> en, 0.75; doc 1: ca 20 + ca 5 + es 20 -> ca 25/45; doc 2: no lines
    seg_doc = np.array([0, 0, 1, 1, 1])
    chars = np.array([10, 30, 20, 5, 20])
    seg_label = np.array([0, 2, 1, 1, 0])  # es, en, ca, ca, es
    label, share, has = character_vote(seg_doc, chars, seg_label, 3, 3)
    assert label[:2].tolist() == [2, 1] and has.tolist() == [True, True, False]
    assert share.tolist() == [0.75, 25 / 45, 1.0]


def test_cld3_scores_are_floored_log_probabilities() -> None:
    labels = ["gl", "es", "pt", "en", "xx"]
    lp = load_second("cld3").log_probs(["", "hello"], labels)
    assert lp.shape == (2, 5) and lp.dtype == np.float32
    assert np.all(lp <= 0) and np.all(lp >= np.log(FLOOR) - 1e-6)
    assert lp[:, 4].tolist() == [pytest.approx(np.log(FLOOR))] * 2  # a label CLD3 does not know


def _table(texts: list[str], native: list[str | None] | None = None) -> pa.Table:
    n = len(texts)
    return pa.table({"id": [str(i) for i in range(n)], "text": texts, "language": pa.array(native or [None] * n, pa.string()),
                     "language_score": pa.array([0.99 if x else None for x in (native or [None] * n)], pa.float64())})


SPANISH = "El ayuntamiento ha aprobado hoy el presupuesto municipal para el año que viene, con más inversión en escuelas."
ENGLISH = "The council approved the municipal budget for next year today, with more money for schools and parks."
JAPANESE = "今日は天気がとても良いので、公園を散歩しました。"


def test_stage_language_policy() -> None:
    stage = Langid(LangidConfig())
    out = stage.process(_table([SPANISH, ENGLISH, JAPANESE]), _source(["es"]))
    langs = out.table["language"].to_pylist()
    assert langs[:3] == ["es", "en", "ja"]
    assert out.reasons[0] is None
    assert out.reasons[1] == "language_not_in_source:en"
    assert out.reasons[2] == "language:ja"
    assert out.table["language_ratio"].to_pylist()[0] == 1.0
    assert 0 < out.table["language_score"].to_pylist()[0] <= 1


def test_stage_ratio_rule_and_overrides() -> None:
    # a third of the characters in each of three languages: whichever label wins, under half -> language_ratio
    text = SPANISH + "\n" + ENGLISH + "\n" + "Der Gemeinderat hat heute den Haushalt für das nächste Jahr beschlossen, mit mehr Geld für Schulen."
    cfg = LangidConfig.model_validate({"sources": {"lenient": {"min_ratio": 0.0, "undeclared": "keep"}}})
    stage = Langid(cfg)
    out = stage.process(_table([text, ENGLISH]), _source(["es", "en", "de"]))
    ratio = out.table["language_ratio"].to_pylist()[0]
    assert 0.25 < ratio < 0.5 and out.reasons == ["language_ratio", None]
    lenient = stage.process(_table([text, ENGLISH]), _source(["es"], sid="lenient"))
    assert lenient.reasons == [None, None]  # ratio rule off, undeclared English kept


def test_stage_trusts_native_identification_when_told() -> None:
    cfg = LangidConfig.model_validate({"rules": {"trust_native": True}})
    out = Langid(cfg).process(_table([ENGLISH, SPANISH], native=["es", None]), _source(["es", "en"]))
    assert out.table["language"].to_pylist() == ["es", "es"]  # first: OSCAR said es; second: the model
    assert out.table["language_ratio"].to_pylist()[0] is None
    strict = LangidConfig.model_validate({"rules": {"min_score": {"*": 0.99999}}})
    assert Langid(strict).process(_table([SPANISH]), _source(["es"])).reasons == ["language_score"]


def test_stage_config_is_strict() -> None:
    with pytest.raises(ValueError):
        LangidConfig.model_validate({"rules": {"min_ration": 0.5}})
    with pytest.raises(ValueError):
        LangidConfig.model_validate({"related": [["ca"]]})


def test_code_sources_skip_langid() -> None:
    assert not Langid(LangidConfig()).applies_to(_source(["code"]))

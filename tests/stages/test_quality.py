"""Quality filtering: the CURATE evaluators and aggregation (values computed by hand), OSCAR annotations,
web heuristics, edu score, code rules, offline words for the 35 languages, the stage's chains, and the
demo run against the planted truth."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from curation.core.errors import UserError
from curation.config.manifest import TARGET_LANGUAGES, Source
from curation.stages.quality import curate as C
from curation.stages.quality.base import Docs
from curation.stages.quality.code import CodeConfig, CodeRules
from curation.stages.quality.edu import EduConfig, EduScore
from curation.stages.quality.oscar import OscarAnnotations, OscarConfig
from curation.stages.quality.web import C4, C4Config, FineWeb, FineWebConfig, GopherQuality, GopherQualityConfig, GopherRepetition, GopherRepetitionConfig
from curation.stages.quality.words import gopher_stop_words, split_sentences, split_tokens, stop_words
from curation.stages.quality import Quality, QualityConfig
from conftest import write_pipeline

P = C.CurateParams()


def _words(s: str) -> list[str]:
    return C.WORD_RE.findall(s)


# --- CURATE: one test per evaluator ---------------------------------------------------------------------


def test_last_char() -> None:
    assert C.last_char("Hola.", [], P) == 1.0
    assert C.last_char("Hola", [], P) == 0.6
    assert C.last_char('Dijo "hola."', [], P) == 1.0  # closing quote ignored


def test_first_letter() -> None:
    assert C.first_letter("hola.", [], P) == 0.6
    assert C.first_letter("¿Qué tal?", [], P) == 1.0
    assert C.first_letter("3 casas.", [], P) == 1.0


def test_alnum() -> None:
    assert C.alnum("abcd efgh.", [], P) == 1.0  # 1/10 non-alphanumeric, under 0.2
    assert C.alnum("a!!!!", [], P) == pytest.approx(0.01 ** ((0.8 - 0.2) / 0.8))


def test_too_long_word() -> None:
    s = "a" * 21 + " " + "b" * 25 + " ok"
    assert C.too_long_word(s, _words(s), P) == pytest.approx(0.7 ** 2)


def test_too_frequent_char() -> None:
    assert C.too_frequent_char("aaaaaaaaaabbbbbbbbbb", [], P) == pytest.approx(0.01 ** ((0.5 - 0.2) / 0.8))
    assert C.too_frequent_char("aaaa", [], P) == 1.0  # too short to judge


def test_weird_streak() -> None:
    assert C.weird_streak("Hola!!! Que tal??? Bien...", [], P) == pytest.approx(0.6 ** 3)
    assert C.weird_streak("Schifffahrt 1000 Ja!!", [], P) == 1.0  # letters, digits and two marks are fine


def test_whitespace_ratio() -> None:
    assert C.whitespace_ratio("a" * 30, [], P) == pytest.approx(0.01)
    assert C.whitespace_ratio("short", [], P) == 1.0


def test_sentence_word_count() -> None:
    assert C.sentence_word_count("Hola", ["Hola"], P) == pytest.approx(0.49)
    assert C.sentence_word_count("", ["w"] * 45, P) == pytest.approx(0.7 ** 0.5)
    assert C.sentence_word_count("", ["w"] * 10, P) == 1.0


def test_numeric() -> None:
    assert C.numeric("1234 abcd", [], P) == pytest.approx(0.01 ** (1 / 3))
    assert C.numeric("abc 1", [], P) == 1.0


def test_parenthesis() -> None:
    assert C.parenthesis("(a [b] c)", [], P) == 1.0
    assert C.parenthesis("(a b", [], P) == 0.7
    assert C.parenthesis("a) b (", [], P) == 0.7


def test_paragraph_word_count_and_unwanted_sequences() -> None:
    assert C.paragraph_word_count("", ["w"] * 2, P) == pytest.approx(0.7)
    assert C.paragraph_word_count("", ["w"] * 400, P) == pytest.approx(0.7)
    assert C.unwanted_sequences("Visit www.example.com and accept cookies", [], P) == pytest.approx(0.25)


def test_document_evaluators() -> None:
    d = C.ParsedDocument("Uno dos. Tres cuatro.", "es")
    assert C.min_sentences(d, P) == pytest.approx(0.49)
    d = C.ParsedDocument(" ".join(["palabra"] * 39) + " fin.", "es")  # 40 words, one mark
    assert C.punctuation_ratio(d, P) == pytest.approx(0.4 ** 0.5)
    d = C.ParsedDocument("A b c. A b c. D e f. G h i.", "en")
    assert C.unique_sentences(d, P) == pytest.approx(0.4 ** 0.25)
    d = C.ParsedDocument(" ".join(["blorf"] * 20), "en")  # no English stop word at all: 2 missing of 2
    assert C.min_stopwords(d, P) == pytest.approx(0.4)
    d = C.ParsedDocument("Lorem ipsum dolor sit. Uno dos tres. Cuatro cinco seis. Siete ocho nueve.", "es")
    assert C.cursed(d, P) == pytest.approx(0.1 ** 0.25)
    d = C.ParsedDocument("ABC def.", "en")
    assert C.lowercase(d, P) == pytest.approx(0.4 ** ((5 / 8 - 0.3) / 0.7))
    d = C.ParsedDocument("Gato gato gato perro.", "es")
    assert C.word_repetition(d, P) == pytest.approx(0.01 ** ((12 / 21 - 0.02) / 0.98))
    d = C.ParsedDocument("Uno.\nDos.", "es")  # one sentence per paragraph: the most it penalizes
    assert C.sentences_per_paragraph(d, P) == pytest.approx(0.4)


def test_aggregation_by_hand() -> None:
    params = C.CurateParams(sentence=["last_char"], paragraph=["word_count"], document=["min_sentences"])
    scorer = C.CurateScorer(params)
    # paragraph 1: sentences 1.0 and 0.6 -> geometric mean 0.6**0.5; paragraph 2: 1.0
    # document: geometric mean over paragraphs = 0.6**0.25; three sentences -> min_sentences 0.7
    assert scorer.score("Uno dos tres. Cuatro cinco seis\nSiete ocho nueve diez.") == pytest.approx(0.7 * 0.6 ** 0.25)
    # a third paragraph of two words: paragraph word_count 0.7; four sentences -> min_sentences 1
    text = "Uno dos tres. Cuatro cinco seis\nSiete ocho nueve diez.\nHola amigo."
    assert scorer.score(text) == pytest.approx((0.6 ** 0.5 * 1.0 * 0.7) ** (1 / 3))
    assert C.geometric_mean([]) == 1.0 and C.geometric_mean([0.0, 1.0]) == 0.0
    with pytest.raises(ValueError, match="unknown sentence evaluator"):
        C.CurateScorer(C.CurateParams(sentence=["nope"]))


def test_default_score_separates_prose_from_spam() -> None:
    scorer = C.CurateScorer()
    prose = ("El ayuntamiento aprobó ayer el presupuesto del próximo año. La partida más grande se destina a las escuelas "
             "del barrio, que llevan años esperando una reforma. Los vecinos celebraron la noticia en la plaza. "
             "La obra empezará en primavera y durará unos ocho meses, según el concejal de urbanismo.")
    spam = "COMPRA YA!!! MEJOR PRECIO!!!\nCOMPRA YA!!! MEJOR PRECIO!!!\n$$$ oferta oferta oferta $$$"
    assert scorer.score(prose, "es") >= 0.8
    assert scorer.score(spam, "es") < 0.5


# --- other filters --------------------------------------------------------------------------------------


def _docs(texts, langs=None, meta=None) -> Docs:
    n = len(texts)
    return Docs(list(texts), langs or ["en"] * n, [json.dumps(m) if m is not None else None for m in (meta or [None] * n)])


def _source(sid="s", domain="web", languages=("es",), annotations=()) -> Source:
    fields = {"text": "text", "metadata": {a: a for a in annotations}}
    return Source(id=sid, name=sid, languages=list(languages), domain=domain, licence="x", format="jsonl", location="-",
                  fields=fields, annotations=list(annotations))


def test_oscar_annotations() -> None:
    f = OscarAnnotations(OscarConfig(min_harmful_pp_by_language={"es": 10.0}))
    src = _source(annotations=("quality_warnings", "harmful_pp", "categories"))
    metas = [{"quality_warnings": ["header"]}, {"harmful_pp": 12.0}, {"harmful_pp": 12.0}, {"harmful_pp": 200000.0},
             {"categories": ["news", "adult"]}, {"categories": ["news"], "harmful_pp": 500.0, "quality_warnings": None}]
    langs = ["es", "es", "en", "es", "es", "es"]
    reasons = f.evaluate(_docs(["x"] * 6, langs, metas), src).reasons
    assert reasons == ["quality_warnings:header", None, "harmful_pp:low", "harmful_pp:high", "category:adult", None]
    only_noisy = OscarAnnotations(OscarConfig(quality_warnings=["noisy"]))
    assert only_noisy.evaluate(_docs(["x"], meta=[{"quality_warnings": ["header"]}]), src).reasons == [None]
    assert not f.applies_to(_source())


def test_edu_score() -> None:
    f = EduScore(EduConfig())
    metas = [{"edu_int_score": 2, "edu_score": 2.4}, {"edu_int_score": 3}, {"edu_score": 2.6}, {}]
    assert f.evaluate(_docs(["x"] * 4, meta=metas), _source()).reasons == ["edu_score", None, None, None]
    strict = EduScore(EduConfig(min_int_score=4, missing="drop"))
    assert strict.evaluate(_docs(["x"] * 4, meta=metas), _source()).reasons == ["edu_score", "edu_score", "edu_score", "edu_score:missing"]


def test_code_rules() -> None:
    f = CodeRules(CodeConfig())
    good = "def add(a, b):\n    # sum of two numbers\n    return a + b\n\n\nprint(add(1, 2))\n"
    assert f.check(good) is None
    assert f.check("x = 1\n" + "y" * 1200 + "\n") == "code:max_line_length"
    assert f.check("\n".join(["total = " + "value_one + " * 14 + "0"] * 5)) == "code:avg_line_length"  # 177-char lines
    assert f.check("{}[]();;\n" * 20) == "code:alphanum_fraction"
    assert f.check("# Code generated by protoc. DO NOT EDIT.\n" + good) == "code:auto_generated"
    blob = 'static const char *BLOB = "\\\n' + "\n".join("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4" for _ in range(20)) + '";\n'
    assert f.check(blob) == "code:encoded_data"
    table = "LUT = [\n" + "\n".join("    " + ", ".join(str(i * 7 % 1000) for i in range(j, j + 12)) + "," for j in range(0, 240, 12)) + "\n]\n"
    assert f.check(table) == "code:data_like"
    assert f.applies_to(_source(languages=("code",))) and not f.applies_to(_source())


ARTICLE = (
    "The town council met on Tuesday to discuss the new budget for the coming year. Most of the money will go to "
    "the schools, which have been waiting for repairs for a long time. The mayor said that the work should begin in "
    "the spring and that it will take about eight months to finish.\n"
    "Several residents asked questions about the traffic in the centre during the works. The council promised to "
    "publish a plan with the new bus routes before the end of the month, and to keep the market open as usual.\n"
    "Local shop owners welcomed the news, although some of them are worried about the noise and the dust."
)


def test_gopher_quality() -> None:
    f = GopherQuality(GopherQualityConfig())
    assert f.check(ARTICLE, "en") is None
    assert f.check("The cat sat on the mat.", "en") == "gopher:short_doc"
    assert f.check(" ".join(["blorf"] * 60), "en") == "gopher:stop_words"
    assert f.check(" ".join(["#tag the and"] * 30), "en") == "gopher:hash_ratio"
    assert f.check("\n".join(["- the item and one more thing to buy"] * 20), "en") == "gopher:bullet_lines"
    # other languages use their own list; a language without one skips the rule
    own = GopherQuality(GopherQualityConfig(stop_words={"xx": ["zorb", "quux"]}))
    assert own.check(ARTICLE, "xx") == "gopher:stop_words"
    assert own.check(ARTICLE, "zz") is None


def test_gopher_repetition() -> None:
    f = GopherRepetition(GopherRepetitionConfig())
    assert f.check(ARTICLE) is None
    assert f.check("\n\n".join(["Buy cheap shoes online now."] * 5 + [ARTICLE])) == "gopher_repetition:dup_para_frac"
    assert f.check(ARTICLE + " " + " ".join(["best price"] * 60)).startswith("gopher_repetition:")


def test_c4_and_fineweb() -> None:
    c4 = C4(C4Config())
    assert c4.check(ARTICLE) is None
    assert c4.check(ARTICLE + "\nLorem ipsum dolor sit amet, consectetur.") == "c4:lorem_ipsum"
    assert c4.check(ARTICLE + "\nThe function f(x) { return x; } is used here.") == "c4:curly_bracket"
    assert C4(C4Config(min_num_sentences=5)).check("One sentence here. Two sentences here.") == "c4:too_few_sentences"
    fw = FineWeb(FineWebConfig())
    assert fw.check(ARTICLE) is None
    assert fw.check("\n".join(f"Menu item {i}" for i in range(20))) == "fineweb:line_punct_ratio"
    assert fw.check("\n".join([f"Section {i}." for i in range(8)] + [ARTICLE])) == "fineweb:short_line_ratio"
    assert fw.check(ARTICLE + "\n" + ARTICLE.split("\n")[0]) == "fineweb:char_dup_ratio"


def test_words_offline_for_every_target_language() -> None:
    for lang in TARGET_LANGUAGES:
        assert len(stop_words(lang)) >= 20, lang
        assert gopher_stop_words(lang)
    assert gopher_stop_words("en") == frozenset(["the", "be", "to", "of", "and", "that", "have", "with"])
    assert split_tokens("L'aigua és clara, oi? il-kelma") == ["L'aigua", "és", "clara", ",", "oi", "?", "il-kelma"]
    assert split_sentences("Hola. ¿Qué tal? «Bien.» fin") == ["Hola.", "¿Qué tal?", "«Bien.»", "fin"]


# --- the stage ------------------------------------------------------------------------------------------


def _table(texts, meta=None, lang="es") -> pa.Table:
    n = len(texts)
    return pa.table({"text": texts, "language": [lang] * n, "metadata": pa.array([json.dumps(m) if m else None for m in (meta or [None] * n)], pa.string())})


def test_stage_chains_by_domain_and_source() -> None:
    stage = Quality(QualityConfig())
    catalog = _source("catalog", domain="mixed", languages=("ca",), annotations=("curate_score",))
    out = stage.process(_table(["Text.", "Text."], meta=[{"curate_score": 0.5}, {"curate_score": 0.93}], lang="ca"), catalog)
    assert out.reasons == ["curate_score", None]  # the native score decides
    assert out.table["quality_score"].to_pylist() == [0.5, 0.93]
    rescored = Quality(QualityConfig.model_validate({"curate": {"use_native": False}}))
    assert rescored.process(_table(["Text."], meta=[{"curate_score": 0.99}], lang="ca"), catalog).reasons == ["curate_score"]
    web = _source("web", annotations=("harmful_pp",))
    out = stage.process(_table([ARTICLE, ARTICLE], meta=[{"harmful_pp": 3.0}, {"harmful_pp": 900.0}], lang="en"), web)
    assert out.reasons == ["harmful_pp:low", None]
    assert out.table["quality_score"].to_pylist()[0] is None and out.table["quality_score"].to_pylist()[1] > 0.8
    custom = Quality(QualityConfig.model_validate({"sources": {"web": ["gopher"]}}))
    assert custom.process(_table(["Too short."], meta=[{"harmful_pp": 3.0}], lang="en"), web).reasons == ["gopher:short_doc"]


def test_stage_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown filter"):
        QualityConfig.model_validate({"chains": {"web": ["nope"], "default": ["curate"]}})
    with pytest.raises(ValueError):
        QualityConfig.model_validate({"gopher": {"min_doc_wrds": 3}})
    from curation.config.pipeline import load_pipeline

    p = write_pipeline(tmp_path, """\
        name: bad
        sources:
          - use: catalog
            location: data/*.jsonl
        stages:
          quality:
            sources: {catalog: [curate, gophr]}
        """)
    with pytest.raises(UserError, match="quality"):
        load_pipeline(p)


@pytest.mark.slow
def test_demo_drops_the_planted_problems(tmp_path: Path, ray_session) -> None:
    import pyarrow.parquet as pq

    from curation.config.manifest import sample_dir
    from curation.runner import run_pipeline

    result = run_pipeline(None, runs_dir=tmp_path / "runs", log=lambda m: None)
    assert result.reconciliation["ok"]
    truth = json.loads((sample_dir() / "truth.json").read_text())
    rejected = {}
    for f in (result.run.root / "rejected").rglob("*.parquet"):
        for row in pq.read_table(f, columns=["id", "stage", "reason"]).to_pylist():
            rejected[row["id"]] = (row["stage"], row["reason"])
    kept = set()
    for f in (result.run.root / "docs").rglob("*.parquet"):
        kept.update(pq.read_table(f, columns=["id"])["id"].to_pylist())

    def outcome(e):
        i = str(e["id"])
        hits = [v for k, v in rejected.items() if k == i or k.endswith(i)]
        return hits[0] if hits else ("kept", None)

    expected_stage = {"quality_warnings": "quality", "harmful_pp": "quality", "low_score": "quality", "low_edu": "quality",
                      "bad_code": "quality"}
    for e in truth["planted"]:
        if e["kind"] in expected_stage:
            stage, _ = outcome(e)
            # a planted document may be caught earlier (e.g. langid), never kept
            assert stage in ("langid", "quality"), (e, stage)
        if e["kind"] == "categories" and e.get("blocklisted"):
            assert outcome(e)[0] in ("langid", "quality"), e
        if e["kind"] == "wrong_language" and e["file"].startswith(("hplt", "catalog")):
            assert outcome(e)[0] == "langid", e
    # most documents nobody planted anything in survive langid and quality
    planted = {str(e["id"]) for e in truth["planted"]}
    dropped_good = [k for k, (stage, _) in rejected.items() if stage in ("langid", "quality") and not any(k == p or k.endswith(p) for p in planted)]
    assert len(dropped_good) < 0.05 * len(kept)
    stats = json.loads((result.run.root / "stats" / "stages.json").read_text())
    assert "quality" in json.dumps(stats) and "curate_score" in json.dumps(stats)

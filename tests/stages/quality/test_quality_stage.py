"""The quality stage: chains per domain and source, the quality_score and quality_factors columns, config
errors, run-summary warnings, and the demo run against the planted truth."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from curation.config.manifest import Source
from curation.core.errors import UserError
from curation.stages.quality import Quality, QualityConfig
from curation.stages.quality.losses import loss_warnings
from conftest import write_pipeline

ARTICLE = (
    "The town council met on Tuesday to discuss the new budget for the coming year. Most of the money will go to "
    "the schools, which have been waiting for repairs for a long time. The mayor said that the work should begin in "
    "the spring and that it will take about eight months to finish.\n"
    "Several residents asked questions about the traffic in the centre during the works. The council promised to "
    "publish a plan with the new bus routes before the end of the month, and to keep the market open as usual.\n"
    "Local shop owners welcomed the news, although some of them are worried about the noise and the dust."
)


def _source(sid="s", domain="web", languages=("es",), annotations=()) -> Source:
    fields = {"text": "text", "metadata": {a: a for a in annotations}}
    return Source(id=sid, name=sid, languages=list(languages), domain=domain, licence="x", format="jsonl", location="-",
                  fields=fields, annotations=list(annotations))


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
    assert rescored.process(_table(["text"], meta=[{"curate_score": 0.99}], lang="ca"), catalog).reasons == ["curate_score"]  # rescored: 0.36
    web = _source("web", annotations=("harmful_pp",))
    out = stage.process(_table([ARTICLE, ARTICLE], meta=[{"harmful_pp": 3.0}, {"harmful_pp": 900.0}], lang="en"), web)
    assert out.reasons == ["harmful_pp:low", None]
    assert out.table["quality_score"].to_pylist()[0] is None and out.table["quality_score"].to_pylist()[1] > 0.8
    assert out.table["quality_factors"].to_pylist() == [None, None]  # dropped before CURATE ran; kept
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


def test_rejected_rows_carry_curate_factors() -> None:
    stage = Quality(QualityConfig())
    plain = _source("plain", domain="legal", languages=("en",))  # a non-web domain: CURATE only
    out = stage.process(_table([ARTICLE, "no capital letter and no stop"], lang="en"), plain)
    assert out.reasons == [None, "curate_score"]
    # evaluators_sentence.py: first_letter_sentence_evaluator_v2 ('n' is lower case) and last_char_sentence_evaluator ('p'): 0.6 each
    assert out.table["quality_score"].to_pylist() == [1.0, 0.36]
    factors = out.table["quality_factors"].to_pylist()
    assert factors[0] is None and json.loads(factors[1]) == {"first_letter_v2": 0.6, "last_char": 0.6}


def _cell(n_in: int, dropped: dict[str, int]) -> dict:
    return {"docs_in": n_in, "bytes_in": 0, "docs_out": n_in - sum(dropped.values()), "bytes_out": 0, "dropped": dropped}


def test_loss_warnings_name_the_filter_and_its_reasons() -> None:
    stats = {"quality": {"manpages": {"en": _cell(300, {"curate_score": 290, "gopher:short_doc": 5}), "fr": _cell(172, {"curate_score": 171})},
                         "web": {"en": _cell(100, {"gopher:stop_words": 30, "gopher:short_doc": 25, "c4:curly_bracket": 40})}}}
    assert loss_warnings(stats) == [
        "quality filter 'curate' dropped 461 of 472 documents (98%) of source 'manpages' (top reasons: curate_score 461); "
        "explain with `curate quality score FILE.jsonl --filter curate`",
        "quality filter 'gopher' dropped 55 of 100 documents (55%) of source 'web' (top reasons: gopher:stop_words 30, gopher:short_doc 25); "
        "explain with `curate quality score FILE.jsonl --filter gopher`",
    ]
    assert loss_warnings({"quality": {"web": {"en": _cell(100, {"c4:curly_bracket": 50})}}}) == []  # half is not more than half

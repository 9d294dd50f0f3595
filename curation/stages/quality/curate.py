"""The CURATE document score (Palomar-Giner et al. 2024), as BSC's ALIA data pipeline computes it, in [0, 1].

Text is split and cleaned as the reference does (curation.stages.quality.sentences); every evaluator
(curation.stages.quality.curate_evaluators) gives a factor per sentence, paragraph or document, and
`preprocess_and_score/clean.py` `evaluate_document` with its default aggregators combines them:
  sentence score    = product of the sentence evaluators
  paragraph score   = geometric mean of its sentences' scores x the paragraph evaluators
  document score    = geometric mean of its paragraphs' scores x the document evaluators
A document with no text left after cleaning scores 0; one containing "lyric" scores 1 (the reference's
`evaluate_document` exempts lyrics; `lyric_exemption: false` turns that off).

One deliberate deviation: the geometric means are taken in the log domain. The reference multiplies
first and takes the root after, which underflows to 0.0 on long documents (a few thousand lines of
ordinary text); in logs the score is the same wherever the reference does not underflow. The logs also
split the score exactly into one multiplier per evaluator (`factors`): a sentence evaluator's factor is
exp(mean over paragraphs of the mean over their sentences of its log), a paragraph evaluator's
exp(mean over paragraphs of its log), a document evaluator's its value; their product is the score.

Evaluator sets (`preset`):
  bsc       last_char + first_letter_v2: what BSC's launchers run
            (cluster_launchers/preprocess_and_score/{not_testing,testing}.sh), the set behind Salamandra's
            "keep CURATE >= 0.8" rule. The default.
  bsc_full  the fuller set of the reference's preprocess_and_score/clean_example.sh, stricter.
`evaluators` replaces the preset's list, `extra` adds to it (the project-only evaluators,
`unwanted_sequences` and `stopword_ratio`, are not BSC's), `params` overrides parameters per evaluator.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from curation.config.manifest import Source
from curation.stages.quality.base import Docs, FilterConfig, QualityFilter, Verdict
from curation.stages.quality.curate_evaluators import EVALUATORS
from curation.stages.quality.sentences import Parsed


@dataclass(frozen=True)
class Preset:
    evaluators: tuple[str, ...]
    params: dict[str, dict[str, Any]]


PRESETS: dict[str, Preset] = {
    "bsc": Preset(("last_char", "first_letter_v2"), {}),
    "bsc_full": Preset(("last_char", "first_letter_v2", "too_frequent_char", "weird_streak", "whitespace_ratio", "numeric",
                        "parenthesis_structure", "alnum_v2", "min_sentences_per_document", "lowercase_letters",
                        "average_sentences_per_paragraph", "average_word_per_sentence", "unique_sentences_ratio"),
                       {"min_sentences_per_document": {"missing_sentence_penalty": 0.4}}),  # clean_example.sh passes '*' 0.4
}


def _parameters(name: str) -> dict[str, inspect.Parameter]:
    params = list(inspect.signature(EVALUATORS[name].fn).parameters.values())[1:]
    return {p.name: p for p in params if p.name != "languages"}


class CurateConfig(FilterConfig):
    threshold: float = Field(0.8, ge=0, le=1)  # Salamandra's threshold
    # A source that carries its own CURATE score (CATalog's `score`) is judged on it rather than rescored.
    use_native: bool = True
    preset: Literal["bsc", "bsc_full"] = "bsc"
    evaluators: list[str] | None = None  # replaces the preset's evaluators
    extra: list[str] = []  # added to the preset's evaluators
    params: dict[str, dict[str, Any]] = {}  # evaluator -> {parameter: value}, over the preset's
    lyric_exemption: bool = True

    @model_validator(mode="after")
    def _check(self) -> "CurateConfig":
        unknown = sorted((set(self.evaluators or []) | set(self.extra) | set(self.params)) - set(EVALUATORS))
        if unknown:
            raise ValueError(f"unknown CURATE evaluator(s) {unknown}; known: {sorted(EVALUATORS)}")
        for name, values in self.params.items():
            bad = sorted(set(values) - set(_parameters(name)))
            if bad:
                raise ValueError(f"params.{name}: unknown parameter(s) {bad}; {name} takes {sorted(_parameters(name))}")
        return self

    def resolved(self) -> list[tuple[str, dict[str, Any]]]:
        """(evaluator, its parameters) in order: the preset's or `evaluators`, then `extra`."""
        preset = PRESETS[self.preset]
        names = list(self.evaluators if self.evaluators is not None else preset.evaluators)
        names += [n for n in self.extra if n not in names]
        out = []
        for name in names:
            values = {p.name: p.default for p in _parameters(name).values()}
            values.update(preset.params.get(name, {}))
            values.update(self.params.get(name, {}))
            out.append((name, values))
        return out


@dataclass(frozen=True)
class Scored:
    score: float
    factors: dict[str, float]


class CurateScorer:
    """Scores batches of documents; one numpy pass per evaluator over all sentences of the batch."""

    def __init__(self, config: CurateConfig | None = None):
        self.config = config or CurateConfig()
        self.evaluators = self.config.resolved()

    def score(self, text: str, language: str | None = None) -> float:
        return self.score_batch([text], [language])[0].score

    def score_batch(self, texts: list[str], languages: list[str | None]) -> list[Scored]:
        parsed = Parsed.from_texts(texts)
        n_sent = parsed.sentences_per_paragraph().astype(np.float64)
        n_par = parsed.paragraphs_per_doc().astype(np.float64)
        logs: dict[str, np.ndarray] = {}
        with np.errstate(all="ignore"):  # empty documents give 0/0 here; they are set to 0 below
            for name, params in self.evaluators:
                e = EVALUATORS[name]
                values = e.fn(parsed, languages, **params) if e.needs_languages else e.fn(parsed, **params)
                log = np.log(values)
                if e.level == "sentence":
                    log = parsed.per_paragraph_sum(log) / n_sent
                if e.level != "document":
                    log = parsed.per_doc_sum(log) / n_par
                logs[name] = log
            total = np.sum(list(logs.values()), axis=0) if logs else np.zeros(parsed.n_docs)
            scores = np.exp(total)
            # to Python floats once per evaluator, not once per document and evaluator
            factor_cols = {name: np.exp(log).tolist() for name, log in logs.items()}
        lyric = self._lyrics(parsed) if self.config.lyric_exemption else np.zeros(parsed.n_docs, bool)
        doc_scores = np.where(lyric, 1.0, scores).tolist()
        out = []
        for d, paragraphs in enumerate(n_par.tolist()):
            if paragraphs == 0:
                out.append(Scored(0.0, {}))
                continue
            out.append(Scored(doc_scores[d], {name: col[d] for name, col in factor_cols.items()}))
        return out

    @staticmethod
    def _lyrics(parsed: Parsed) -> np.ndarray:
        has = np.fromiter(("lyric" in s.lower() for s in parsed.sentences), np.float64, len(parsed.sentences))
        return parsed.per_doc_sum(parsed.per_paragraph_sum(has)) > 0


class Curate(QualityFilter[CurateConfig]):
    name = "curate"
    description = "the CURATE heuristic document score (Palomar-Giner et al., 2024), documents below the threshold dropped"
    reason_prefixes = ("curate_score",)

    def __init__(self, config: CurateConfig):
        super().__init__(config)
        self.scorer = CurateScorer(config)

    def evaluate(self, docs: Docs, source: Source) -> list[Verdict]:
        cfg = self.config
        if cfg.use_native and "curate_score" in source.annotations:
            native = [m.get("curate_score") for m in docs.metadata]
        else:
            native = [None] * len(docs)
        todo = [i for i, v in enumerate(native) if v is None]
        scored = dict(zip(todo, self.scorer.score_batch([docs.texts[i] for i in todo], [docs.languages[i] for i in todo])))
        out = []
        for i, value in enumerate(native):
            s = Scored(float(value), {}) if value is not None else scored[i]
            reason = "curate_score" if s.score < cfg.threshold else None
            out.append(Verdict(reason, round(s.score, 6), s.factors or None))
        return out

"""Language identification: the language holding most of a document's characters, its share, and the
language policy (the 35 targets + code, the source's declared languages, close calls).

Each line (or paragraph, `unit`) is scored by fastText (lid.176 by default; `model` takes lid.176.bin,
GlotLID or OpenLID); where a group of close languages (gl/pt/es/ca/eu, no/nn/da) holds enough of the
probability, a small discriminator for that group re-splits it, and on lines fastText is unsure of, the
Iberian one says whether they are in its group at all (`close_models`, close.py); CLD3 can be added,
weighted (`second_model`, off by default); a close call between related languages is
settled per line by the source's declared languages, then `priorities`; each line then votes for its
label with its characters. The label with most characters is the document's `language`, its share of the
characters is `language_ratio` (CURATE/CATalog keeps a document when it is >= 0.5), and `language_score`
is the document-level fastText probability of that label (the whole text read at once: a secondary signal
for `min_score`, and the label of a document without any line to vote).

Drop reasons (low cardinality, for stats): `language:<label>` (not one of the 35 target languages),
`language_not_in_source:<label>` (a target language the source does not declare: Salamandra's
single-language corpora were kept in their own language only), `language_score` (below the language's
minimum score), `language_ratio` (less than `min_ratio` of the characters in the document's language).
Code sources skip this stage: they keep language "code" (programming language in metadata).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from curation.stages.langid.labels import DEFAULT_PRIORITIES, DEFAULT_RELATED, TARGETS, normalize_label
from curation.stages.langid.model import LanguageModel, load_model
from curation.stages.langid.tokens import segment_texts
from curation.stages.langid.policy import CloseCalls, character_vote, softmax_rows
from curation.stages.langid.close import CloseModel, load_close, log_softmax
from curation.stages.langid.second import SECOND_MODELS, Cld3, load_second
from curation.config.manifest import LanguageCode, Source
from curation.config.base import StageConfig
from curation.core.resources import Resources
from curation.stages.base import Stage, StageOutput


# The document prior's floor (its log, about -69, times close_model_doc_weight is the most it subtracts):
# unfloored, a page's summed verdict is hundreds of nats and overrules every line; 1e-30 measured best on
# the tuning split (1e-6: Galician recall -0.003; none: Portuguese -0.007).
DOC_PRIOR_FLOOR = 1e-30


class LanguageRules(BaseModel):
    """What is kept, per source (defaults in `rules`, overrides in `sources.<id>`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Reuse the source's own identification (e.g. OSCAR's `identification`) where a document has one,
    # instead of running the model (no ratio is computed then).
    trust_native: bool = False
    # CATalog's rule: keep a document if at least this fraction of its characters is in its language.
    # 0 disables it.
    min_ratio: float = Field(0.5, ge=0, le=1)
    # Minimum document score per language ("*" = every other language). Empty: no minimum.
    min_score: dict[str, float] = {}
    # A target language the source does not declare (e.g. English in hplt-es): drop or keep.
    undeclared: Literal["drop", "keep"] = "drop"


class LanguageRulesOverride(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    trust_native: bool | None = None
    min_ratio: float | None = Field(None, ge=0, le=1)
    min_score: dict[str, float] | None = None
    undeclared: Literal["drop", "keep"] | None = None


class LangidConfig(StageConfig):
    model: str | None = None  # fastText model file; default: the bundled lid.176.ftz (lid.176.bin, GlotLID, OpenLID work)
    batch_docs: int = Field(1024, ge=1)
    unit: Literal["line", "paragraph"] = "line"  # what votes for the document's language
    # An optional second model per line, CLD3 ("cld3", the cld3-py wheel), added to fastText's
    # log-probabilities with this weight. Off by default: with the close-language models it adds 0.0015
    # accuracy on the tuning split (0.9915 -> 0.9930) for a third more time (`curate eval langid` shows both).
    second_model: Literal["cld3", "none"] = "none"
    second_model_weight: float = Field(0.75, ge=0)
    # The second model reads only the lines where it can change the outcome, to stay fast: those where
    # fastText gives a language of `second_model_for` at least `second_model_from`, or its best label less
    # than `second_model_below`; at most `second_model_max_chars` of each. With the close-language models
    # doing Galician/Portuguese/Spanish/Catalan, CLD3 is left the short Basque and unsure lines (eu, 0.3:
    # tuning split; 60% fewer CLD3 calls than gl/eu/ca and 0.5).
    second_model_for: list[str] = ["eu"]
    second_model_from: float = Field(0.05, ge=0, le=1)
    second_model_below: float = Field(0.3, ge=0, le=1)
    second_model_max_chars: int = Field(150, ge=1)
    # Discriminators for groups of close languages (bundled: "ibero" gl/pt/es/ca/eu, "nordic" no/nn/da; or a
    # model file, tools/langid_close_models.py; [] for none). A line where fastText gives the group's
    # languages together at least `close_model_from`, and none of them `close_model_below` or more, has
    # its probability within the group re-split: softmax(close_model_weight * the discriminator's
    # log-posterior + log fastText's share in the group). 0.7 and 0.15: best on the tuning split.
    close_models: list[str] = ["ibero", "nordic"]
    close_model_weight: float = Field(0.7, ge=0)
    close_model_from: float = Field(0.15, ge=0, le=1)
    # The document's asked lines together (their discriminator scores summed) as a prior for each of them,
    # with this weight: a short line that could be Spanish or Galician, in a Galician page, is Galician.
    close_model_doc_weight: float = Field(0.2, ge=0)  # 0.2: Galician recall +0.007 on the tuning split
    close_model_below: float = Field(0.99, ge=0, le=1)  # lines where fastText is surer of one member are left as they are
    # Lines where fastText's best label is below this and the group holds less than close_model_from: the
    # Iberian model's "other" label decides whether they belong to the group (0.5 on the tuning split:
    # Basque recall 0.963 -> 0.987, Galician 0.98 -> 0.99 without CLD3). 0: never.
    close_model_unsure: float = Field(0.5, ge=0, le=1)
    close_model_max_chars: int = Field(200, ge=1)  # of each line: enough to tell the group apart, bounded cost
    close_call_margin: float = Field(0.15, ge=0, le=1)
    # A wider margin for a related language the source declares over one it does not (see CloseCalls).
    declared_margin: float = Field(0.3, ge=0, le=1)  # 0.3: Galician recall +0.007 on the tuning split
    related: list[list[LanguageCode]] = DEFAULT_RELATED
    priorities: list[LanguageCode] = DEFAULT_PRIORITIES
    rules: LanguageRules = LanguageRules()
    sources: dict[str, LanguageRulesOverride] = {}

    @model_validator(mode="after")
    def _check(self) -> "LangidConfig":
        for group in self.related:
            if len(group) < 2:
                raise ValueError(f"related: each group needs at least two languages, got {group}")
        return self

    def rules_for(self, source_id: str) -> LanguageRules:
        override = self.sources.get(source_id)
        if override is None:
            return self.rules
        return self.rules.model_copy(update=override.model_dump(exclude_none=True))


class Langid(Stage[LangidConfig]):
    name = "langid"
    # the fastText model (lid.176.ftz, ~1 MB; lid.176.bin ~130 MB) is held once per worker
    resources = Resources(cpus=1, memory_gb=0.25)
    columns = [pa.field("language_ratio", pa.float64())]

    def setup(self) -> None:
        cfg = self.config
        self.use_model(load_model(cfg.model), load_second(cfg.second_model) if cfg.second_model in SECOND_MODELS else None,
                       [load_close(name) for name in cfg.close_models])

    def use_model(self, model: LanguageModel, second: Cld3 | None, close: list[CloseModel] | None = None) -> None:
        cfg = self.config
        self.model, self.second = model, second
        # each discriminator with the model's label index of each of its labels (labels the model lacks are left out)
        self.discriminators = []
        for disc in close or []:
            cols = [model.label_index.get(lab, -1) for lab in disc.labels]
            keep = [i for i, c in enumerate(cols) if c >= 0]
            if len(keep) >= 2:
                self.discriminators.append((disc, np.asarray(keep), np.asarray([cols[i] for i in keep])))
        self.close = CloseCalls(model.labels, [list(g) for g in cfg.related], list(cfg.priorities), cfg.close_call_margin,
                                cfg.declared_margin)
        self._second_for = np.flatnonzero([lab in cfg.second_model_for for lab in model.labels])
        self._ready = True

    def label_batch(self, texts: list[str], declared: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(label index, share of characters, document-level probability of the label) per text."""
        labels = self.model.labels
        pred = self.model.predict(texts, self.config.unit)
        line_p = softmax_rows(pred.line_logp)
        if self.second is not None and self.config.second_model_weight and len(pred.line_tokens):
            cfg = self.config
            ask = np.flatnonzero((line_p[:, self._second_for] >= cfg.second_model_from).any(axis=1)
                                 | (line_p.max(axis=1) < cfg.second_model_below))
            if len(ask):
                segs = segment_texts(pred.line_tokens, ask, cfg.second_model_max_chars)
                scores = pred.line_logp[ask] + np.float32(cfg.second_model_weight) * self.second.log_probs(segs, labels)
                line_p[ask] = softmax_rows(scores)
        for disc, own, cols in self.discriminators:
            self._resplit(disc, own, cols, pred.line_tokens, line_p, pred.line_doc, pred.line_same)
        line_label = self.close.resolve_rows(line_p, declared)
        voted, share, has_lines = character_vote(pred.line_doc, pred.line_chars, line_label, len(texts), len(labels))
        doc_p = np.exp(pred.doc_logp)
        chosen = np.where(has_lines, voted, self.close.resolve_rows(doc_p, declared))
        return chosen, share, doc_p[np.arange(len(texts)), chosen]

    def _resplit(self, disc: CloseModel, own: np.ndarray, cols: np.ndarray, line_tokens: Sequence[list[str]],
                 line_p: np.ndarray, line_doc: np.ndarray | None = None, line_same: np.ndarray | None = None) -> None:
        """Re-split, in place, the probability fastText gives a close group among its languages, on the lines
        where the group holds at least `close_model_from` (and no member `close_model_below`); the
        discriminator's verdict on the line, and on its document's asked lines together, weigh in."""
        mass = line_p[:, cols].sum(axis=1)
        ask = np.flatnonzero((mass >= self.config.close_model_from) & (line_p[:, cols].max(axis=1) < self.config.close_model_below))
        cut = self.config.close_model_max_chars
        if self.config.close_model_unsure and "other" in disc.labels:
            self._claim(disc, own, cols, line_tokens, line_p, mass, line_same)
        if not len(ask):
            return
        raw = _scores_per_distinct(disc, line_tokens, ask, cut, line_same)[:, own]
        logp = log_softmax(raw)
        inside = np.log(np.maximum(line_p[np.ix_(ask, cols)], 1e-12) / mass[ask, None])
        combined = np.float32(self.config.close_model_weight) * logp + inside
        if self.config.close_model_doc_weight and line_doc is not None:
            doc = line_doc[ask]
            _, first, inv = np.unique(doc, return_index=True, return_inverse=True)
            doc_raw = np.add.reduceat(raw, first, axis=0)  # asked lines come grouped by document
            # floored, so that the document's verdict, however sure, can be outweighed by the line's own
            prior = np.maximum(log_softmax(doc_raw), np.float32(np.log(DOC_PRIOR_FLOOR)))
            combined += np.float32(self.config.close_model_doc_weight) * prior[inv]
        line_p[np.ix_(ask, cols)] = mass[ask, None] * softmax_rows(combined)

    def _claim(self, disc: CloseModel, own: np.ndarray, cols: np.ndarray, line_tokens: Sequence[list[str]],
               line_p: np.ndarray, mass: np.ndarray, line_same: np.ndarray | None = None) -> None:
        """On lines where fastText is unsure (best < close_model_unsure) and gives the group less than
        close_model_from, a model with an "other" label says whether the line is in the group at all:
        its log-probability of each member (of "other", for every label outside the group) is added."""
        cfg = self.config
        rows = np.flatnonzero((line_p.max(axis=1) < cfg.close_model_unsure) & (mass < cfg.close_model_from))
        if not len(rows):
            return
        logq = log_softmax(_scores_per_distinct(disc, line_tokens, rows, cfg.close_model_max_chars, line_same))
        w = np.float32(cfg.close_model_weight)
        scores = np.log(np.maximum(line_p[rows], 1e-12)) + w * logq[:, [disc.labels.index("other")]]
        scores[:, cols] += w * (logq[:, own] - logq[:, [disc.labels.index("other")]])
        line_p[rows] = softmax_rows(scores)

    def applies_to(self, source: Source) -> bool:
        return source.languages != ["code"]

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        self.ensure_setup()
        cfg = self.config
        rules = cfg.rules_for(source.id)
        n = table.num_rows
        texts = table["text"].to_pylist()
        native = [normalize_label(x) for x in table["language"].to_pylist()]
        native_score = table["language_score"].to_pylist()
        labels: list[str | None] = [None] * n
        scores: list[float | None] = [None] * n
        ratios: list[float | None] = [None] * n
        todo = []
        for i in range(n):
            if rules.trust_native and native[i]:
                labels[i], scores[i] = native[i], native_score[i]
            else:
                todo.append(i)
        names = self.model.labels
        declared = np.array([lab in source.languages for lab in names], bool)
        for start in range(0, len(todo), cfg.batch_docs):
            rows = todo[start:start + cfg.batch_docs]
            chosen, share, doc_p = self.label_batch([texts[i] for i in rows], declared)
            for i, c, p, r in zip(rows, chosen.tolist(), doc_p.tolist(), share.tolist()):
                labels[i] = names[c]
                scores[i] = min(1.0, round(p, 6))
                ratios[i] = round(r, 6)
        reasons = [self._decide(labels[i], scores[i], ratios[i], source, rules) for i in range(n)]
        table = table.set_column(table.schema.get_field_index("language"), "language", pa.array(labels, pa.string()))
        table = table.set_column(table.schema.get_field_index("language_score"), "language_score", pa.array(scores, pa.float64()))
        ratio_col = pa.array(ratios, pa.float64())
        if "language_ratio" in table.column_names:
            table = table.set_column(table.schema.get_field_index("language_ratio"), "language_ratio", ratio_col)
        else:
            table = table.append_column("language_ratio", ratio_col)
        return StageOutput(table, reasons)

    @staticmethod
    def _decide(label: str | None, score: float | None, ratio: float | None, source: Source, rules: LanguageRules) -> str | None:
        if label not in TARGETS:
            return f"language:{label}"
        if label not in source.languages and rules.undeclared == "drop":
            return f"language_not_in_source:{label}"
        minimum = rules.min_score.get(label, rules.min_score.get("*", 0.0))
        if score is not None and score < minimum:
            return "language_score"
        if ratio is not None and ratio < rules.min_ratio:
            return "language_ratio"
        return None


def _scores_per_distinct(disc: CloseModel, line_tokens: Sequence[list[str]], rows: np.ndarray, limit: int,
                         line_same: np.ndarray | None) -> np.ndarray:
    """disc.scores of these lines' texts, each distinct line scored once (line_same: BatchPrediction's)."""
    if line_same is None:
        return disc.scores(segment_texts(line_tokens, rows, limit))
    keys, first, where = np.unique(line_same[rows], return_index=True, return_inverse=True)
    if len(keys) == len(rows):
        return disc.scores(segment_texts(line_tokens, rows, limit))
    return disc.scores(segment_texts(line_tokens, rows[first], limit))[where.reshape(-1)]

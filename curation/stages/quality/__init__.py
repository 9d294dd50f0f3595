"""Quality filtering: each source runs a chain of filters chosen by its domain (or named for it), and
every drop carries the filter's reason (`quality_warnings:header`, `harmful_pp:low`, `category:adult`,
`curate_score`, `gopher:stop_words`, `c4:too_few_sentences`, `fineweb:line_punct_ratio`, `edu_score`,
`code:auto_generated`, ...). The CURATE score goes to the `quality_score` column; for a document the stage
drops after CURATE scored it, `quality_factors` holds each CURATE evaluator's multiplier on that score.

A filter of the chain that does not apply to the source (OSCAR annotations on a source without them,
code rules on prose) is skipped.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from pydantic import model_validator

from curation.config.manifest import Source
from curation.stages.quality.base import Docs, QualityFilter
from curation.stages.quality.code import CodeConfig, CodeRules
from curation.stages.quality.curate import Curate, CurateConfig
from curation.stages.quality.edu import EduConfig, EduScore
from curation.stages.quality.oscar import OscarAnnotations, OscarConfig
from curation.stages.quality.web import C4, C4Config, FineWeb, FineWebConfig, GopherQuality, GopherQualityConfig, GopherRepetition, GopherRepetitionConfig
from curation.config.base import StageConfig
from curation.stages.base import Stage, StageOutput

FILTERS: dict[str, type[QualityFilter[Any]]] = {f.name: f for f in (OscarAnnotations, Curate, GopherQuality, GopherRepetition, C4, FineWeb, EduScore, CodeRules)}

# Defaults per source domain (salamandra-data.md 2.1-2.3): web gets OSCAR's annotations where it has
# them, CURATE and the web heuristics; code the StarCoder rules; FineWeb-Edu its edu score; every other
# (curated, legal, ...) corpus CURATE, as BSC ran it on CATalog and the curated sets.
DEFAULT_CHAINS: dict[str, list[str]] = {
    "web": ["oscar", "curate", "gopher", "gopher_repetition", "c4", "fineweb"],
    "code": ["code"],
    "education": ["edu"],
    "default": ["curate"],
}


class QualityConfig(StageConfig):
    chains: dict[str, list[str]] = DEFAULT_CHAINS  # per domain; "default" for the domains not listed
    sources: dict[str, list[str]] = {}  # per source id, replacing its domain's chain
    oscar: OscarConfig = OscarConfig()
    curate: CurateConfig = CurateConfig()
    gopher: GopherQualityConfig = GopherQualityConfig()
    gopher_repetition: GopherRepetitionConfig = GopherRepetitionConfig()
    c4: C4Config = C4Config()
    fineweb: FineWebConfig = FineWebConfig()
    edu: EduConfig = EduConfig()
    code: CodeConfig = CodeConfig()

    @model_validator(mode="after")
    def _check(self) -> "QualityConfig":
        for where, chains in (("chains", self.chains), ("sources", self.sources)):
            for key, chain in chains.items():
                unknown = [f for f in chain if f not in FILTERS]
                if unknown:
                    raise ValueError(f"{where}.{key}: unknown filter(s) {unknown}; known: {sorted(FILTERS)}")
        if "default" not in self.chains:
            raise ValueError("chains: needs a 'default' chain for the domains it does not list")
        return self

    def chain_for(self, source: Source) -> list[str]:
        if source.id in self.sources:
            return self.sources[source.id]
        return self.chains.get(source.domain, self.chains["default"])


class Quality(Stage[QualityConfig]):
    name = "quality"
    # quality_factors: for documents this stage drops after CURATE scored them, each evaluator's multiplier
    # on the score (JSON object); null otherwise. Present in every part, so every part has one schema.
    columns = [pa.field("quality_score", pa.float64()), pa.field("quality_factors", pa.string())]

    def setup(self) -> None:
        cfg = self.config
        self.filters = {name: cls(getattr(cfg, name)) for name, cls in FILTERS.items()}

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        self.ensure_setup()
        n = table.num_rows
        docs = Docs(table["text"].to_pylist(), table["language"].to_pylist(), table["metadata"].to_pylist())
        reasons: list[str | None] = [None] * n
        scores: list[float | None] = [None] * n  # CURATE's score (the quality_score column)
        factors: list[dict[str, float] | None] = [None] * n
        alive = list(range(n))
        for name in self.config.chain_for(source):
            f = self.filters[name]
            if not alive or not f.applies_to(source):
                continue
            verdicts = f.evaluate(docs.subset(alive) if len(alive) < n else docs, source)
            still = []
            for row, v in zip(alive, verdicts):
                if name == Curate.name:
                    scores[row], factors[row] = v.score, v.factors
                if v.keep:
                    still.append(row)
                else:
                    reasons[row] = v.reason
            alive = still
        explained = [json.dumps(f, sort_keys=True) if f and r is not None else None for f, r in zip(factors, reasons)]
        for field, col in (("quality_score", pa.array(scores, pa.float64())), ("quality_factors", pa.array(explained, pa.string()))):
            if field in table.column_names:
                table = table.set_column(table.schema.get_field_index(field), field, col)
            else:
                table = table.append_column(field, col)
        return StageOutput(table, reasons)

"""FineWeb-Edu's educational score: keep documents with int_score >= 3 (the FineWeb-Edu threshold)."""

from __future__ import annotations

from typing import Literal

from curation.config.manifest import Source
from curation.stages.quality.base import Docs, FilterConfig, FilterResult, QualityFilter


class EduConfig(FilterConfig):
    min_int_score: int = 3
    missing: Literal["keep", "drop"] = "keep"  # a document without a score


class EduScore(QualityFilter):
    name = "edu"
    description = "FineWeb-Edu's educational score threshold"  # for the datasheet
    Config = EduConfig

    def applies_to(self, source: Source) -> bool:
        return bool({"edu_score", "edu_int_score"} & set(source.annotations))

    def evaluate(self, docs: Docs, source: Source) -> FilterResult:
        cfg: EduConfig = self.config  # type: ignore[assignment]
        reasons: list[str | None] = []
        for meta in docs.metadata:
            score = meta.get("edu_int_score")
            if score is None and meta.get("edu_score") is not None:
                score = int(round(float(meta["edu_score"])))  # FineWeb-Edu's int_score is the rounded score
            if score is None:
                reasons.append("edu_score:missing" if cfg.missing == "drop" else None)
            else:
                reasons.append("edu_score" if int(score) < cfg.min_int_score else None)
        return FilterResult(reasons)

"""FineWeb-Edu's educational score: keep documents with int_score >= 3 (the FineWeb-Edu threshold)."""

from __future__ import annotations

from typing import Literal

from curation.config.manifest import Source
from curation.stages.quality.base import Doc, FilterConfig, QualityFilter, Verdict


class EduConfig(FilterConfig):
    min_int_score: int = 3
    missing: Literal["keep", "drop"] = "keep"  # a document without a score


class EduScore(QualityFilter[EduConfig]):
    name = "edu"
    description = "FineWeb-Edu's educational score threshold"
    reason_prefixes = ("edu_score",)

    def applies_to(self, source: Source) -> bool:
        return bool({"edu_score", "edu_int_score"} & set(source.annotations))

    def judge(self, doc: Doc, source: Source) -> Verdict:
        """Score: the edu score (FineWeb-Edu's float score where given, else its int score)."""
        meta = doc.metadata
        score = meta.get("edu_int_score")
        raw = meta.get("edu_score")
        if score is None and raw is not None:
            score = int(round(float(raw)))  # FineWeb-Edu's int_score is the rounded score
        if score is None:
            return Verdict("edu_score:missing" if self.config.missing == "drop" else None)
        value = float(raw) if raw is not None else float(score)
        return Verdict("edu_score" if int(score) < self.config.min_int_score else None, value)

"""FineWeb-Edu's educational score: keep documents with int_score >= 3 (the FineWeb-Edu threshold)."""

from __future__ import annotations

from typing import Literal

from curation.config.manifest import Source
from curation.stages.quality.base import annotation_number, Doc, FilterConfig, QualityFilter, Verdict


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
        int_raw, raw = meta.get("edu_int_score"), meta.get("edu_score")
        int_score, value = annotation_number(int_raw), annotation_number(raw)
        if (int_raw is not None and int_score is None) or (raw is not None and value is None):
            return Verdict("edu_score:invalid")  # a broken annotation is not a pass
        if int_score is None and value is not None:
            int_score = float(round(value))  # FineWeb-Edu's int_score is the rounded score
        if int_score is None:
            return Verdict("edu_score:missing" if self.config.missing == "drop" else None)
        return Verdict("edu_score" if int_score < self.config.min_int_score else None, value if value is not None else int_score)

"""The filter contract of the quality stage.

A filter judges one document at a time (`judge`): a `Verdict` with a drop reason (None = keep) and, where
the filter has one, a score. The base class owns the loop over a batch (`evaluate`), as datatrove's
`BaseFilter.__call__` owns it around `filter(doc)`; NeMo Curator's `score_document` / `keep_document`
split is the score and the reason of one verdict. A filter that is faster over a whole batch (CURATE)
overrides `evaluate` and still returns one verdict per document.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Iterator, TypeVar

from curation.config.base import Strict
from curation.config.manifest import Source


class FilterConfig(Strict):
    """The settings of one filter (a section of the pipeline's `stages.quality`)."""


ConfigT = TypeVar("ConfigT", bound=FilterConfig)


@dataclass(frozen=True)
class Doc:
    """One document as a filter sees it: text, language (after langid), native metadata."""

    text: str
    language: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    reason: str | None = None  # None: keep
    score: float | None = None  # the filter's score, where it has one (CURATE's score, the edu score, ...)
    factors: dict[str, float] | None = None  # CURATE: each evaluator's multiplier on the score

    @property
    def keep(self) -> bool:
        return self.reason is None


KEEP = Verdict()


def annotation_number(value: Any) -> float | None:
    """A numeric annotation (a source's own score) as a float; None where it is not a finite number.
    Numbers written as strings ("312.5") count: exporters differ. A boolean is not a score."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def annotation_list(value: Any) -> list:
    """A list annotation (warnings, categories); one value alone counts as a list of one."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def verdict(reason: str | None) -> Verdict:
    """The verdict of a rule-based filter without a score: keep, or drop for `reason`."""
    return KEEP if reason is None else Verdict(reason)


@dataclass
class Docs:
    """A batch of documents: text, language and the native metadata (JSON, parsed once on first use)."""

    texts: list[str]
    languages: list[str | None]
    metadata_json: list[str | None]
    _metadata: list[dict[str, Any]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[Doc]:
        return (Doc(t, lang, meta) for t, lang, meta in zip(self.texts, self.languages, self.metadata))

    @property
    def metadata(self) -> list[dict[str, Any]]:
        if self._metadata is None:
            self._metadata = [json.loads(m) if m else {} for m in self.metadata_json]
        return self._metadata

    def subset(self, rows: list[int]) -> "Docs":
        meta = None if self._metadata is None else [self._metadata[i] for i in rows]
        return Docs([self.texts[i] for i in rows], [self.languages[i] for i in rows], [self.metadata_json[i] for i in rows], meta)


class QualityFilter(Generic[ConfigT]):
    name: ClassVar[str]
    description: ClassVar[str]  # one line for the datasheet and `curate quality score --help`
    # Drop reasons this filter gives start with one of these (how run summaries attribute drops).
    reason_prefixes: ClassVar[tuple[str, ...]]

    def __init__(self, config: ConfigT):
        self.config: ConfigT = config

    def applies_to(self, source: Source) -> bool:
        return True

    def judge(self, doc: Doc, source: Source) -> Verdict:
        raise NotImplementedError

    def evaluate(self, docs: Docs, source: Source) -> list[Verdict]:
        """One verdict per document, in order."""
        return [self.judge(doc, source) for doc in docs]

    @classmethod
    def owns(cls, reason: str) -> bool:
        return reason.startswith(cls.reason_prefixes)

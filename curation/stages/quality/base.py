"""The filter interface of the quality stage: a filter looks at a batch of documents of one source and
returns, per document, None (keep) or a drop reason, and optionally a score per document."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from curation.config.manifest import Source


class FilterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class Docs:
    """The documents a filter sees: text, language (after langid) and the native metadata (parsed once)."""

    texts: list[str]
    languages: list[str | None]
    metadata_json: list[str | None]
    _metadata: list[dict[str, Any]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def metadata(self) -> list[dict[str, Any]]:
        if self._metadata is None:
            self._metadata = [json.loads(m) if m else {} for m in self.metadata_json]
        return self._metadata

    def subset(self, rows: list[int]) -> "Docs":
        meta = None if self._metadata is None else [self._metadata[i] for i in rows]
        return Docs([self.texts[i] for i in rows], [self.languages[i] for i in rows], [self.metadata_json[i] for i in rows], meta)


@dataclass
class FilterResult:
    reasons: list[str | None]
    scores: list[float | None] | None = None  # the CURATE score, for the quality_score column


class QualityFilter:
    name: ClassVar[str]
    description: ClassVar[str] = ""  # one line: what the filter does, for the datasheet
    Config: ClassVar[type[FilterConfig]]

    def __init__(self, config: FilterConfig):
        self.config = config

    def applies_to(self, source: Source) -> bool:
        return True

    def evaluate(self, docs: Docs, source: Source) -> FilterResult:
        raise NotImplementedError

"""The stage contract.

A stage is a small class with one job. It receives an Arrow table of documents of one source and
returns the table (possibly with changed or added columns) and, per row, None to keep the document or a
reason string to drop it. The engine splits kept from rejected rows, writes the rejected ones with the
stage name and reason, and counts drops per reason (the datatrove filter pattern, batched).
Heavy resources (models) are loaded in `setup()`, once per worker process (NeMo Curator's pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from curation.manifest import Source


class StageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True


@dataclass
class StageOutput:
    table: pa.Table
    reasons: list[str | None]  # aligned with table rows; None = keep


class Stage:
    name: ClassVar[str]
    Config: ClassVar[type[StageConfig]] = StageConfig
    # Columns this stage adds to the documents schema (the final schema is known before any part runs,
    # so every part writes the same schema).
    columns: ClassVar[list[pa.Field]] = []

    def __init__(self, config: StageConfig):
        self.config = config

    def setup(self) -> None:
        """Load heavy resources. Called once per worker process before the first batch."""

    def applies_to(self, source: Source) -> bool:
        return True

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        raise NotImplementedError

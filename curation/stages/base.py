"""The stage contract.

A stage is a small class with one job. It receives an Arrow table of documents of one source and
returns the table (possibly with changed or added columns) and, per row, None to keep the document or a
reason string to drop it. The engine splits kept from rejected rows, writes the rejected ones with the
stage name and reason, and counts drops per reason (the datatrove filter pattern, batched).
A stage that raises on a batch is given each of its documents alone by the engine
(engine.task.process_guarded), which quarantines the ones it still raises on instead of failing the whole
part, which no retry could fix. A stage whose per-document work is costly (extract) catches per document
and reports the failure in `errors`, so that the batch is not done twice.
Heavy resources (models) are loaded in `setup()`, once per worker process (NeMo Curator's pattern); a
stage declares what its Ray tasks need in `resources` (NeMo Curator's `Resources`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

import pyarrow as pa

from curation.config.base import StageConfig
from curation.config.manifest import Source
from curation.core.resources import Resources

ConfigT = TypeVar("ConfigT", bound=StageConfig)


@dataclass
class StageOutput:
    table: pa.Table
    reasons: list[str | None]  # aligned with table rows; None = keep
    # What a stage found without dropping for it (PII by kind, contamination hits in report mode), per
    # row; the engine adds these up per language under "counted" in the stage's stats.
    counts: list[dict[str, int]] | None = None
    # Per row: None, or why this document could not be processed (`row_error`). The engine quarantines
    # those rows with the error and the record's origin; their reasons and counts are ignored.
    errors: list[str | None] | None = None


ERROR_CAP = 500  # characters of an error message kept: some exceptions quote the whole input


def row_error(e: BaseException) -> str:
    """One document's failure as StageOutput.errors states it: the exception's type and first line."""
    lines = str(e).strip().splitlines()
    return (f"{type(e).__name__}: {lines[0]}" if lines else type(e).__name__)[:ERROR_CAP]


class Stage(Generic[ConfigT]):
    name: ClassVar[str]
    # Columns this stage adds to the documents schema (the final schema is known before any part runs,
    # so every part writes the same schema).
    columns: ClassVar[list[pa.Field]] = []
    resources: ClassVar[Resources] = Resources()

    def __init__(self, config: ConfigT):
        self.config: ConfigT = config
        self._ready = False

    def ensure_setup(self) -> None:
        """Run `setup()` once (the engine calls this in each worker before the first batch)."""
        if not self._ready:
            self.setup()
            self._ready = True

    def setup(self) -> None:
        """Load heavy resources. Called once per worker process before the first batch."""

    def applies_to(self, source: Source) -> bool:
        return True

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        raise NotImplementedError

"""Whole-run phases that follow the per-document stages (dedup, tokenizer, shards, mix, ...).

The documents phase (curation.engine.task) runs per input part. The phases here need the whole run's
output of the previous phase: each is a small class with one job, listed in run order in curation/phases/__init__.py,
with its own ledger folder (`ledger/<name>/`) so that it resumes like the documents phase, and its
status recorded in run.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from curation.core.rundir import RunDir
from curation.config.pipeline import ResolvedPipeline


@dataclass
class PhaseContext:
    run: RunDir
    pipeline: ResolvedPipeline
    fingerprint: str
    ray_address: str | None = None
    num_cpus: int | None = None
    log: Callable[[str], None] = print
    results: dict[str, Any] = field(default_factory=dict)  # summaries of the phases that already ran


class Phase:
    name: ClassVar[str]

    def enabled(self, ctx: PhaseContext) -> bool:
        return True

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        """Do the work (skipping what the ledger says is done) and return a JSON-able summary."""
        raise NotImplementedError

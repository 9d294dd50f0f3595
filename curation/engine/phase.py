"""Whole-run phases that follow the per-document stages (dedup, tokenizer, shards, mix, ...).

The documents phase (curation.engine.task) runs per input part. The phases here need the whole run's
output of the previous phase: each is a small class with one job, listed in run order in curation/phases/__init__.py,
with its own ledger folder (`ledger/<name>/`) so that it resumes like the documents phase, and its
status recorded in run.json.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
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

    def outputs(self, run: RunDir) -> list[Path]:
        """Files and folders the phase writes besides its ledger (removed when its inputs change)."""
        return []

    def reset(self, ctx: PhaseContext) -> list[str]:
        """Forget the phase's work because the documents it ran on changed: its ledger first (so that
        nothing is taken as done), then its outputs. Returns the keys ("source/slug") of documents
        parts the phase cannot give back as the documents phase wrote them (those are redone)."""
        remove(ctx.run.ledger(self.name))
        for path in self.outputs(ctx.run):
            remove(path)
        return []


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)

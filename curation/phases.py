"""Whole-run phases that follow the per-document stages (dedup, tokenizer, shards, mix, ...).

The documents phase (curation.engine.task) runs per input part. The phases here need the whole run's
output of the previous phase: each is a small class with one job, registered in PHASES in run order,
with its own ledger folder (`ledger/<name>/`) so that it resumes like the documents phase, and its
status recorded in run.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from curation.engine.rundir import RunDir
from curation.pipeline import ResolvedPipeline


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


# Run order. Each later issue appends its phase here.
PHASES: list[type[Phase]] = []

# Registered after Phase is defined: the phase modules import this one.
from curation.dedup.phase import DedupPhase  # noqa: E402

PHASES.insert(0, DedupPhase)  # type: ignore[arg-type]  # first: every later phase reads the deduplicated docs/

# Tokenizer training, then Megatron shards: after dedup (they read the surviving documents).
from curation.tokenizer.phases import ShardsPhase, TokenizerPhase  # noqa: E402  (they subclass Phase)

PHASES.extend([TokenizerPhase, ShardsPhase])

# The blend of the pipeline's `mixture:`, once the shards exist.
from curation.mix_phase import MixPhase  # noqa: E402

PHASES.append(MixPhase)

"""The whole-run phases in the order `curate run` runs them, after the per-document stages.

Kept apart from curation/engine/phase.py (the Phase contract) so that the phase modules can subclass Phase
without an import cycle.
"""

from __future__ import annotations

from curation.phases.dedup.phase import DedupPhase
from curation.phases.shards.phase import ShardsPhase
from curation.phases.mix import MixPhase
from curation.engine.phase import Phase
from curation.phases.tokenizer.phase import TokenizerPhase

PHASES: list[type[Phase]] = [
    DedupPhase,  # first: every later phase reads the deduplicated docs/
    TokenizerPhase,  # trained on the surviving documents
    ShardsPhase,
    MixPhase,  # the blend of the pipeline's `mixture:`, once the shards exist
]

"""The `tokenizer` and `shards` phases, registered at the end of `curation.phases.PHASES` (after dedup).

Thin wrappers: the work is in `curation.tokenizer.phase.build_tokenizer` and
`curation.megatron.shards.build_shards`, which `curate tokenizer train` and the tests call directly.
Only `curation.phases` imports this module (it subclasses `Phase` from there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curation.megatron.config import ShardsConfig
from curation.megatron.shards import build_shards
from curation.phases import Phase, PhaseContext
from curation.tokenizer.phase import build_tokenizer


class TokenizerPhase(Phase):
    name = "tokenizer"

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.tokenizer is not None

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        rp = ctx.pipeline
        assert rp.pipeline.tokenizer is not None
        path = Path(rp.path) if rp.path else None
        return build_tokenizer(
            ctx.run,
            sources=[s.id for s in rp.sources],
            seed=rp.pipeline.seed,
            run_fingerprint=ctx.fingerprint,
            cfg=rp.pipeline.tokenizer,
            base_dir=path.parent if path else Path.cwd(),
            where=str(path) if path else "pipeline",
            origin="pipeline",
            ray_address=ctx.ray_address,
            num_cpus=ctx.num_cpus,
            log=ctx.log,
        )


class ShardsPhase(Phase):
    name = "shards"

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.tokenizer is not None and _config(ctx).enabled

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        rp = ctx.pipeline
        return build_shards(
            ctx.run,
            sources=[s.id for s in rp.sources],
            seed=rp.pipeline.seed,
            run_fingerprint=ctx.fingerprint,
            config=_config(ctx),
            ray_address=ctx.ray_address,
            num_cpus=ctx.num_cpus,
            log=ctx.log,
        )


def _config(ctx: PhaseContext) -> ShardsConfig:
    return ctx.pipeline.pipeline.stages.shards

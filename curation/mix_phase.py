"""The `mix` phase: when a pipeline names a `mixture:`, `curate run` writes its blend files after the shards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curation.mixture import mix_run, resolve_mixture
from curation.phases import Phase, PhaseContext


class MixPhase(Phase):
    name = "mix"

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.mixture is not None and (ctx.run.root / "shards" / "manifest.json").is_file()

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        base = Path(ctx.pipeline.path).resolve().parent if ctx.pipeline.path else None
        result = mix_run(ctx.run.root, resolve_mixture(ctx.pipeline.pipeline.mixture, base))  # type: ignore[arg-type]
        ctx.log(f"mix: {result['mixture']}: {result['train_shards']} train shards -> {result['files']['per_split']}")
        return {"mixture": result["mixture"], "files": result["files"], "train_shards": result["train_shards"]}

"""`curate tokenizer train RUN`: (re)build the tokenizer of a finished run, outside `curate run`.

Apart from the phase (curation/phases/tokenizer/phase.py) because it checks the run order of the phases
(curation/phases/order.py), which imports the phase.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.phases.order import PHASES
from curation.phases.tokenizer.config import TokenizerConfig, TrainConfig
from curation.phases.tokenizer.phase import PHASE, build_tokenizer


def train_for_run(
    run_root: str | Path,
    *,
    overrides: dict[str, Any],
    model: str | None = None,
    ray_address: str | None = None,
    num_cpus: int | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """`curate tokenizer train RUN`: the pipeline's training settings (from run.json) with the command's
    overrides, or the given `.model`, on the run's current documents."""
    run = RunDir(run_root)
    if not run.run_json.is_file():
        raise UserError(f"{run.root}: not a run directory (no run.json); make one with `curate run`")
    meta = json.loads(run.run_json.read_text(encoding="utf-8"))
    stages = meta.get("stages", {})
    before = ["documents"] + [p.name for p in PHASES[: [p.name for p in PHASES].index(PHASE)]]
    unfinished = [name for name in before if name in stages and stages[name].get("status") != "done"]
    if "documents" not in stages or unfinished:
        raise UserError(f"{run.run_json}: the {(unfinished or ['documents'])[0]} phase has not finished; finish the run with `curate run` first")
    where = f"{run.run_json} (with the command's options)"
    if model is not None:
        cfg = TokenizerConfig(model=str(Path(model).resolve()))
    else:
        stored = (meta.get("pipeline") or {}).get("tokenizer") or {}
        base = (stored.get("train") if isinstance(stored, dict) else None) or {}
        try:
            cfg = TokenizerConfig(train=TrainConfig.model_validate({**base, **{k: v for k, v in overrides.items() if v is not None}}))
        except ValueError as e:
            raise UserError(f"{where}: field 'tokenizer.train': {e}") from None
    return build_tokenizer(
        run,
        sources=[s["id"] for s in meta["sources"]],
        seed=int(meta.get("seed", 0)),
        run_fingerprint=meta["fingerprint"],
        cfg=cfg,
        base_dir=Path.cwd(),
        where=where,
        origin="cli",
        ray_address=ray_address,
        num_cpus=num_cpus,
        log=log,
    )

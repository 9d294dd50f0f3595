"""Checkpoints that resume on any number of processes.

A checkpoint is one file, written by process 0: the model's and the optimizer's full (unsharded) state
keyed by parameter name (torch.distributed.checkpoint.state_dict, the same under one process, DDP or
FSDP), the scheduler, and the blend's global position (samples drawn, count per shard), not any process's
share of it. Loading gives every process the full state from process 0 (sharded again under FSDP), so a
run saved by 2 processes resumes on 1, 4 or 8, and with DDP or FSDP.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import torch
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_optimizer_state_dict,
    set_model_state_dict,
    set_optimizer_state_dict,
)

from curation.core.rundir import TMP_MARK, write_atomic
from curation.train.config import TrainConfig
from curation.train.data import BlendItem
from curation.train.distributed import World

CHECKPOINTS = "checkpoints"
LATEST = "latest"
STATE = "state.pt"
FORMAT = 2  # 2: full state dicts keyed by parameter name (1: the single-process trainer's)

# How a step is split over processes, micro-batches and kernels, and what is only logged: none of it
# changes the sample order or the optimisation, so a checkpoint resumes under other values.
NOT_FINGERPRINTED = {"log_interval", "eval_interval", "eval_samples", "save_interval", "keep_checkpoints", "compile", "peak_tflops", "name", "parallel", "attention"}


def fingerprint(cfg: TrainConfig, steps: int, blend: dict[str, list[BlendItem]], vocab: int) -> str:
    """What the sample order and the optimisation depend on; a checkpoint resumes only under the same."""
    config = cfg.model_dump(mode="json", exclude=NOT_FINGERPRINTED)
    del config["data"]["micro_batch_size"]
    what = {
        "format": FORMAT,
        "config": config,
        "steps": steps,
        "vocab": vocab,
        "blend": {split: [[it.weight, it.prefix] for it in items] for split, items in blend.items()},
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


def latest_checkpoint(out: Path) -> Path | None:
    pointer = out / CHECKPOINTS / LATEST
    if not pointer.is_file():
        return None
    path = out / CHECKPOINTS / pointer.read_text().strip()
    return path if (path / STATE).is_file() else None


def full_model_state(model: torch.nn.Module) -> dict:
    """The whole model's state on the CPU of process 0 (empty elsewhere); every process must call it."""
    return get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def save_checkpoint(out: Path, step: int, model, optimizer, scheduler, blend_state: dict, fp: str, keep: int, world: World) -> Path:
    """Every process calls it (gathering FSDP shards is collective); process 0 writes."""
    options = StateDictOptions(full_state_dict=True, cpu_offload=True)
    model_state = full_model_state(model)
    optim_state = get_optimizer_state_dict(model, optimizer, options=options)
    root = out / CHECKPOINTS
    final = root / f"step-{step:08d}"
    if world.main:
        tmp = root / f"step-{step:08d}{TMP_MARK}{time.time_ns()}"
        tmp.mkdir(parents=True)
        state = {
            "step": step,
            "fingerprint": fp,
            "model": model_state,
            "optimizer": optim_state,
            "scheduler": scheduler.state_dict(),
            "blend": blend_state,
            "processes": world.size,  # informative: any number resumes it
        }
        torch.save(state, tmp / STATE)
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        write_atomic(root / LATEST, final.name + "\n")
        for old in sorted(p for p in root.glob("step-*") if p.is_dir() and TMP_MARK not in p.name)[:-keep]:
            shutil.rmtree(old)
        for stale in root.glob(f"step-*{TMP_MARK}*"):  # left by a run killed while saving
            shutil.rmtree(stale, ignore_errors=True)
    world.barrier()
    return final


def read_checkpoint(path: Path, world: World) -> dict:
    """The checkpoint's header (step, fingerprint, blend, scheduler) on every process; the model and
    optimizer state on process 0 only, which `load_checkpoint` hands to the others."""
    state = torch.load(path / STATE, map_location="cpu", weights_only=False) if world.main else None
    header = world.from_main({k: v for k, v in state.items() if k not in ("model", "optimizer")} if state else None)
    return {**header, "model": state["model"] if state else {}, "optimizer": state["optimizer"] if state else {}}


def load_checkpoint(state: dict, model, optimizer, scheduler, world: World) -> None:
    options = StateDictOptions(full_state_dict=True, broadcast_from_rank0=world.distributed)
    set_model_state_dict(model, state["model"], options=options)
    set_optimizer_state_dict(model, optimizer, state["optimizer"], options=options)
    scheduler.load_state_dict(state["scheduler"])

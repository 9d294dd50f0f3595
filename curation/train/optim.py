"""AdamW with Megatron's weight-decay rule and NeMo's CosineAnnealing schedule (Salamandra's)."""

from __future__ import annotations

import math

import torch

from curation.train.config import TrainConfig


def lr_at(step: int, cfg: TrainConfig, steps: int) -> float:
    """NeMo CosineAnnealing with warm-up; `step` counts from 0: linear warm-up lr * (s + 1) / (warmup + 1),
    then cosine from lr to min_lr at the last step."""
    o = cfg.optim
    if step < o.warmup_steps:
        return o.lr * (step + 1) / (o.warmup_steps + 1)
    decay = max(steps - o.warmup_steps, 1)
    progress = min((step - o.warmup_steps) / decay, 1.0)
    return o.min_lr + (o.lr - o.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW (fused on CUDA, foreach on CPU); weight decay on matrices only, not on norm weights."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    keep = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    groups = [{"params": decay, "weight_decay": cfg.optim.weight_decay}, {"params": keep, "weight_decay": 0.0}]
    fused = device.type == "cuda"
    return torch.optim.AdamW(groups, lr=cfg.optim.lr, betas=cfg.optim.betas, eps=cfg.optim.eps, fused=fused, foreach=None if fused else True)


def make_scheduler(optimizer: torch.optim.Optimizer, cfg: TrainConfig, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_at(s, cfg, steps) / cfg.optim.lr)

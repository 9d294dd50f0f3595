"""One optimizer step over a global batch, on this process's share of it."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributed.tensor import DTensor

from curation.train.attention import attention_context
from curation.train.batch import micro_batches, to_device
from curation.train.config import TrainConfig
from curation.train.distributed import World
from curation.train.parallel import Parallel


class CausalLMLoss(torch.nn.Module):
    """The model and its loss in one module, so that `torch.compile` fuses the fp32 softmax over the
    vocabulary with the output head instead of materialising fp32 logits (B x S x 256k)."""

    def __init__(self, model: torch.nn.Module, amp: torch.dtype | None, device: torch.device):
        super().__init__()
        self.model, self.amp, self.device_type = model, amp, device.type

    def forward(self, input_ids, labels, loss_mask, attention_mask=None, position_ids=None) -> torch.Tensor:
        """Sum over the batch of the masked next-token cross-entropy."""
        ctx = torch.autocast(device_type=self.device_type, dtype=self.amp) if self.amp is not None else nullcontext()
        with ctx:
            logits = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=False).logits
        losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="none")
        return (losses * loss_mask.reshape(-1)).sum()


def train_step(par: Parallel, optimizer, scheduler, samples: np.ndarray, cfg: TrainConfig, world: World) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The loss is the mean over every token of the global batch, whatever the micro-batching and the
    number of processes: each process divides its token-summed loss by the global token count and
    multiplies by the number of processes, which DDP's and FSDP's gradient averaging divides back out.
    Returns (loss, gradient norm before clipping, learning rate used), on the device."""
    micro = micro_batches(samples, cfg.data)
    count = float(sum(mb.loss_mask.sum() for mb in micro))
    if world.distributed and cfg.data.eod_mask_loss:  # masks differ per process: sum them (waits for the device)
        count = float(world.sum(torch.tensor([count], dtype=torch.float64, device=world.device)).item())
    elif world.distributed:  # every token counts and every process has as many
        count *= world.size
    total = torch.zeros((), device=world.device)
    for i, mb in enumerate(micro):
        with par.sync(i == len(micro) - 1), attention_context(cfg.attention):
            loss = par.train_fn(**to_device(mb, cfg.data, world.device))
            (loss * world.size / count).backward()
        total += loss.detach()
    grad_norm = torch.nn.utils.clip_grad_norm_(par.model.parameters(), cfg.optim.clip_grad)
    if isinstance(grad_norm, DTensor):  # FSDP: the norm over every process's shards
        grad_norm = grad_norm.full_tensor()
    lr = optimizer.param_groups[0]["lr"]
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return world.sum(total) / count, grad_norm.detach(), lr

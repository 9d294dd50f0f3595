"""How one model trains on the run's processes: alone, as DDP replicas, or as FSDP2 shards.

DDP wraps the (compiled) loss module: the compiled graph runs inside DDP, whose gradient all-reduce
happens once per step, in the backward of the last micro-batch (`no_sync` before it), so the overlap a
compiled-outside DDP would give is lost on that one backward only. FSDP2 `fully_shard`s every decoder
layer (each compiled alone with `nn.Module.compile`, which keeps the parameter names) and then the model;
parameters are all-gathered per layer in the forward and gradients reduce-scattered in every micro-batch's
backward, so no process ever holds the whole unsharded gradient. FSDP keeps fp32 master shards and runs
layers in the autocast dtype (MixedPrecisionPolicy), gradients reduced in fp32.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
from torch.nn.parallel import DistributedDataParallel

from curation.train.distributed import World


@dataclass
class Parallel:
    kind: str  # single, ddp or fsdp
    model: torch.nn.Module  # the transformers model (sharded in place under FSDP): state dicts, saving
    train_fn: Callable[..., torch.Tensor]  # the loss module the training forward calls
    eval_fn: Callable[..., torch.Tensor]  # eager: a compiled graph is specialised to training shapes and grad mode
    ddp: DistributedDataParallel | None = None

    def sync(self, last: bool) -> AbstractContextManager:
        """Around one micro-batch's forward and backward: DDP all-reduces gradients in the last one only."""
        return self.ddp.no_sync() if self.ddp is not None and not last else nullcontext()


def parallelize(model: torch.nn.Module, loss: torch.nn.Module, world: World, kind: str, amp: torch.dtype | None, compiled: bool) -> Parallel:
    """`model` sits on the CPU; it ends on `world.device` (whole, or this process's shards under FSDP).
    `loss` is the module that computes the loss from `model` (CausalLMLoss)."""
    if not world.distributed or kind == "ddp":
        model.to(world.device)
        train_fn = torch.compile(loss) if compiled else loss
        if not world.distributed:
            return Parallel("single", model, train_fn, loss)
        ddp = DistributedDataParallel(train_fn, device_ids=[world.device.index] if world.device.type == "cuda" else None, gradient_as_bucket_view=True)
        return Parallel("ddp", model, ddp, loss, ddp)
    mesh = init_device_mesh(world.device.type, (world.size,))
    policy = MixedPrecisionPolicy(param_dtype=amp, reduce_dtype=torch.float32) if amp is not None else MixedPrecisionPolicy()
    for layer in model.model.layers:
        if compiled:
            layer.compile()
        fully_shard(layer, mesh=mesh, mp_policy=policy)
    fully_shard(model, mesh=mesh, mp_policy=policy)  # embedding, final norm and head; moves shards to the device
    return Parallel("fsdp", model, loss, loss)

"""The processes of a training run: one without a launcher, W under torchrun.

torchrun (torch.distributed.run) starts one process per device and sets RANK, WORLD_SIZE, LOCAL_RANK and
the rendezvous address in each; `init_world` joins them in a process group: NCCL when the processes
train on CUDA (process r on device cuda:LOCAL_RANK), gloo on CPUs. Without those variables the run is one
process and nothing here communicates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from curation.core.errors import UserError
from curation.train.launch import LAUNCH_VARIABLES, launched


@dataclass(frozen=True)
class World:
    rank: int
    size: int
    local_rank: int
    device: torch.device
    owns_group: bool = False  # this run created the process group and destroys it at the end

    @property
    def main(self) -> bool:
        """Process 0 writes the log, checkpoints, the model and the summary."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    def sum(self, value: torch.Tensor) -> torch.Tensor:
        """`value` summed over the processes (in place; returned for chaining)."""
        if self.distributed:
            dist.all_reduce(value, op=dist.ReduceOp.SUM)
        return value

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def from_main(self, value):
        """Process 0's `value` on every process (a picklable object)."""
        if not self.distributed:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def close(self) -> None:
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    if name not in ("cpu", "cuda", "auto"):
        raise UserError(f"--device {name}: expected cpu, cuda or auto")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available to torch (use --device cpu or auto)")
    if name == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    if local_rank >= torch.cuda.device_count():
        raise UserError(f"LOCAL_RANK {local_rank}: this node has {torch.cuda.device_count()} CUDA devices (lower --nproc-per-node)")
    return torch.device("cuda", local_rank)


def init_world(device_name: str) -> World:
    """This process's place in the run; joins the process group when launched by torchrun."""
    if not launched():
        return World(0, 1, 0, resolve_device(device_name))
    rank, size, local_rank = (int(os.environ[v]) for v in LAUNCH_VARIABLES)
    device = resolve_device(device_name, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if dist.is_initialized():  # the caller set the group up itself
        return World(rank, size, local_rank, device)
    # Validation, checkpointing and the final save keep other processes waiting: a generous timeout.
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=timedelta(minutes=30), device_id=device if device.type == "cuda" else None)
    return World(rank, size, local_rank, device, owns_group=True)

"""`curate train --nproc-per-node N`: the same command, started N times by torchrun on this machine.

torchrun (torch.distributed.run) with --standalone runs its own rendezvous on a free local port, starts N
processes that each run `python -m curation.cli train ...` with the user's other options, sets RANK,
WORLD_SIZE and LOCAL_RANK in each, and stops the others when one fails. Several machines: run torchrun
yourself on each (`torchrun --nnodes M --nproc-per-node N --rdzv-endpoint HOST:PORT -m curation.cli train ...`).
Nothing here imports torch, so the launching process stays light.
"""

from __future__ import annotations

import os
import subprocess
import sys

LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


def launched() -> bool:
    """Started by torchrun (or another launcher that sets its variables)?"""
    return all(v in os.environ for v in LAUNCH_VARIABLES)


def is_main_process() -> bool:
    return os.environ.get("RANK", "0") == "0"


def exit_launched_process() -> None:
    """End a process torchrun started, once its training has returned and every output is written.

    The interpreter's own shutdown is skipped: with the process group already destroyed, torch's C++
    threads could still abort it ("terminate called without an active exception", SIGABRT; 1 to 2 runs
    in 20 of a 2-process CPU run under load, torch 2.13), and torchrun then reports the finished run
    as failed and stops the other processes.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def torchrun_command(nproc_per_node: int, train_args: list[str]) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc_per_node}", "-m", "curation.cli", "train", *train_args]


def run_torchrun(nproc_per_node: int, train_args: list[str]) -> int:
    """torchrun's exit status (0 when every process finished)."""
    return subprocess.call(torchrun_command(nproc_per_node, train_args), stdin=subprocess.DEVNULL)

"""Throughput and MFU of a training run.

Tokens/s over log windows and over the whole invocation, leaving out the first step (compilation,
allocator warm-up) and the time spent validating and checkpointing. Losses stay on the device until a
window is logged, so the loop does not wait for the device every step. Throughput is global (all
processes); per device it is divided by the number of processes, and MFU is the per-device FLOP/s over
the device's peak dense bf16 FLOP/s.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Speed:
    tokens_per_s: float  # all processes together
    tokens_per_s_per_device: float
    mfu: float | None  # None: no peak FLOP/s known for the device

    def parts(self) -> list[str]:
        mfu = [f"MFU {100 * self.mfu:.1f}%"] if self.mfu is not None else []
        return [f"{self.tokens_per_s:,.0f} tokens/s", f"{self.tokens_per_s_per_device:,.0f} tokens/s/device", *mfu]

    def text(self) -> str:
        """For a log line: ` | 1,234 tokens/s | 617 tokens/s/device | MFU 41.2%`."""
        return "".join(f" | {p}" for p in self.parts())

    def record(self) -> dict:
        return {"tokens_per_s": self.tokens_per_s, "tokens_per_s_per_device": self.tokens_per_s_per_device, "mfu": self.mfu}


class Meter:
    def __init__(self, tokens_per_step: int, flops_per_token: float, peak: float | None, devices: int, device: torch.device):
        self.tokens_per_step, self.fpt, self.peak, self.devices, self.device = tokens_per_step, flops_per_token, peak, devices, device
        self.pending: list[tuple[int, torch.Tensor, torch.Tensor, float]] = []
        self.window_t, self.window_steps = time.perf_counter(), 0
        self.first_t: float | None = None
        self.steps = 0
        self.paused = 0.0

    def step(self, step: int, loss: torch.Tensor, grad_norm: torch.Tensor, lr: float) -> None:
        self.pending.append((step, loss, grad_norm, lr))
        if self.first_t is None:
            if self.device.type == "cuda":
                torch.cuda.synchronize()
            self.first_t = self.window_t = time.perf_counter()
        else:
            self.window_steps += 1
            self.steps += 1

    def speed(self, tokens_per_s: float | None) -> Speed | None:
        if not tokens_per_s:
            return None
        per_device = tokens_per_s / self.devices
        return Speed(tokens_per_s, per_device, per_device * self.fpt / self.peak if self.peak else None)

    def flush(self) -> tuple[list[tuple[int, float, float, float]], Speed | None]:
        """The pending steps as numbers, and the window's speed (None when it has no timed step)."""
        values = [(s, float(loss), float(g), lr) for s, loss, g, lr in self.pending]  # waits for the device
        now = time.perf_counter()
        tps = self.window_steps * self.tokens_per_step / (now - self.window_t) if self.window_steps else None
        self.pending, self.window_t, self.window_steps = [], now, 0
        return values, self.speed(tps)

    @contextmanager
    def pause(self):
        """Time inside is left out of every throughput figure."""
        t = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - t
            self.paused += spent
            self.window_t += spent

    def overall(self) -> Speed | None:
        if self.first_t is None or not self.steps:
            return None
        return self.speed(self.steps * self.tokens_per_step / (time.perf_counter() - self.first_t - self.paused))

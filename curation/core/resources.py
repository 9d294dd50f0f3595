"""What one Ray task of a stage or phase needs (NeMo Curator's `Resources`): declared beside the work,
read by the executor when it submits the task."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resources:
    cpus: float = 1.0
    gpus: float = 0.0
    memory_gb: float = 0.0  # 0 = no reservation

    def merge(self, other: "Resources") -> "Resources":
        """The need of a task that runs both pieces of work one after the other."""
        return Resources(max(self.cpus, other.cpus), max(self.gpus, other.gpus), max(self.memory_gb, other.memory_gb))

    def ray_options(self) -> dict[str, float]:
        opts: dict[str, float] = {"num_cpus": self.cpus}
        if self.gpus:
            opts["num_gpus"] = self.gpus
        if self.memory_gb:
            opts["memory"] = self.memory_gb * 2**30
        return opts

"""`curate bench STAGE`: our throughput next to the reference implementation, in one run, as a ratio.

Timings are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

from rich.console import Console


def run_bench(stage: str, repeat: int, console: Console) -> None:
    if stage == "read":
        from curation.bench.read import bench_read

        bench_read(repeat=repeat, console=console)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(stage)

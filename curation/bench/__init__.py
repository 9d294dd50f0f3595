"""`curate bench STAGE`: our throughput next to the reference implementation, in one run, as a ratio.

Each benchmark is a module `curation/bench/<stage>.py` with `run(repeat: int, console) -> None`; the CLI
lists whatever modules are here. Timings are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from rich.console import Console


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_") and not m.ispkg)


def run_bench(stage: str, repeat: int, console: Console, input: str | None = None) -> None:
    """`input` (pages, a WARC...) goes to the benchmarks that take one; the others build their own data."""
    run = importlib.import_module(f"curation.bench.{stage}").run
    kwargs = {"input": input} if input is not None and "input" in inspect.signature(run).parameters else {}
    run(repeat=repeat, console=console, **kwargs)

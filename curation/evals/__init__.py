"""`curate eval NAME`: accuracy measurements against ground truth (LID, dedup, ...).

Each evaluation is a module `curation/evals/<name>.py` with `run(console) -> dict`; the CLI lists the
modules present. Unlike benchmarks, evaluations are deterministic and their numbers can be asserted.
"""

from __future__ import annotations

import importlib
import pkgutil

from rich.console import Console


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_") and not m.ispkg)


def run_eval(name: str, console: Console) -> dict:
    return importlib.import_module(f"curation.evals.{name}").run(console=console)

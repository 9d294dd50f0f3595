"""The two consoles every command prints to: results on stdout, progress, warnings and errors on stderr."""

from __future__ import annotations

import os
import sys

from rich.console import Console


def _stdout_width() -> int | None:
    # On a terminal: its width. Off one (CI logs, pipes, files): $COLUMNS if set, else room for wide
    # tables (rich would otherwise assume 80 columns).
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 200


console = Console(stderr=False, width=_stdout_width())
err = Console(stderr=True)


def log(message: str) -> None:
    """Progress lines of long work (stderr, no markup: paths may contain brackets)."""
    err.print(message, highlight=False, markup=False, soft_wrap=True)


def warn(message: str) -> None:
    err.print(f"warning: {message}", highlight=False, markup=False, soft_wrap=True)

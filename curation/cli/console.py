"""The consoles every command prints to."""

from __future__ import annotations

import sys

from rich.console import Console

# Off a terminal (CI logs, pipes) rich would wrap tables at 80 columns; give them room instead.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)

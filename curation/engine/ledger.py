"""Completion ledger: one marker file per finished part, written after the part's outputs.

A marker is the last thing a task writes (atomically), so its presence means every output of the part
is in place under its final name. A rerun skips parts with markers; what a killed run left half-written
carries a temporary name and is removed. Markers live on the run directory, which on a cluster must be
on a shared file system (as datatrove's logging_dir).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from curation.core.rundir import write_json


class Ledger:
    def __init__(self, root: Path):
        self.root = root

    def marker(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def is_done(self, key: str) -> bool:
        return self.marker(key).is_file()

    def mark_done(self, key: str, payload: dict[str, Any]) -> None:
        write_json(self.marker(key), payload)

    def forget(self, key: str) -> None:
        self.marker(key).unlink(missing_ok=True)

    def read(self, key: str) -> dict[str, Any]:
        return json.loads(self.marker(key).read_text(encoding="utf-8"))

    def entries(self) -> Iterator[dict[str, Any]]:
        if self.root.exists():
            for p in sorted(self.root.rglob("*.json")):
                yield json.loads(p.read_text(encoding="utf-8"))

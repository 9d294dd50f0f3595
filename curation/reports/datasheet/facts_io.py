"""Reading a run's JSON files for the datasheet: a required file that is missing or damaged is the user's error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from curation.core.errors import UserError


def read_json(path: Path, what: str | None = None) -> Any:
    """A JSON file of the run; `what` given: the file is required and its absence is the user's error."""
    if not path.is_file():
        if what is None:
            return None
        raise UserError(f"{path}: missing; {what}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not valid JSON (line {e.lineno}): the run directory is damaged; rerun `curate run`") from None

"""What changed inputs do to the run's tokenizer (TokenizerPhase.reset): a pipeline-trained one is
trained again; a given .model and one made by `curate tokenizer train` are kept (the latter with a line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from curation.core.rundir import RunDir
from curation.engine.ledger import Ledger
from curation.engine.phase import PhaseContext
from curation.phases.tokenizer.phase import PHASE, TokenizerPhase


def _finished(run: RunDir, **entry: str) -> None:
    run.tokenizer_model.parent.mkdir(parents=True)
    run.tokenizer_model.write_bytes(b"model")
    Ledger(run.ledger(PHASE)).mark_done("tokenizer", entry)
    Ledger(run.ledger(PHASE) / "sample" / "count").mark_done("000001", {"records": 1})


@pytest.mark.parametrize("entry, kept, says", [
    ({"source": "trained", "origin": "pipeline"}, False, False),
    ({"source": "trained", "origin": "cli"}, True, True),
    ({"source": "/models/salamandra.model", "origin": "pipeline"}, True, False),
])
def test_reset(tmp_path: Path, entry: dict, kept: bool, says: bool) -> None:
    run = RunDir(tmp_path)
    _finished(run, **entry)
    said: list[str] = []
    assert TokenizerPhase().reset(PhaseContext(run, None, "fp", log=said.append)) == []  # type: ignore[arg-type]
    assert run.tokenizer_model.exists() == kept
    assert Ledger(run.ledger(PHASE)).is_done("tokenizer") == kept
    assert not (run.ledger(PHASE) / "sample").exists()  # a half-drawn sample is never reused
    assert bool(said) == says and (not says or "curate tokenizer train" in said[0])

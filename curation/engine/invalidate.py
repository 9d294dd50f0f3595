"""Forget what the run made from inputs that changed, in an order that survives a kill at any point.

1. every whole-run phase resets, last first (ledger before outputs; dedup gives the docs parts back);
2. the reports made from the old outputs (audit/, datasheet/) go;
3. the outputs of changed and removed parts go, then their markers;
4. last, the `inputs` marker that says the phases ran on a complete set of parts.

Until step 4, a rerun detects the same changes and redoes the (idempotent) steps; after it, the
changed parts simply have no marker and the documents phase redoes them like unfinished work.
"""

from __future__ import annotations

from typing import Any, Callable

from curation.core.rundir import RunDir
from curation.engine.inputs import Changes
from curation.engine.ledger import Ledger
from curation.engine.phase import Phase, PhaseContext, remove
from curation.engine.task import DOCUMENTS_PHASE

INPUTS_LEDGER = "inputs"
COMPLETE = "complete"  # marker: the documents phase finished on this set of inputs, phases may run


def inputs_complete(run: RunDir) -> bool:
    return Ledger(run.ledger(INPUTS_LEDGER)).is_done(COMPLETE)


def mark_inputs_complete(run: RunDir, payload: dict[str, Any]) -> None:
    Ledger(run.ledger(INPUTS_LEDGER)).mark_done(COMPLETE, payload)


def drop_part(run: RunDir, source: str, slug: str, entry: dict[str, Any] | None = None) -> None:
    """Remove one part's outputs, then its marker (so that a kill in between leaves it to be redone)."""
    paths = run.part_outputs(source, slug) + [run.root / p for p in (entry or {}).get("outputs", [])]
    for path in paths:
        path.unlink(missing_ok=True)
    Ledger(run.ledger(DOCUMENTS_PHASE) / source).forget(slug)


def invalidate(ctx: PhaseContext, phases: list[Phase], changes: Changes, log: Callable[[str], None] = print) -> None:
    run = ctx.run
    redo: list[str] = []
    for phase in reversed(phases):
        redo.extend(phase.reset(ctx))
    for report, folder in (("audit", run.audit), ("datasheet", run.datasheet)):
        if folder.exists():
            remove(folder)
            log(f"removed {folder} (it described the previous inputs; run `curate {report}` again)")
    for entry in changes.stale:
        source, slug = entry["part"].split("/", 1)
        drop_part(run, source, slug, entry)
    for key in redo:
        source, slug = key.split("/", 1)
        ledger = Ledger(run.ledger(DOCUMENTS_PHASE) / source)
        drop_part(run, source, slug, ledger.read(slug) if ledger.is_done(slug) else None)
    Ledger(run.ledger(INPUTS_LEDGER)).forget(COMPLETE)

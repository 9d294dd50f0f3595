"""Warnings for a run's summary: a quality filter that drops more than half of a source's documents.

A filter that silently removes most of a clean corpus is the worst thing a curation run can do; the
run's stage statistics already hold every drop reason per source, and each filter knows its reasons.
"""

from __future__ import annotations

from typing import Any

from curation.stages.quality import FILTERS


def loss_warnings(stage_stats: dict[str, Any], stage: str = "quality", share: float = 0.5) -> list[str]:
    """One line per (source, filter) where the filter dropped more than `share` of the documents the
    stage received from that source, naming the filter and its top reasons."""
    out = []
    for source, langs in sorted(stage_stats.get(stage, {}).items()):
        docs_in = sum(cell["docs_in"] for cell in langs.values())
        by_filter: dict[str, dict[str, int]] = {}
        for cell in langs.values():
            for reason, n in cell["dropped"].items():
                name = next((f for f, cls in FILTERS.items() if cls.owns(reason)), reason)
                by_filter.setdefault(name, {})
                by_filter[name][reason] = by_filter[name].get(reason, 0) + n
        for name, reasons in sorted(by_filter.items()):
            dropped = sum(reasons.values())
            if docs_in and dropped > share * docs_in:
                top = ", ".join(f"{r} {n}" for r, n in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))[:3])
                out.append(f"{stage} filter '{name}' dropped {dropped} of {docs_in} documents ({dropped / docs_in:.0%}) of source "
                           f"'{source}' (top reasons: {top}); explain with `curate quality score FILE.jsonl --filter {name}`")
    return out

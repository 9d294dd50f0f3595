"""The datasheet's figures, drawn from the same rows of the facts as the datasheet's tables.

`series(facts)` says what each figure shows (labels and values, taken from `facts` as they are, no
recomputation); `draw(facts)` turns that into PNG bytes. PNGs carry no software/date metadata, so the
same facts give the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

# The figures a template can embed with figure(name, caption).
FIGURES = ("languages", "sources", "funnel")


def series(facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per figure: title, axis label, category labels and one or more named value lists."""
    out: dict[str, dict[str, Any]] = {}
    rows = facts["languages"]
    labels = [r["language"] for r in rows]
    if facts["audit"]:
        values = [("share of train tokens", [r["raw_share"] for r in rows])]
        if facts["mixture"]:
            values.append((f"after resampling ({facts['mixture']['name']})", [r["mixed_share"] or 0.0 for r in rows]))
        if any(r["salamandra"] is not None for r in rows):
            values.append(("Salamandra ALIA-40b", [r["salamandra"] or 0.0 for r in rows]))
        out["languages"] = {"title": "Language distribution (tokens)", "unit": "%", "labels": labels, "values": values}
    else:
        out["languages"] = {"title": "Language distribution (documents)", "unit": "%", "labels": labels, "values": [("share of documents", [r["document_share"] for r in rows])]}

    if facts["tokens"]:
        src = facts["tokens"]["sources"]
        out["sources"] = {"title": "Tokens per source", "unit": "tokens", "labels": [r["source"] for r in src], "values": [("tokens", [r["tokens"] for r in src])]}
    else:
        src = facts["reconciliation"]["sources"]
        out["sources"] = {"title": "Documents per source", "unit": "documents", "labels": [r["source"] for r in src], "values": [("documents kept", [r["kept"] for r in src])]}

    steps = facts["funnel"]
    out["funnel"] = {"title": "Filtering funnel", "unit": "documents", "labels": [s["step"] for s in steps], "values": [("documents left", [s["documents"] for s in steps])]}
    return out


def draw(facts: dict[str, Any]) -> dict[str, bytes]:
    """PNG bytes of every figure."""
    data = series(facts)
    return {"languages": _bars(data["languages"], vertical=True), "sources": _bars(data["sources"], vertical=False), "funnel": _bars(data["funnel"], vertical=False)}


def _bars(spec: dict[str, Any], vertical: bool) -> bytes:
    # The object API with an Agg canvas, not pyplot: no global state, safe in any process.
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels, values = spec["labels"], spec["values"]
    n = max(1, len(labels))
    if vertical:
        fig = Figure(figsize=(max(6.0, 0.55 * n + 2), 4.0), dpi=100)
    else:
        fig = Figure(figsize=(8.0, max(2.5, 0.4 * n + 1.2)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(values))
    for i, (name, vals) in enumerate(values):
        offset = x + i * width - 0.4 + width / 2 if len(values) > 1 else x
        if vertical:
            ax.bar(offset, vals, width, label=name)
        else:
            bars = ax.barh(offset, vals, width, label=name)
            ax.bar_label(bars, labels=[f"{int(v):,}" for v in vals], padding=3, fontsize=8)
    if vertical:
        ax.set_xticks(x, labels)
        ax.set_ylabel(spec["unit"])
    else:
        ax.set_yticks(x, labels)
        ax.invert_yaxis()  # first row on top, as in the tables
        ax.set_xlabel(spec["unit"])
        ax.margins(x=0.15)
    ax.set_title(spec["title"])
    if len(values) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()

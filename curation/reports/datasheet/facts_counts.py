"""Document counts: reconciliation, drops by stage and reason, the funnel, duplicates, missing values. (Part of the datasheet's facts: see facts.py.)"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow.parquet as pq

from curation.core.rundir import RunDir
from curation.engine.stats import drops_per_stage, summary_rows

# Columns of the documents whose missing values the datasheet reports (curation/core/schema.py).
MISSING_COLUMNS = ("url", "language", "language_score", "metadata", "quality_score")


def reconciliation_facts(recon: dict[str, Any], sources: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [{"source": sid, **{k: r[k] for k in ("records", "kept", "rejected", "quarantined")}} for sid, r in recon["sources"].items()]
    order = {s["id"]: i for i, s in enumerate(sources)}
    rows.sort(key=lambda r: order.get(r["source"], len(order)))
    return {"ok": bool(recon["ok"]), "sources": rows, "total": {k: recon["total"][k] for k in ("records", "kept", "rejected", "quarantined")}}


def drop_facts(stages: dict[str, Any], dedup: dict[str, Any] | None) -> dict[str, Any]:
    """Documents removed, per stage and reason (all sources) and per stage and source."""
    per_stage = drops_per_stage(stages["stages"], stages["order"], dedup)
    reasons = []
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for stage, srcs in per_stage.items():
        acc: dict[str, int] = defaultdict(int)
        for src, rs in srcs.items():
            for reason, n in rs.items():
                acc[reason] += n
                by_source[src][stage] += n
        for reason, n in sorted(acc.items(), key=lambda kv: (-kv[1], kv[0])):
            if n:
                reasons.append({"stage": stage, "reason": reason, "documents": n})
    stages_with_drops = [s for s in per_stage if any(by_source[src].get(s) for src in by_source)]
    return {
        "reasons": reasons,
        "stages": list(per_stage),
        "stages_with_drops": stages_with_drops,
        "by_source": {src: {s: by_source[src].get(s, 0) for s in per_stage} for src in sorted(by_source)},
    }


def funnel_facts(stages: dict[str, Any], recon: dict[str, Any], dedup: dict[str, Any] | None, problems: list[str]) -> list[dict[str, Any]]:
    """Documents in -> after each stage -> out. Every step is a count from the run's stats; the last one
    must equal the documents on disk (the reconciliation's `kept`)."""
    total = recon["total"]
    steps = [{"step": "input records", "removed": 0, "documents": total["records"]}]
    left = total["records"] - total["quarantined"]
    steps.append({"step": "parsed (unparseable records quarantined)", "removed": total["quarantined"], "documents": left})
    per_stage = drops_per_stage(stages["stages"], stages["order"], dedup)
    for stage, srcs in per_stage.items():
        removed = sum(n for rs in srcs.values() for n in rs.values())
        left -= removed
        steps.append({"step": stage, "removed": removed, "documents": left})
    if left != total["kept"]:
        problems.append(f"the stage statistics leave {left} documents, but {total['kept']} are on disk (stats/reconciliation.json)")
    steps.append({"step": "kept (documents on disk)", "removed": 0, "documents": total["kept"]})
    return steps


def dedup_facts(dedup: dict[str, Any] | None, meta: dict[str, Any]) -> dict[str, Any] | None:
    if dedup is None:
        return None
    rows = []
    for src, langs in dedup["sources"].items():
        docs_in = sum(c["docs_in"] for c in langs.values())
        exact = sum(c["removed_exact"] for c in langs.values())
        near = sum(c["removed_near"] for c in langs.values())
        rows.append({"source": src, "docs_in": docs_in, "removed_exact": exact, "removed_near": near, "docs_out": docs_in - exact - near,
                     "duplicate_rate": 100.0 * (exact + near) / docs_in if docs_in else 0.0})
    t = dedup["total"]
    total = {**{k: t[k] for k in ("docs_in", "removed_exact", "removed_near", "docs_out")}, "duplicate_rate": 100.0 * (t["removed_exact"] + t["removed_near"]) / t["docs_in"] if t["docs_in"] else 0.0}
    signatures = meta.get("pipeline", {}).get("stages", {}).get("signatures", {})
    return {"config": dedup["config"], "signatures": signatures, "clusters": dedup["clusters"], "sources": rows, "total": total}


def document_facts(stages: dict[str, Any], dedup: dict[str, Any] | None, recon: dict[str, Any], sources: list[dict[str, Any]], problems: list[str]) -> list[dict[str, Any]]:
    """Kept documents per source x language: the dedup phase's count of the docs parts when it ran (it
    counts the files), else the last stage's output."""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    if dedup is not None:
        for src, langs in dedup["sources"].items():
            for lang, c in langs.items():
                cells[(src, lang)] += c["docs_out"]
    else:
        for row in summary_rows(stages["stages"], [s for s in stages["order"] if s != "read"]):
            cells[(row["source"], row["language"])] += row["kept_docs"]
    order = {s["id"]: i for i, s in enumerate(sources)}
    rows = [{"source": src, "language": lang, "documents": n} for (src, lang), n in sorted(cells.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][1])) if n]
    for r in recon["sources"].items():
        src, rec = r
        n = sum(x["documents"] for x in rows if x["source"] == src)
        if n != rec["kept"]:
            problems.append(f"source {src}: the per-language counts give {n} kept documents, the reconciliation {rec['kept']}")
    return rows


def missing_facts(run: RunDir, sources: list[str]) -> list[dict[str, Any]]:
    """Missing (null) values per column and source, from the parquet footers of docs/ (the column is read
    only where a writer left no statistics)."""
    rows = []
    for src in sources:
        files = sorted(run.docs(src).glob("*.parquet")) if run.docs(src).is_dir() else []
        docs = 0
        nulls: dict[str, int] = {c: 0 for c in MISSING_COLUMNS}
        present: set[str] = set()
        for f in files:
            pf = pq.ParquetFile(f)
            md = pf.metadata
            docs += md.num_rows
            names = pf.schema_arrow.names
            for col in MISSING_COLUMNS:
                if col not in names:
                    continue
                present.add(col)
                nulls[col] += _null_count(pf, names.index(col), col)
        rows.append({"source": src, "documents": docs, **{c: (nulls[c] if c in present else None) for c in MISSING_COLUMNS}})
    return rows


def _null_count(pf: pq.ParquetFile, index: int, name: str) -> int:
    md = pf.metadata
    total = 0
    for g in range(md.num_row_groups):
        col = md.row_group(g).column(index)
        stats = col.statistics
        if col.path_in_schema == name and stats is not None and stats.has_null_count:
            total += stats.null_count
        else:
            total += pf.read_row_group(g, columns=[name]).column(0).null_count
    return total

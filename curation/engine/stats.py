"""Merge per-part ledger entries into run statistics, and reconcile every input record.

Accounting rule (design.md): each input record is in exactly one of kept, rejected or quarantined. The
check counts rows in the files actually written (parquet footers), not the tasks' own tallies, and
compares them with the records the readers met.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation.core.rundir import RunDir, write_atomic, write_json


class RunTally:
    """Folds the per-part ledger entries, one at a time, into run statistics.

    One pass and memory bounded by sources x languages x stages, not by the number of parts.
    """

    def __init__(self, sources: list[str]):
        self.records: dict[str, int] = {s: 0 for s in sources}
        self._stages: dict[str, Any] = defaultdict(lambda: defaultdict(dict))
        self._seconds: dict[str, float] = defaultdict(float)
        self._seconds_by_source: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def add(self, e: dict[str, Any]) -> None:
        src = e["source"]
        self.records[src] += e["records"]
        for stage, langs in e["stages"].items():
            for lang, cell in langs.items():
                acc = self._stages[stage][src].setdefault(lang, {"docs_in": 0, "bytes_in": 0, "docs_out": 0, "bytes_out": 0, "dropped": {}})
                for k in ("docs_in", "bytes_in", "docs_out", "bytes_out"):
                    acc[k] += cell[k]
                for reason, n in cell["dropped"].items():
                    acc["dropped"][reason] = acc["dropped"].get(reason, 0) + n
                if cell.get("quarantined"):  # documents the stage could not process (engine.task._split_failures)
                    acc["quarantined"] = acc.get("quarantined", 0) + cell["quarantined"]
                for key, n in cell.get("counted", {}).items():  # what a stage found and did not drop for
                    counted = acc.setdefault("counted", {})
                    counted[key] = counted.get(key, 0) + n
        for stage, secs in e.get("seconds", {}).items():
            self._seconds[stage] += secs
            self._seconds_by_source[stage][src] += secs

    def stage_stats(self) -> dict[str, Any]:
        """{stage: {source: {language: {docs_in, bytes_in, docs_out, bytes_out, dropped: {reason: n}[, counted: {key: n}][, quarantined: n]}}}}"""
        return {stage: {src: dict(sorted(langs.items())) for src, langs in sorted(srcs.items())} for stage, srcs in self._stages.items()}

    def timing(self) -> dict[str, Any]:
        """Worker seconds per stage, in total and per source (CPU time spent, not wall time of the run)."""
        return {
            "seconds": {k: round(v, 3) for k, v in sorted(self._seconds.items())},
            "seconds_by_source": {k: {src: round(v, 3) for src, v in sorted(d.items())} for k, d in sorted(self._seconds_by_source.items())},
        }


def per_source(stage_stats: dict[str, Any], stage: str, key: str = "dropped") -> dict[str, dict[str, int]]:
    """source -> {reason or name: documents} of one stage, summed over languages (`key`: "dropped", or
    "counted" for what a stage found without dropping). Names sorted; a source with none maps to {}."""
    out: dict[str, dict[str, int]] = {}
    for src, langs in stage_stats.get(stage, {}).items():
        acc: dict[str, int] = defaultdict(int)
        for cell in langs.values():
            for name, n in cell.get(key, {}).items():
                acc[name] += n
        out[src] = dict(sorted(acc.items()))
    return out


def dedup_per_source(dedup: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    """source -> {"duplicate:exact": n, "duplicate:near": n} removed by dedup (zero counts left out)."""
    out = {}
    for src, langs in (dedup or {}).get("sources", {}).items():
        exact = sum(c["removed_exact"] for c in langs.values())
        near = sum(c["removed_near"] for c in langs.values())
        out[src] = {k: v for k, v in (("duplicate:exact", exact), ("duplicate:near", near)) if v}
    return out


def drops_per_stage(stage_stats: dict[str, Any], order: list[str], dedup: dict[str, Any] | None) -> dict[str, dict[str, dict[str, int]]]:
    """stage -> source -> reason -> documents dropped, stages in run order, dedup last when it ran."""
    out = {stage: per_source(stage_stats, stage) for stage in order}
    if dedup is not None:
        out["dedup"] = dedup_per_source(dedup)
    return out


def _rows(folder: Path) -> int:
    if not folder.exists():
        return 0
    return sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(folder.glob("*.parquet")))


def reconcile(run: RunDir, records: dict[str, int], parts: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Per source: records the readers met vs rows kept + rejected + quarantined on disk now.

    The two sides are counted independently (reader tallies in the ledger; parquet footers of the files
    as they are after every phase, dedup included), so a lost or doubled row shows as a gap. Given the
    run's parts as (source, slug), output files that belong to none of them are named: they are what
    a mismatch comes from when they exist.
    """
    report: dict[str, Any] = {"sources": {}, "ok": True, "problems": []}
    for src, n in records.items():
        on_disk = {"kept": _rows(run.docs(src)), "rejected": _rows(run.rejected(src)), "quarantined": _rows(run.quarantine(src))}
        accounted = sum(on_disk.values())
        ok = accounted == n
        report["sources"][src] = {"records": n, **on_disk, "accounted": accounted, "ok": ok}
        report["ok"] &= ok
        if parts is not None:
            for folder in (run.docs(src), run.rejected(src), run.quarantine(src)):
                for f in sorted(folder.glob("*.parquet")) if folder.exists() else []:
                    slug = f.name[: -len(".parquet")].removesuffix(".dedup")
                    if (src, slug) not in parts:
                        report["problems"].append(f"{f.relative_to(run.root)}: output of no input part of this run")
    report["ok"] &= not report["problems"]
    totals = {k: sum(v[k] for v in report["sources"].values()) for k in ("records", "kept", "rejected", "quarantined", "accounted")}
    report["total"] = totals
    return report


def summary_rows(stage_stats: dict[str, Any], order: list[str]) -> list[dict[str, Any]]:
    """One row per source x language: what was read, what each stage dropped, what was kept."""
    keys: set[tuple[str, str]] = set()
    for srcs in stage_stats.values():
        for src, langs in srcs.items():
            keys.update((src, lang) for lang in langs)
    rows = []
    for src, lang in sorted(keys):
        row: dict[str, Any] = {"source": src, "language": lang}
        read = stage_stats.get("read", {}).get(src, {}).get(lang)
        row["read_docs"] = read["docs_out"] + sum(read["dropped"].values()) if read else 0
        for stage in order:
            cell = stage_stats.get(stage, {}).get(src, {}).get(lang)
            row[f"dropped_{stage}"] = sum(cell["dropped"].values()) if cell else 0
        last = None
        for stage in ["read", *order]:
            cell = stage_stats.get(stage, {}).get(src, {}).get(lang)
            if cell and (cell["docs_in"] or cell["docs_out"] or stage == "read"):
                last = cell
        row["kept_docs"] = last["docs_out"] if last else 0
        row["kept_bytes"] = last["bytes_out"] if last else 0
        rows.append(row)
    return rows


def write_stage_stats(run: RunDir, tally: RunTally, stage_order: list[str]) -> dict[str, Any]:
    """stats/stages.json, stats/summary.csv and stats/timing.json of the per-document stages."""
    stage_stats = tally.stage_stats()
    write_json(run.stage_stats, {"order": ["read", *stage_order], "stages": stage_stats})
    write_json(run.timing, tally.timing())
    rows = summary_rows(stage_stats, stage_order)
    if rows:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        write_atomic(run.summary_csv, buf.getvalue())
    return stage_stats

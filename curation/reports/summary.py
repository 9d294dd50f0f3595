"""What a run did, read back from its directory: printed after every `curate run`, a failed one too.

Everything comes from files the run leaves whatever happens to it: run.json (status of each stage and
phase), the ledger markers of the parts that finished (reader and stage tallies), stats/dedup.json,
and the parquet footers of docs/, rejected/ and quarantine/ (row counts, not contents). So a run that
failed half-way still reports what its finished parts kept, dropped and quarantined, and why.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.config.pipeline import demo_pipeline_path
from curation.core.rundir import RunDir
from curation.engine.ledger import Ledger
from curation.engine.stats import RunTally, drops_per_stage, reconcile
from curation.engine.task import DOCUMENTS_PHASE
from curation.stages.quality.losses import loss_warnings

TOP_REASONS = 3


@dataclass
class RunSummary:
    root: Path
    status: str  # "complete", "failed" or "unfinished" (interrupted, or still running)
    problems: list[str]  # what failed, one line each (from run.json)
    parts: tuple[int, int]  # per-document parts finished, planned
    stages: list[dict[str, Any]]  # the funnel: stage, in, dropped, out, mb_out, top_reasons
    sources: list[dict[str, Any]]  # per source: records, kept, rejected, quarantined, accounted, ok, top_drop, dropped_<stage>
    total: dict[str, Any]  # the same summed over sources
    outputs: list[tuple[str, str]]  # (what, path)
    next_steps: list[tuple[str, str]]  # (command, what it is for)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "run": str(self.root), "status": self.status, "problems": self.problems,
            "parts": {"done": self.parts[0], "planned": self.parts[1]},
            "stages": self.stages, "sources": self.sources, "total": self.total, "warnings": self.warnings,
            "outputs": [{"what": w, "path": p} for w, p in self.outputs],
            "next": [{"command": c, "for": f} for c, f in self.next_steps],
        }


# Checks that turn the counts into warnings, each `(summary, stage_stats) -> [one line per warning]`,
# printed by `curate run` under the tables (a failed run's too). Add a check here, not a log line.
Check = Callable[[RunSummary, dict[str, Any]], list[str]]


def _filter_losses(s: RunSummary, stage_stats: dict[str, Any]) -> list[str]:
    return loss_warnings(stage_stats)  # a quality filter that removed most of a source is never silent


def _nothing_kept(s: RunSummary, stage_stats: dict[str, Any]) -> list[str]:
    out = []
    for row in s.sources:
        if row["records"] and not row["kept"]:
            why = f" (most dropped by {row['top_drop']})" if row["top_drop"] else ""
            out.append(f"source {row['source']}: none of its {row['records']:,} records was kept{why}; see `curate inspect {_q(s.root)} --where rejected --source {row['source']}`")
    return out


def _quarantined(s: RunSummary, stage_stats: dict[str, Any]) -> list[str]:
    return [f"source {row['source']}: {_n(row['quarantined'], 'record')} could not be read or processed (quarantined); see `curate inspect {_q(s.root)} --where quarantine --source {row['source']}`"
            for row in s.sources if row["quarantined"]]


def _unreconciled(s: RunSummary, stage_stats: dict[str, Any]) -> list[str]:
    if s.status != "complete":  # a part killed between its outputs and its marker is redone on resume
        return []
    return [f"source {row['source']}: {row['records']:,} records read but {row['accounted']:,} kept + rejected + quarantined on disk"
            for row in s.sources if not row["ok"]]


def _phase_warnings(s: RunSummary, stage_stats: dict[str, Any]) -> list[str]:
    """Warnings a whole-run phase recorded in run.json (e.g. the mix phase's shards over max_epochs)."""
    meta = _read_json(RunDir(s.root).run_json) or {}
    return [f"{name}: {w}" for name, st in meta.get("stages", {}).items() for w in st.get("warnings", []) or []]


CHECKS: list[Check] = [_unreconciled, _nothing_kept, _filter_losses, _quarantined, _phase_warnings]


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _q(path: Path | str) -> str:
    return shlex.quote(str(path))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _tally(run: RunDir, sources: list[str]) -> tuple[RunTally, int]:
    """The finished parts' ledger entries folded into run statistics, and how many there are."""
    tally = RunTally(sources)
    done = 0
    for src in sources:
        for entry in Ledger(run.ledger(DOCUMENTS_PHASE) / src).entries():
            tally.add(entry)
            done += 1
    return tally, done


def _funnel(stage_stats: dict[str, Any], order: list[str], dedup: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for stage in ["read", *order]:
        docs_in = docs_out = bytes_out = 0
        reasons: dict[str, int] = {}
        for langs in stage_stats.get(stage, {}).values():
            for cell in langs.values():
                docs_in += cell["docs_in"]
                docs_out += cell["docs_out"]
                bytes_out += cell["bytes_out"]
                for r, n in cell["dropped"].items():
                    reasons[r] = reasons.get(r, 0) + n
        dropped = sum(reasons.values())
        if stage == "read":  # the readers count what they pass on; what they met is that plus their drops
            docs_in = docs_out + dropped
        rows.append({"stage": stage, "in": docs_in, "dropped": dropped, "out": docs_out, "mb_out": round(bytes_out / 1e6, 2), "top_reasons": _top(reasons)})
    if dedup is not None:
        cells = [c for langs in dedup.get("sources", {}).values() for c in langs.values()]
        exact, near = sum(c["removed_exact"] for c in cells), sum(c["removed_near"] for c in cells)
        rows.append({"stage": "dedup", "in": sum(c["docs_in"] for c in cells), "dropped": exact + near, "out": sum(c["docs_out"] for c in cells),
                     "mb_out": None, "top_reasons": _top({"duplicate:exact": exact, "duplicate:near": near})})
    return rows


def _top(reasons: dict[str, int]) -> str:
    ranked = sorted(((r, n) for r, n in reasons.items() if n), key=lambda x: (-x[1], x[0]))
    return ", ".join(f"{r} {n:,}" for r, n in ranked[:TOP_REASONS])


def _top_drop(stage_stats: dict[str, Any], source: str, dedup: dict[str, Any] | None) -> str:
    """The (stage: reason) that dropped most documents of a source."""
    per_stage = drops_per_stage(stage_stats, list(stage_stats), dedup)
    ranked = [(n, f"{stage}: {r}") for stage, srcs in per_stage.items() for r, n in srcs.get(source, {}).items()]
    best = max(ranked, default=(0, ""))
    return f"{best[1]} ({best[0]:,})" if best[0] else ""


def _drops_by_stage(stage_stats: dict[str, Any], source: str, dedup: dict[str, Any] | None, stages: list[str]) -> dict[str, int]:
    """dropped_<stage>: how many of the source's documents each stage (and dedup) removed."""
    per_stage = drops_per_stage(stage_stats, [s for s in stages if s != "dedup"], dedup if "dedup" in stages else None)
    return {f"dropped_{stage}": sum(per_stage.get(stage, {}).get(source, {}).values()) for stage in stages}


def _outputs(run: RunDir, meta: dict[str, Any]) -> list[tuple[str, str]]:
    candidates = [
        ("kept documents (parquet)", run.docs()),
        ("rejected, with stage and reason", run.rejected()),
        ("quarantined records, with the error", run.quarantine()),
        ("statistics (stages.json, summary.csv, dedup.json, tokens.json)", run.stats),
        ("duplicate clusters", run.dedup_clusters),
        ("tokenizer", run.tokenizer),
        ("Megatron shards (manifest.json)", run.shards),
    ]
    out = [(what, str(p)) for what, p in candidates if p.exists()]
    out += [("blend (Megatron --per-split-data-args-path)", str(p)) for p in sorted(run.blend.glob("*.per-split.json"))]
    out.append(("configuration, versions and status of each stage", str(run.run_json)))
    return out


def _next_steps(run: RunDir, meta: dict[str, Any], status: str) -> list[tuple[str, str]]:
    r = _q(run.root)
    steps: list[tuple[str, str]] = []
    if status != "complete":
        pipeline = meta.get("pipeline_file")
        args = ["curate", "run"]
        if pipeline and Path(pipeline).resolve() != demo_pipeline_path().resolve():
            args.append(pipeline)
        if run.root.name != (meta.get("pipeline") or {}).get("name"):
            args += ["--name", run.root.name]
        if run.root.parent != Path("runs"):
            args += ["--runs-dir", str(run.root.parent)]
        steps.append((shlex.join(args), "resume: finished parts and phases are kept, the rest is redone"))
    steps.append((f"curate inspect {r} --where rejected --sample 20 --seed 0", "read what the filters dropped, with stage, reason and scores"))
    if any(run.quarantine().glob("*/*.parquet")):
        steps.append((f"curate inspect {r} --where quarantine", "records that could not be read or processed, with file, offset and error"))
    if run.shards_manifest.is_file():
        steps.append((f"curate audit {r}", "tokens per language and source, read back from the shards"))
        steps.append((f"curate datasheet {r}", "the Gebru et al. datasheet of this run"))
        # The run's own blend (the pipeline's mixture, absolute prefixes), not one made for another root.
        own = ((meta.get("stages", {}).get("mix") or {}).get("files") or {}).get("per_split")
        blends = [own] if own else [p for p in sorted(run.blend.glob("*.per-split.json")) if ".under-" not in p.name and ".relative." not in p.name]
        if blends:
            steps.append((f"curate train --blend {_q(blends[0])}", "train the bundled model on the blend"))
        else:
            steps.append((f"curate mix {r} --mixture salamandra-2.68T", "weights and blend files for a mixture recipe"))
    elif status == "complete":
        steps.append((f"curate datasheet {r}", "the Gebru et al. datasheet of this run"))
    return steps


def summarize(run_root: str | Path) -> RunSummary:
    run = RunDir(run_root)
    meta = _read_json(run.run_json) or {}
    stages_meta: dict[str, Any] = meta.get("stages", {})
    sources = [s["id"] for s in meta.get("sources", [])]
    docs_meta = stages_meta.get(DOCUMENTS_PHASE, {})
    order = list(docs_meta.get("order", []))
    tally, done = _tally(run, sources)
    stage_stats = tally.stage_stats()
    dedup = _read_json(run.dedup_stats) if (stages_meta.get("dedup") or {}).get("status") == "done" else None

    problems = []
    for name, st in stages_meta.items():
        if st.get("status") == "failed":
            failures = st.get("failures") or []
            detail = f"{len(failures)} part(s) failed, first: {failures[0]['part']}: {failures[0]['error']}" if failures else st.get("error", "")
            problems.append(f"{name}: {detail}")
    if problems:
        status = "failed"
    elif meta.get("finished") and all(st.get("status") == "done" for st in stages_meta.values()):
        status = "complete"
    else:
        status = "unfinished"

    report = reconcile(run, tally.records)
    rows = []
    funnel_stages = ["read", *order, *(["dedup"] if dedup is not None else [])]
    for src in sources:
        r = report["sources"][src]
        rows.append({"source": src, **{k: r[k] for k in ("records", "kept", "rejected", "quarantined", "accounted", "ok")},
                     "top_drop": _top_drop(stage_stats, src, dedup), **_drops_by_stage(stage_stats, src, dedup, funnel_stages)})
    counts = ["records", "kept", "rejected", "quarantined", "accounted", *(f"dropped_{st}" for st in funnel_stages)]
    total = {"source": "total", **{k: sum(r[k] for r in rows) for k in counts}, "ok": all(r["ok"] for r in rows), "top_drop": ""}

    summary = RunSummary(
        root=run.root, status=status, problems=problems, parts=(done, int(docs_meta.get("parts", done))),
        stages=_funnel(stage_stats, order, dedup), sources=rows, total=total,
        outputs=_outputs(run, meta), next_steps=_next_steps(run, meta, status),
    )
    for check in CHECKS:
        summary.warnings.extend(check(summary, stage_stats))
    return summary

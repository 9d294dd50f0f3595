"""What ran: the run, its sources, the per-document stages and phases with their settings, the quality chains, the columns. (Part of the datasheet's facts: see facts.py.)"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation.config.manifest import Source
from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.phases.order import PHASES
from curation.stages import PER_DOCUMENT_STAGES
from curation.stages.quality import FILTERS, QualityConfig


def run_facts(meta: dict[str, Any]) -> dict[str, Any]:
    pipeline_file = meta.get("pipeline_file")
    return {
        "name": meta["name"],
        "pipeline_file": Path(pipeline_file).name if pipeline_file else None,
        "seed": meta.get("seed"),
        "fingerprint": meta.get("fingerprint"),
        "reconciled": meta.get("reconciled"),
        "versions": dict(sorted(meta.get("versions", {}).items())),
    }


def source_facts(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's sources in pipeline order, with their location as the pipeline file wrote it."""
    written = {}
    for entry in meta.get("pipeline", {}).get("sources", []):
        sid = entry.get("use") or entry.get("id")
        if entry.get("location"):
            written[sid] = entry["location"]
    out = []
    for s in meta.get("sources", []):
        out.append({
            "id": s["id"], "name": s["name"], "languages": list(s["languages"]), "domain": s["domain"], "licence": s["licence"],
            "citation": s.get("citation"), "url": s.get("url"), "hf_id": s.get("hf_id"), "collection": s.get("collection"),
            "format": s["format"], "content": s.get("content", "text"), "annotations": list(s.get("annotations", [])),
            "phases": list(s.get("phases", [])), "dumps": list(s.get("dumps", [])), "notes": s.get("notes"),
            "programming_languages": list(s.get("programming_languages", [])),
            "location": written.get(s["id"], s["location"]),
            "has_url": bool((s.get("fields") or {}).get("url")) or s["format"] == "warc",
            "metadata_fields": sorted(((s.get("fields") or {}).get("metadata") or {}).keys()),
        })
    return out


def _first_paragraph(obj: Any) -> str | None:
    doc = inspect.getdoc(obj)
    return " ".join(doc.split("\n\n", 1)[0].split()) if doc else None


def stage_facts(meta: dict[str, Any]) -> dict[str, Any]:
    """What ran: the per-document stages in order (with what each does and its settings), the phases."""
    configs = meta.get("pipeline", {}).get("stages", {})
    status = meta.get("stages", {})
    order = list(status.get("documents", {}).get("order", []))
    modules = {cls.name: inspect.getmodule(cls) for cls in PER_DOCUMENT_STAGES}
    # The quality stage's filter settings and chains are reported per filter and per source instead.
    skip = {"quality": {"chains", "sources", *FILTERS}}
    per_document = [{"name": name, "does": _first_paragraph(modules.get(name)), "settings": settings(configs.get(name, {}), skip.get(name, set()))}
                    for name in order]
    chains = quality_chains(configs.get("quality"), meta.get("sources", [])) if "quality" in order else []
    used = sorted({f for c in chains for f in c["filters"]})
    run_order = {cls.name: i for i, cls in enumerate(PHASES)}
    phases = {name: s.get("status") for name, s in sorted(status.items(), key=lambda kv: (run_order.get(kv[0], len(run_order)), kv[0])) if name != "documents"}
    return {
        "order": order,
        "per_document": per_document,
        # Per-document stages of the run and whole-run phases that finished: what the datasheet may say was done.
        "ran": order + [name for name, st in phases.items() if st == "done"],
        "phases": phases,
        "configs": configs,
        "rejected_rows": configs.get("read", {}).get("rejected", "full"),
        "quality_chains": chains,
        "quality_filters": [{"name": f, "description": FILTERS[f].description if f in FILTERS else None, "settings": settings(configs["quality"].get(f, {}))} for f in used],
    }


def settings(config: dict[str, Any], skip: set[str] = frozenset(), prefix: str = "") -> dict[str, Any]:
    """A stage's configuration as flat `a.b=value` pairs (nested sections dotted), without `enabled`."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key in skip or (not prefix and key == "enabled"):
            continue
        if isinstance(value, dict) and value:
            out.update(settings(value, prefix=f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def quality_chains(cfg: dict[str, Any] | None, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per source: the quality filters of its chain that apply to it (the stage skips the others), with
    the same rule as curation.stages.quality (QualityConfig.chain_for, QualityFilter.applies_to)."""
    from pydantic import ValidationError

    if not cfg:
        return []
    try:
        config = QualityConfig.model_validate(cfg)
        resolved = [Source.model_validate(raw) for raw in sources]
    except ValidationError as e:
        first = e.errors()[0]
        raise UserError(f"run.json: the run's recorded configuration does not validate with this version of curation "
                        f"({'.'.join(str(x) for x in first['loc'])}: {first['msg']}); regenerate the run with it") from None
    out = []
    for source in resolved:
        applied, skipped = [], []
        for name in config.chain_for(source):
            cls = FILTERS[name]
            (applied if cls(getattr(config, name)).applies_to(source) else skipped).append(name)
        out.append({"source": source.id, "domain": source.domain, "filters": applied, "skipped": skipped})
    return out


# What each column of the documents holds (curation/core/schema.py and the stages that add columns).
COLUMN_DESCRIPTIONS = {
    "id": "identifier: the source's native id, or source + file + record offset",
    "text": "the document's text",
    "source": "the source id (sources.yaml)",
    "language": "ISO 639-1 language code, or `code` for source code",
    "language_score": "confidence of the language label",
    "url": "the URL the document was taken from, where the source records one",
    "metadata": "the native fields the source's field map keeps (JSON)",
    "origin": "where the record came from: file and record offset",
    "language_ratio": "fraction of the text in the document's language",
    "quality_score": "the CURATE quality score, where a scoring filter ran",
    "quality_factors": "for a document the quality stage dropped after CURATE scored it: each CURATE evaluator's multiplier on the score (JSON)",
    "exact_hash": "the first 128 bits of the SHA-512 of the text (exact deduplication)",
    "minhash": "the MinHash signature of the text's shingles (near-duplicate detection)",
    "dedup_cluster": "the duplicate cluster the document belongs to, if any",
}


def column_facts(run: RunDir, sources: list[str]) -> list[dict[str, Any]]:
    """The columns of the kept documents as written (the schema of the first docs file)."""
    for src in sources:
        files = sorted(run.docs(src).glob("*.parquet")) if run.docs(src).is_dir() else []
        if files:
            schema = pq.read_schema(files[0])
            return [{"name": f.name, "type": str(f.type), "description": COLUMN_DESCRIPTIONS.get(f.name)} for f in schema]
    return []

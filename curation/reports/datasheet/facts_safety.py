"""Personal data, URL blocklists, decontamination and source filters: what the pii, blocklist and
decontaminate stages and the sources' `filter:` did, per source. (Part of the datasheet's facts: see facts.py.)"""

from __future__ import annotations

from typing import Any

from curation.engine.stats import per_source
from curation.stages.pii import DOCUMENTS_WITH_PII, LABELS


def _per_source(stages: dict[str, Any], stage: str, key: str) -> dict[str, dict[str, int]]:
    """source -> {name: n} of a stage's cells (`key`: "counted" or "dropped"); sources with none left out."""
    return {src: names for src, names in per_source(stages["stages"], stage, key).items() if names}


def pii_facts(stages: dict[str, Any], configs: dict[str, Any]) -> dict[str, Any] | None:
    if "pii" not in stages["order"]:
        return None
    counted = _per_source(stages, "pii", "counted")
    kinds = [k for k in LABELS if any(k in c for c in counted.values())]
    rows = [{"source": src, "documents": c.get(DOCUMENTS_WITH_PII, 0), "kinds": {k: c.get(k, 0) for k in kinds}} for src, c in counted.items()]
    dropped = sum(sum(d.values()) for d in _per_source(stages, "pii", "dropped").values())
    return {"mode": configs.get("pii", {}).get("mode", "none"), "kinds": kinds, "sources": rows, "dropped": dropped,
            "total": {k: sum(r["kinds"][k] for r in rows) for k in kinds}, "documents": sum(r["documents"] for r in rows)}


def blocklist_facts(stages: dict[str, Any], configs: dict[str, Any]) -> dict[str, Any] | None:
    if "blocklist" not in stages["order"]:
        return None
    cfg = configs.get("blocklist", {})
    return {"lists": cfg.get("lists"), "categories": cfg.get("categories", []), "dropped": _per_source(stages, "blocklist", "dropped")}


def decontamination_facts(stages: dict[str, Any], configs: dict[str, Any]) -> dict[str, Any] | None:
    if "decontaminate" not in stages["order"]:
        return None
    cfg = configs.get("decontaminate", {})
    counted = _per_source(stages, "decontaminate", "counted")
    sets = []
    for ev in cfg.get("against", []):
        key = f"documents_matching:{ev['name']}"
        per_source = {src: c[key] for src, c in counted.items() if c.get(key)}
        sets.append({"name": ev["name"], "path": ev["path"], "documents": sum(per_source.values()), "sources": per_source})
    return {"mode": cfg.get("mode", "drop"), "ngram": cfg.get("ngram", 13), "sets": sets}


def source_filter_facts(stages: dict[str, Any], sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    read_drops = _per_source(stages, "read", "dropped")
    return [{"source": s["id"], "filter": s["filter"], "rejected": read_drops.get(s["id"], {}).get("source_filter", 0)} for s in sources if s.get("filter")]

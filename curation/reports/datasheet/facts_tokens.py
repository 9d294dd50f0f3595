"""Tokens: the tokenizer, the shards, token counts, the mixtures and their blends, the audit, per-language rows. (Part of the datasheet's facts: see facts.py.)"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.core.schema import SPLITS
from curation.phases.mix import load_mixture, resolve_mixture
from curation.reports.audit import audit_run, to_json
from curation.reports.datasheet.facts_io import read_json


def tokenizer_facts(run: RunDir, meta: dict[str, Any]) -> dict[str, Any] | None:
    """The tokenizer's settings read from the .model itself (what was trained, or the model given)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    model = run.tokenizer_model
    if not model.is_file():
        return None
    proto = pb.ModelProto()
    proto.ParseFromString(model.read_bytes())
    ts, ns = proto.trainer_spec, proto.normalizer_spec
    types = pb.ModelProto.SentencePiece.Type
    counts: dict[str, int] = defaultdict(int)
    for p in proto.pieces:
        counts[types.Name(p.type).lower()] += 1
    summary = meta.get("stages", {}).get("tokenizer", {})
    cfg = meta.get("pipeline", {}).get("tokenizer") or {}
    sample = read_json(run.tokenizer_sample)
    given = cfg.get("model")
    return {
        "origin": "given" if given else "trained",
        "given_model": Path(given).name if given else None,
        "model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "model_type": pb.TrainerSpec.ModelType.Name(ts.model_type),
        "vocab_size": len(proto.pieces),
        "pieces": dict(sorted(counts.items())),
        "control_symbols": [p.piece for p in proto.pieces if p.type == types.Value("CONTROL")],
        "byte_fallback": ts.byte_fallback,
        "split_digits": ts.split_digits,
        "character_coverage": ts.character_coverage,
        "allow_whitespace_only_pieces": ts.allow_whitespace_only_pieces,
        "max_sentence_length": ts.max_sentence_length,
        "normalization": ns.name,
        "normalization_rules": Path(ns.normalization_rule_tsv).name if ns.normalization_rule_tsv else None,
        "remove_extra_whitespaces": ns.remove_extra_whitespaces,
        "add_dummy_prefix": ns.add_dummy_prefix,
        "ids": {"unk": ts.unk_id, "bos": ts.bos_id, "eos": ts.eos_id, "pad": ts.pad_id},
        "hf_export": run.hf_tokenizer.is_dir(),
        "status": summary.get("status"),
        "train_config": cfg.get("train"),
        "sample": None if sample is None else {
            "alpha": sample.get("alpha"), "documents": sample.get("total_docs"), "bytes": sample.get("total_bytes"),
            "bound": sample.get("sample_bytes_bound"),
            "languages": [{"language": lang, "documents": c["sample_docs"], "bytes": c["sample_bytes"], "corpus_bytes": c["corpus_bytes"]}
                          for lang, c in sorted(sample.get("languages", {}).items())],
        },
    }


def shard_facts(manifest: dict[str, Any] | None, tokens: dict[str, Any] | None) -> dict[str, Any] | None:
    if manifest is None:
        return None
    splits = {s: {"documents": 0, "tokens": 0} for s in SPLITS}
    if tokens is not None:
        for langs in tokens["sources"].values():
            for cell in langs.values():
                for s in SPLITS:
                    splits[s]["documents"] += cell[s]["documents"]
                    splits[s]["tokens"] += cell[s]["tokens"]
    total_tokens = sum(v["tokens"] for v in splits.values()) or 1
    return {
        "format": manifest.get("format"),
        "dtype": manifest.get("dtype"),
        "count": manifest["totals"]["shards"],
        "documents": manifest["totals"]["documents"],
        "tokens": manifest["totals"]["tokens"],
        "settings": manifest.get("settings", {}),
        "eod_id": manifest.get("tokenizer", {}).get("eod_id"),
        "splits": [{"split": s, **splits[s], "share": 100.0 * splits[s]["tokens"] / total_tokens} for s in SPLITS],
    }


def token_facts(tokens: dict[str, Any] | None, audit: dict[str, Any] | None, recon: dict[str, Any], problems: list[str]) -> dict[str, Any] | None:
    """Documents and tokens per source (the audit's, read from the .idx files) with bytes and splits from
    stats/tokens.json."""
    if tokens is None or audit is None:
        return None
    rows = []
    for a in audit["sources"]:
        cells = tokens["sources"].get(a["source"], {}).values()
        row = {"source": a["source"], "documents": a["documents"], "tokens": a["tokens"], "bytes": sum(c["bytes"] for c in cells)}
        for s in SPLITS:
            row[f"{s}_tokens"] = sum(c[s]["tokens"] for c in cells)
        row["bytes_per_token"] = row["bytes"] / row["tokens"] if row["tokens"] else None
        rows.append(row)
    rows.sort(key=lambda r: (-r["tokens"], r["source"]))
    total = {k: sum(r[k] for r in rows) for k in ("documents", "tokens", "bytes", *(f"{s}_tokens" for s in SPLITS))}
    kept = recon["total"]["kept"]
    if total["documents"] != kept:
        problems.append(f"the shards hold {total['documents']} documents, {kept} are kept on disk")
    return {"sources": rows, "total": total}


def _recipe_for(ref: str | None, base: Path | None, name: str, budget: float) -> Any:
    """The mixture recipe a blend was made from, if it can still be found and matches the blend."""
    try:
        recipe = load_mixture(resolve_mixture(ref or name, base))
    except UserError:
        return None
    return recipe if recipe.name == name and recipe.token_budget == budget else None


def mixture_facts(run: RunDir, meta: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every blend of the run (RUN/blend/<mixture>.weights.json), the pipeline's own first, and the recipes
    (curation.phases.mix.Mixture) that could be found for them, by name."""
    folder = run.blend
    ref = meta.get("pipeline", {}).get("mixture")
    pipeline_file = meta.get("pipeline_file")
    base = Path(pipeline_file).parent if pipeline_file else None
    pipeline_name = meta.get("stages", {}).get("mix", {}).get("mixture")
    out, recipes = [], {}
    for path in sorted(folder.glob("*.weights.json")) if folder.is_dir() else []:
        w = read_json(path)
        name = w["mixture"]
        ours = ref is not None and (name == pipeline_name or (pipeline_name is None and Path(ref).stem == name))
        recipe = _recipe_for(ref if ours else None, base if ours else None, name, w["token_budget"])
        if recipe is not None:
            recipes[name] = recipe
        train = w["splits"]["train"]
        out.append({
            "name": name,
            "pipeline": ours,
            "token_budget": w["token_budget"],
            "recipe": None if recipe is None else {
                "description": recipe.description, "seq_length": recipe.seq_length, "phase": recipe.select.phase,
                "sources": recipe.select.sources, "languages": recipe.select.languages,
                "exclude": [e.model_dump() for e in recipe.select.exclude], "eval_weighting": recipe.eval_weighting,
                "default_factor": recipe.sampling.default, "notes": recipe.notes,
            },
            "train_shards": len(train),
            "eval_shards": {s: len(w["splits"].get(s, [])) for s in ("valid", "test")},
            "languages": _blend_rows(train, w["languages"], "language", w["token_budget"]),
            "sources": _blend_rows(train, w["sources"], "source", w["token_budget"]),
        })
    out.sort(key=lambda m: (not m["pipeline"], m["name"]))
    return out, recipes


def _blend_rows(train: list[dict[str, Any]], shares: dict[str, Any], key: str, budget: float) -> list[dict[str, Any]]:
    rows = []
    for name, v in shares.items():
        entries = [e for e in train if e[key] == name]
        factors = sorted({e["factor"] for e in entries})
        tokens = sum(e["tokens"] for e in entries)
        weight = sum(e["weight"] for e in entries)
        rows.append({key: name, "tokens": int(v["tokens"]), "raw_share": v["raw_share"], "factor": factors[0] if len(factors) == 1 else None,
                     "factors": factors, "share": v["share"], "epochs": budget * weight / tokens if tokens else 0.0})
    rows.sort(key=lambda r: (-r["share"], r[key]))
    return rows


def audit_facts(run: RunDir, manifest: dict[str, Any] | None, recipe: Any) -> dict[str, Any] | None:
    if manifest is None:
        return None
    return to_json(audit_run(run.root, recipe))


def language_facts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Per language: kept documents, and the audit's tokens and shares where the run has shards."""
    docs: dict[str, int] = defaultdict(int)
    for r in facts["documents"]:
        docs[r["language"]] += r["documents"]
    total_docs = sum(docs.values()) or 1
    audit = {r["language"]: r for r in facts["audit"]["languages"]} if facts["audit"] else {}
    mixed = {r["language"]: r for r in facts["mixture"]["languages"]} if facts["mixture"] else {}
    rows = []
    for lang in sorted(set(docs) | set(audit)):
        a = audit.get(lang, {})
        rows.append({
            "language": lang,
            "documents": docs.get(lang, 0),
            "document_share": 100.0 * docs.get(lang, 0) / total_docs,
            "tokens": a.get("tokens"),
            "train_tokens": a.get("train_tokens"),
            "valid_tokens": a.get("valid_tokens"),
            "test_tokens": a.get("test_tokens"),
            "raw_share": a.get("raw_share"),
            "mixed_share": mixed[lang]["share"] if lang in mixed else None,
            "factor": mixed[lang]["factor"] if lang in mixed else None,
            "epochs": mixed[lang]["epochs"] if lang in mixed else None,
            "salamandra": a.get("salamandra_alia_40b"),
        })
    key = "tokens" if audit else "documents"
    rows.sort(key=lambda r: (-(r[key] or 0), r["language"]))
    return rows

"""Every number and fact the datasheet states, collected from a run directory into one plain dict.

Sources of each fact (nothing else is read, nothing is made up):
- run.json: the resolved sources (sources.yaml entries with the pipeline's overrides), the stage order and
  every stage's configuration, phase statuses, seed, software versions;
- stats/: stages.json (documents in/out and drops by reason per stage), reconciliation.json (records,
  kept, rejected, quarantined per source), dedup.json (duplicates removed), tokens.json (documents, bytes
  and tokens per source x language x split);
- the token audit (curation.reports.audit.audit_run: counts read back from the shards' .idx files);
- shards/manifest.json, tokenizer/ (the SentencePiece model itself, its training sample), blend/*.weights.json
  (the mixture: factors, shares, epochs) and the mixture recipe;
- the footers of the docs/ parquet files (missing values per column).

Numbers are kept as numbers; the template formats them. No timestamps or absolute paths of the run
directory go in, so that the same run always gives the same datasheet.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.core.schema import SPLITS

# What each quality filter does (curation/stages/quality/*), for the preprocessing answer.
FILTER_DESCRIPTIONS = {
    "oscar": "Colossal OSCAR's own annotations, as LLM-Datasets filters them: quality warnings, harmful_pp (perplexity under a KenLM trained on harmful content) bounds, UT1 blocklist categories",
    "curate": "the CURATE heuristic document score (Palomar-Giner et al., 2024), documents below the threshold dropped",
    "gopher": "Gopher quality rules (Rae et al., 2021)",
    "gopher_repetition": "Gopher repetition rules (Rae et al., 2021)",
    "c4": "C4 document rules (Raffel et al., 2020)",
    "fineweb": "FineWeb line-level rules (Penedo et al., 2024)",
    "edu": "FineWeb-Edu's educational score threshold",
    "code": "StarCoder-style code rules (Li et al., 2023)",
}

# Columns of the documents whose missing values the datasheet reports (curation/core/schema.py).
MISSING_COLUMNS = ("url", "language", "language_score", "metadata", "quality_score")


def _read_json(path: Path, what: str | None = None) -> Any:
    """A JSON file of the run; `what` given: the file is required and its absence is the user's error."""
    if not path.is_file():
        if what is None:
            return None
        raise UserError(f"{path}: missing; {what}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not valid JSON (line {e.lineno}): the run directory is damaged; rerun `curate run`") from None


def collect(run_dir: str | Path) -> dict[str, Any]:
    run = RunDir(run_dir)
    if not run.root.is_dir():
        raise UserError(f"{run.root}: no such run directory")
    meta = _read_json(run.run_json, "not a run directory (run.json is written by `curate run`)")
    stages = _read_json(run.stage_stats, "the run has not finished; rerun `curate run` to complete it")
    recon = _read_json(run.stats / "reconciliation.json", "the run has not finished; rerun `curate run` to complete it")
    dedup = _read_json(run.dedup_stats)
    tokens = _read_json(run.token_stats)
    manifest = _read_json(run.shards_manifest)
    problems: list[str] = []

    sources = _sources(meta)
    facts: dict[str, Any] = {
        "run": _run(meta),
        "sources": sources,
        "stages": _stages(meta),
        "columns": _columns(run, [s["id"] for s in sources]),
        "reconciliation": _reconciliation(recon, sources),
        "drops": _drops(stages, dedup),
        "dedup": _dedup(dedup, meta),
        "missing": _missing(run, [s["id"] for s in sources]),
    }
    facts["funnel"] = _funnel(stages, recon, dedup, problems)
    facts["documents"] = _documents(stages, dedup, recon, sources, problems)
    facts["tokenizer"] = _tokenizer(run, meta)
    facts["shards"] = _shards(manifest, tokens)
    facts["mixtures"], recipes = _mixtures(run, meta)
    # The mixture the datasheet describes: the pipeline's own, else the first blend made with `curate mix`.
    facts["mixture"] = facts["mixtures"][0] if facts["mixtures"] else None
    facts["audit"] = _audit(run, manifest, recipes.get(facts["mixture"]["name"]) if facts["mixture"] else None)
    facts["tokens"] = _tokens(tokens, facts["audit"], recon, problems)
    facts["languages"] = _languages(facts)
    facts["problems"] = problems + (facts["audit"]["problems"] if facts["audit"] else [])
    return facts


# --- run, sources, stages --------------------------------------------------------------------------


def _run(meta: dict[str, Any]) -> dict[str, Any]:
    pipeline_file = meta.get("pipeline_file")
    return {
        "name": meta["name"],
        "pipeline_file": Path(pipeline_file).name if pipeline_file else None,
        "seed": meta.get("seed"),
        "fingerprint": meta.get("fingerprint"),
        "reconciled": meta.get("reconciled"),
        "versions": dict(sorted(meta.get("versions", {}).items())),
    }


def _sources(meta: dict[str, Any]) -> list[dict[str, Any]]:
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


def _stages(meta: dict[str, Any]) -> dict[str, Any]:
    """What ran: the per-document stages in order (with what each does and its settings), the phases."""
    from curation.phases.order import PHASES
    from curation.stages import PER_DOCUMENT_STAGES
    from curation.stages.quality import FILTERS

    configs = meta.get("pipeline", {}).get("stages", {})
    status = meta.get("stages", {})
    order = list(status.get("documents", {}).get("order", []))
    modules = {cls.name: inspect.getmodule(cls) for cls in PER_DOCUMENT_STAGES}
    # The quality stage's filter settings and chains are reported per filter and per source instead.
    skip = {"quality": {"chains", "sources", *FILTERS}}
    per_document = [{"name": name, "does": _first_paragraph(modules.get(name)), "settings": settings(configs.get(name, {}), skip.get(name, set()))}
                    for name in order]
    chains = _quality_chains(configs.get("quality"), meta.get("sources", [])) if "quality" in order else []
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
        "quality_filters": [{"name": f, "description": FILTER_DESCRIPTIONS.get(f), "settings": settings(configs["quality"].get(f, {}))} for f in used],
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


def _quality_chains(cfg: dict[str, Any] | None, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per source: the quality filters of its chain that apply to it (the stage skips the others), with
    the same rule as curation.stages.quality (QualityConfig.chain_for, QualityFilter.applies_to)."""
    from pydantic import ValidationError

    from curation.config.manifest import Source
    from curation.stages.quality import FILTERS, QualityConfig

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
    "exact_hash": "the first 128 bits of the SHA-512 of the text (exact deduplication)",
    "minhash": "the MinHash signature of the text's shingles (near-duplicate detection)",
    "dedup_cluster": "the duplicate cluster the document belongs to, if any",
}


def _columns(run: RunDir, sources: list[str]) -> list[dict[str, Any]]:
    """The columns of the kept documents as written (the schema of the first docs file)."""
    for src in sources:
        files = sorted(run.docs(src).glob("*.parquet")) if run.docs(src).is_dir() else []
        if files:
            schema = pq.read_schema(files[0])
            return [{"name": f.name, "type": str(f.type), "description": COLUMN_DESCRIPTIONS.get(f.name)} for f in schema]
    return []


# --- counts ----------------------------------------------------------------------------------------


def _reconciliation(recon: dict[str, Any], sources: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [{"source": sid, **{k: r[k] for k in ("records", "kept", "rejected", "quarantined")}} for sid, r in recon["sources"].items()]
    order = {s["id"]: i for i, s in enumerate(sources)}
    rows.sort(key=lambda r: order.get(r["source"], len(order)))
    return {"ok": bool(recon["ok"]), "sources": rows, "total": {k: recon["total"][k] for k in ("records", "kept", "rejected", "quarantined")}}


def _stage_drops(stages: dict[str, Any]) -> dict[str, dict[str, dict[str, int]]]:
    """stage -> source -> reason -> documents dropped."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for stage in stages["order"]:
        per_source: dict[str, dict[str, int]] = {}
        for src, langs in stages["stages"].get(stage, {}).items():
            acc: dict[str, int] = defaultdict(int)
            for cell in langs.values():
                for reason, n in cell["dropped"].items():
                    acc[reason] += n
            per_source[src] = dict(acc)
        out[stage] = per_source
    return out


def _dedup_drops(dedup: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    if not dedup:
        return {}
    out = {}
    for src, langs in dedup["sources"].items():
        exact = sum(c["removed_exact"] for c in langs.values())
        near = sum(c["removed_near"] for c in langs.values())
        out[src] = {k: v for k, v in (("duplicate:exact", exact), ("duplicate:near", near)) if v}
    return out


def _drops(stages: dict[str, Any], dedup: dict[str, Any] | None) -> dict[str, Any]:
    """Documents removed, per stage and reason (all sources) and per stage and source."""
    per_stage = _stage_drops(stages)
    if dedup is not None:
        per_stage["dedup"] = _dedup_drops(dedup)
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


def _funnel(stages: dict[str, Any], recon: dict[str, Any], dedup: dict[str, Any] | None, problems: list[str]) -> list[dict[str, Any]]:
    """Documents in -> after each stage -> out. Every step is a count from the run's stats; the last one
    must equal the documents on disk (the reconciliation's `kept`)."""
    total = recon["total"]
    steps = [{"step": "input records", "removed": 0, "documents": total["records"]}]
    left = total["records"] - total["quarantined"]
    steps.append({"step": "parsed (unparseable records quarantined)", "removed": total["quarantined"], "documents": left})
    per_stage = _stage_drops(stages)
    if dedup is not None:
        per_stage["dedup"] = _dedup_drops(dedup)
    for stage, srcs in per_stage.items():
        removed = sum(n for rs in srcs.values() for n in rs.values())
        left -= removed
        steps.append({"step": stage, "removed": removed, "documents": left})
    if left != total["kept"]:
        problems.append(f"the stage statistics leave {left} documents, but {total['kept']} are on disk (stats/reconciliation.json)")
    steps.append({"step": "kept (documents on disk)", "removed": 0, "documents": total["kept"]})
    return steps


def _dedup(dedup: dict[str, Any] | None, meta: dict[str, Any]) -> dict[str, Any] | None:
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


def _documents(stages: dict[str, Any], dedup: dict[str, Any] | None, recon: dict[str, Any], sources: list[dict[str, Any]], problems: list[str]) -> list[dict[str, Any]]:
    """Kept documents per source x language: the dedup phase's count of the docs parts when it ran (it
    counts the files), else the last stage's output."""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    if dedup is not None:
        for src, langs in dedup["sources"].items():
            for lang, c in langs.items():
                cells[(src, lang)] += c["docs_out"]
    else:
        from curation.engine.stats import summary_rows

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


def _missing(run: RunDir, sources: list[str]) -> list[dict[str, Any]]:
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


# --- tokens, tokenizer, shards, mixture, audit -------------------------------------------------------


def _tokenizer(run: RunDir, meta: dict[str, Any]) -> dict[str, Any] | None:
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
    sample = _read_json(run.tokenizer_sample)
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


def _shards(manifest: dict[str, Any] | None, tokens: dict[str, Any] | None) -> dict[str, Any] | None:
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


def _tokens(tokens: dict[str, Any] | None, audit: dict[str, Any] | None, recon: dict[str, Any], problems: list[str]) -> dict[str, Any] | None:
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
    from curation.phases.mix import load_mixture, resolve_mixture

    try:
        recipe = load_mixture(resolve_mixture(ref or name, base))
    except UserError:
        return None
    return recipe if recipe.name == name and recipe.token_budget == budget else None


def _mixtures(run: RunDir, meta: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every blend of the run (RUN/blend/<mixture>.weights.json), the pipeline's own first, and the recipes
    (curation.phases.mix.Mixture) that could be found for them, by name."""
    folder = run.blend
    ref = meta.get("pipeline", {}).get("mixture")
    pipeline_file = meta.get("pipeline_file")
    base = Path(pipeline_file).parent if pipeline_file else None
    pipeline_name = meta.get("stages", {}).get("mix", {}).get("mixture")
    out, recipes = [], {}
    for path in sorted(folder.glob("*.weights.json")) if folder.is_dir() else []:
        w = _read_json(path)
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


def _audit(run: RunDir, manifest: dict[str, Any] | None, recipe: Any) -> dict[str, Any] | None:
    if manifest is None:
        return None
    from curation.reports.audit import audit_run, to_json

    return to_json(audit_run(run.root, recipe))


def _languages(facts: dict[str, Any]) -> list[dict[str, Any]]:
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

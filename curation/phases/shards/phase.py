"""The `shards` phase: the run's surviving documents -> Megatron shards per (language, source, split).

    docs/<source>/*.parquet --(Ray: tokenize, one task per file)--> work/shards/runs/... sorted runs
        --(Ray: plan, one task per group)--> shard boundaries at the token cap
        --(Ray: write, one task per shard)--> shards/<lang>/<source>[-<k>]_{train,valid,test}_text_document.{bin,idx}
    shards/manifest.json (documents, tokens, dtype, sha256 of every shard), stats/tokens.json

Every task leaves a ledger marker (`ledger/shards/...`) after its outputs, so a killed run resumes; the
phase's fingerprint (tokenizer model, shard settings, seed, run configuration) is recorded, and a change of
any of them redoes the phase from scratch. The intermediate runs are deleted once the manifest is written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from curation.core.errors import UserError
from curation.core.rundir import RunDir, write_atomic, write_json
from curation.engine.executor import map_resumable
from curation.engine.ledger import Ledger
from curation.engine.phase import Phase, PhaseContext
from curation.formats.indexed import optimal_dtype
from curation.phases.shards.config import ShardsConfig
from curation.phases.shards.merge import Group, Run, plan_group, shard_jobs, write_shard
from curation.core.schema import SPLITS
from curation.phases.shards.tokenize import TokenizeContext, tokenize_docs_file
from curation.phases.tokenizer.documents import DocsFile, docs_files
from curation.phases.tokenizer.phase import current_tokenizer, model_path

PHASE = "shards"
MANIFEST = "manifest.json"


def shards_dir(run: RunDir) -> Path:
    return run.shards


def build_shards(
    run: RunDir,
    *,
    sources: list[str],
    seed: int,
    run_fingerprint: str,
    config: ShardsConfig,
    ray_address: str | None = None,
    num_cpus: int | None = None,
    log=print,
) -> dict[str, Any]:
    tokenizer = current_tokenizer(run)
    if tokenizer is None:
        raise UserError(f"{run.root}: no tokenizer in {model_path(run).parent}; add `tokenizer:` to the pipeline or run `curate tokenizer train {run.root}`")
    import sentencepiece as spm

    model = model_path(run)
    model_bytes = model.read_bytes()
    sha = hashlib.sha256(model_bytes).hexdigest()
    sp = spm.SentencePieceProcessor(model_proto=model_bytes)
    vocab, eod = sp.get_piece_size(), sp.eos_id()
    dtype = optimal_dtype(vocab)
    fingerprint = hashlib.sha256(json.dumps([sha, seed, run_fingerprint, config.model_dump(mode="json")], sort_keys=True).encode()).hexdigest()[:16]

    ledger_root = run.ledger(PHASE)
    out, work = shards_dir(run), run.work(PHASE)
    stamp = ledger_root / "fingerprint"
    done = Ledger(ledger_root)
    if stamp.exists() and stamp.read_text().strip() == fingerprint and done.is_done(PHASE) and (out / MANIFEST).is_file():
        _remove_work(work)
        return done.read(PHASE)
    if stamp.exists() and (stamp.read_text().strip() != fingerprint or done.is_done(PHASE)):
        # Made with another tokenizer or settings, or finished and since damaged: start over.
        log("shards: tokenizer or shard settings changed; rebuilding the shards")
        for folder in (out, work, ledger_root):
            shutil.rmtree(folder, ignore_errors=True)
    write_atomic(stamp, fingerprint + "\n")

    # 1. Tokenize every documents file into sorted runs.
    files = docs_files(run, sources)
    ctx = TokenizeContext(str(model.resolve()), sha, eod, dtype.name, seed, config, str(work.resolve()))
    tokenized = map_resumable(tokenize_docs_file, files, ctx, ledger_root / "tokenize", fingerprint, label="shards: tokenize", ray_address=ray_address, num_cpus=num_cpus)

    # 2. Plan each (language, source, split) group's shards.
    groups = shard_groups(files, tokenized, config.bucket_tokens)
    over_cap = [g for g in groups if g.tokens > config.max_tokens_per_shard]
    plans = map_resumable(plan_group, over_cap, ctx, ledger_root / "plan", fingerprint, label="shards: plan", ray_address=ray_address, num_cpus=num_cpus) if over_cap else {}

    # 3. Write every shard from the runs.
    jobs = [job for g in groups for job in shard_jobs(g, plans.get(g.key), out)]
    written = map_resumable(write_shard, jobs, ctx, ledger_root / "write", fingerprint, label="shards: write", ray_address=ray_address, num_cpus=num_cpus)

    shards = [{k: v for k, v in written[j.key].items() if k not in ("records", "fingerprint")} for j in jobs]
    manifest = {
        "format": "megatron-indexed-dataset",
        "tokenizer": {"model": tokenizer["model"], "model_sha256": sha, "vocab_size": vocab, "eod_id": eod},
        "dtype": dtype.name,
        "seed": seed,
        "settings": config.model_dump(mode="json", exclude={"enabled", "batch_docs", "run_tokens", "bucket_tokens"}),
        "shards": shards,  # "name": the path prefix relative to shards/
        "totals": {"shards": len(shards), "documents": sum(s["documents"] for s in shards), "tokens": sum(s["tokens"] for s in shards)},
    }
    write_json(out / MANIFEST, manifest)
    write_json(run.token_stats, _token_stats(tokenized, files, shards))
    summary = {"fingerprint": fingerprint, "dtype": dtype.name, **manifest["totals"]}
    done.mark_done(PHASE, summary)
    # The runs are intermediate: forget their markers first, then delete them.
    for folder in ("tokenize", "plan"):
        shutil.rmtree(ledger_root / folder, ignore_errors=True)
    _remove_work(work)
    return summary


def _remove_work(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    try:
        work.parent.rmdir()  # work/ itself, once no phase has anything left in it
    except OSError:
        pass


def shard_groups(files: list[DocsFile], tokenized: dict[str, Any], bucket_tokens: int) -> list[Group]:
    """The runs of every (language, source, split), in a fixed order: by documents file, then run."""
    runs: dict[tuple[str, str, str], list[Run]] = defaultdict(list)
    for f in files:
        for r in tokenized[f.key]["runs"]:
            runs[(r["language"], r["source"], r["split"])].append(Run(r["prefix"], r["documents"], r["tokens"]))
    order = sorted(runs, key=lambda k: (k[0], k[1], SPLITS.index(k[2])))
    return [Group(lang, src, split, tuple(runs[(lang, src, split)]), bucket_tokens) for lang, src, split in order]


def _token_stats(tokenized: dict[str, Any], files: list, shards: list[dict[str, Any]]) -> dict[str, Any]:
    """Per source x language: documents, UTF-8 bytes and tokens (EOD included), per split and in all."""
    cells: dict[str, dict[str, dict[str, dict[str, int]]]] = defaultdict(lambda: defaultdict(lambda: {s: {"documents": 0, "tokens": 0, "bytes": 0} for s in SPLITS}))
    for f in files:
        for lang, splits in tokenized[f.key]["counts"].items():
            for split, c in splits.items():
                cell = cells[f.source][lang][split]
                for k in ("documents", "tokens", "bytes"):
                    cell[k] += c[k]
    out: dict[str, Any] = {}
    for src in sorted(cells):
        out[src] = {}
        for lang in sorted(cells[src]):
            per = cells[src][lang]
            total = {k: sum(per[s][k] for s in SPLITS) for k in ("documents", "tokens", "bytes")}
            total["bytes_per_token"] = round(total["bytes"] / total["tokens"], 4) if total["tokens"] else None
            total["shards"] = sum(1 for s in shards if s["source"] == src and s["language"] == lang)
            out[src][lang] = {**total, **{s: per[s] for s in SPLITS}}
    grand = {k: sum(c[k] for langs in out.values() for c in langs.values()) for k in ("documents", "tokens", "bytes")}
    return {"sources": out, "total": grand}


class ShardsPhase(Phase):
    name = "shards"

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.tokenizer is not None and _config(ctx).enabled

    def outputs(self, run: RunDir) -> list[Path]:
        return [run.shards, run.work(PHASE), run.token_stats]

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        rp = ctx.pipeline
        return build_shards(
            ctx.run,
            sources=[s.id for s in rp.sources],
            seed=rp.pipeline.seed,
            run_fingerprint=ctx.fingerprint,
            config=_config(ctx),
            ray_address=ctx.ray_address,
            num_cpus=ctx.num_cpus,
            log=ctx.log,
        )


def _config(ctx: PhaseContext) -> ShardsConfig:
    return ctx.pipeline.pipeline.stages.shards

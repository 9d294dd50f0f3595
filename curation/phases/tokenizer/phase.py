"""The `tokenizer` phase (and `curate tokenizer train`): train a SentencePiece BPE on a language-balanced
sample of the run's documents, or take a given `.model`; write it and its Hugging Face export to
`RUN/tokenizer/`.

Resumable: the two sampling passes leave a marker per documents file; the finished tokenizer leaves
`ledger/tokenizer/tokenizer.json` (fingerprint of what made it, model sha256) after its files. A tokenizer
made by `curate tokenizer train` is kept by later `curate run`s of the same run directory (the command is
an explicit choice); rerun the command, or `curate run --force`, to replace it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Callable

from curation.core.errors import UserError
from curation.core.rundir import RunDir, write_atomic, write_json
from curation.engine.ledger import Ledger
from curation.engine.phase import Phase, PhaseContext, remove
from curation.phases.tokenizer.config import TokenizerConfig, TrainConfig
from curation.phases.tokenizer.hf import export_hf
from curation.phases.tokenizer.tokenizer_json import NotConvertible, tokenizer_json
from curation.phases.tokenizer.sample import draw_sample
from curation.phases.tokenizer.trainer import train_sentencepiece

PHASE = "tokenizer"
MODEL_FILE = "tokenizer.model"
_MARKER = "tokenizer"


def tokenizer_dir(run: RunDir) -> Path:
    return run.tokenizer


def model_path(run: RunDir) -> Path:
    return tokenizer_dir(run) / MODEL_FILE


def current_tokenizer(run: RunDir) -> dict[str, Any] | None:
    """The ledger entry of the run's finished tokenizer, or None."""
    ledger = Ledger(run.ledger(PHASE))
    return ledger.read(_MARKER) if ledger.is_done(_MARKER) and model_path(run).is_file() else None


def load_model_file(path: Path, where: str) -> bytes:
    """A user's `.model`, checked: SentencePiece loads it and it has an end-of-document piece."""
    import sentencepiece as spm

    if not path.is_file():
        raise UserError(f"{where}: field 'tokenizer.model': {path}: no such file")
    data = path.read_bytes()
    try:
        sp = spm.SentencePieceProcessor(model_proto=data)
    except (RuntimeError, OSError):
        raise UserError(f"{where}: field 'tokenizer.model': {path}: not a SentencePiece model") from None
    if sp.eos_id() < 0:
        raise UserError(f"{where}: field 'tokenizer.model': {path}: the model has no </s> (eos) piece to end documents with")
    try:
        tokenizer_json(data)  # the run ships a tokenizer.json with the model's ids: check before any work
    except NotConvertible as e:
        raise UserError(f"{where}: field 'tokenizer.model': {path}: no Hugging Face tokenizer.json can give its ids: {e}") from None
    return data


def _train_fingerprint(cfg: TrainConfig, seed: int, run_fingerprint: str) -> str:
    settings = cfg.model_dump(mode="json", exclude={"num_threads"})  # threads do not change the model
    return "train:" + hashlib.sha256(json.dumps([settings, seed, run_fingerprint], sort_keys=True).encode()).hexdigest()[:16]


def build_tokenizer(
    run: RunDir,
    *,
    sources: list[str],
    seed: int,
    run_fingerprint: str,
    cfg: TokenizerConfig,
    base_dir: Path,
    where: str,
    origin: str,
    ray_address: str | None = None,
    num_cpus: int | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Make (or keep) the run's tokenizer; returns the summary recorded in the ledger and run.json."""
    ledger = Ledger(run.ledger(PHASE))
    out = tokenizer_dir(run)
    previous = current_tokenizer(run)
    if cfg.model is not None:
        src = Path(cfg.model)
        src = src if src.is_absolute() else (base_dir / src)
        model = load_model_file(src.resolve(), where)
        fingerprint = "model:" + hashlib.sha256(model).hexdigest()[:16]
    else:
        assert cfg.train is not None
        fingerprint = _train_fingerprint(cfg.train, seed, run_fingerprint)
        model = None
    if previous and (previous["fingerprint"] == fingerprint or (previous.get("origin") == "cli" and origin != "cli")):
        if previous["fingerprint"] != fingerprint:
            log(f"tokenizer: keeping {model_path(run)} made by `curate tokenizer train` (rerun that command to change it)")
        return previous

    sample_stats: dict[str, Any] | None = None
    if model is None:
        assert cfg.train is not None
        workdir = run.work(PHASE)
        sample = draw_sample(run, sources, cfg.train, seed, workdir, run.ledger(PHASE) / "sample", ray_address=ray_address, num_cpus=num_cpus)
        sample_stats = sample.stats
        if not sample.stats["total_docs"]:
            raise UserError(f"{where}: field 'tokenizer.train': the run has no documents to train a tokenizer on")
        log(f"tokenizer: training a {cfg.train.vocab_size}-piece BPE on {sample.stats['total_docs']} documents ({sample.stats['total_bytes'] / 1e6:.1f} MB, {len(sample.cutoffs)} languages)")
        model = train_sentencepiece(sample.texts(), cfg.train, workdir, where)
        write_atomic(out / "nfc.tsv", (workdir / "nfc.tsv").read_bytes())
        # The candidates are intermediate: forget their markers first, then delete them.
        shutil.rmtree(run.ledger(PHASE) / "sample" / "draw", ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
        try:
            workdir.parent.rmdir()  # work/ itself, if no other phase has files there
        except OSError:
            pass

    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=model)
    write_atomic(out / MODEL_FILE, model)
    write_atomic(out / "tokenizer.vocab", "".join(f"{sp.id_to_piece(i)}\t{sp.get_score(i):g}\n" for i in range(sp.get_piece_size())))
    hf_files = export_hf(model, out / "hf")
    if sample_stats is not None:
        write_json(run.tokenizer_sample, sample_stats)
    summary = {
        "fingerprint": fingerprint,
        "origin": origin,
        "source": "trained" if cfg.model is None else str(cfg.model),
        "model": str(model_path(run).relative_to(run.root)),
        "model_sha256": hashlib.sha256(model).hexdigest(),
        "vocab_size": sp.get_piece_size(),
        "eos_id": sp.eos_id(),
        "hf": [f"tokenizer/hf/{f}" for f in hf_files],
        "sample": {"docs": sample_stats["total_docs"], "bytes": sample_stats["total_bytes"]} if sample_stats else None,
    }
    ledger.mark_done(_MARKER, summary)
    return summary




class TokenizerPhase(Phase):
    name = "tokenizer"

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.tokenizer is not None

    def reset(self, ctx: PhaseContext) -> list[str]:
        """A tokenizer trained by the pipeline is trained again on the changed documents; a given
        `.model` does not depend on them, and one made by `curate tokenizer train` (the user's explicit
        choice, with its own options) is kept, with a message."""
        remove(ctx.run.ledger(PHASE) / "sample")
        remove(ctx.run.work(PHASE))
        previous = current_tokenizer(ctx.run)
        if previous is None or previous.get("source") == "trained" and previous.get("origin") != "cli":
            remove(ctx.run.ledger(PHASE))
            remove(tokenizer_dir(ctx.run))
        elif previous.get("origin") == "cli":
            ctx.log(f"tokenizer: keeping {model_path(ctx.run)}, trained by `curate tokenizer train` on the previous inputs; rerun that command to train it on the changed ones")
        return []

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        rp = ctx.pipeline
        assert rp.pipeline.tokenizer is not None
        path = Path(rp.path) if rp.path else None
        return build_tokenizer(
            ctx.run,
            sources=[s.id for s in rp.sources],
            seed=rp.pipeline.seed,
            run_fingerprint=ctx.fingerprint,
            cfg=rp.pipeline.tokenizer,
            base_dir=path.parent if path else Path.cwd(),
            where=str(path) if path else "pipeline",
            origin="pipeline",
            ray_address=ctx.ray_address,
            num_cpus=ctx.num_cpus,
            log=ctx.log,
        )

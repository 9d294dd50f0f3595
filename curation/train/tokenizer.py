"""The run's tokenizer as the trainer needs it: its size and special ids, and its files next to the model."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from curation.core.errors import UserError
from curation.core.rundir import TMP_MARK, RunDir
from curation.phases.tokenizer.hf import export_hf
from curation.train.config import TrainConfig
from curation.train.model import padded_vocab


@dataclass
class Tokenizer:
    folder: Path  # holds tokenizer.model
    size: int
    bos: int
    eos: int
    pad: int  # -1: none


def find_tokenizer(run: RunDir, explicit: str | Path | None) -> Tokenizer | None:
    """The run's tokenizer (RUN/tokenizer/ next to RUN/blend/), or the folder/.model given."""
    if explicit is not None:
        folder = Path(explicit)
        folder = folder.parent if folder.suffix == ".model" else folder
        if not (folder / "tokenizer.model").is_file():
            raise UserError(f"--tokenizer {explicit}: no tokenizer.model there")
    else:
        folder = run.tokenizer
        if not run.tokenizer_model.is_file():
            return None
    import sentencepiece as spm

    try:
        sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    except (OSError, RuntimeError) as e:
        raise UserError(f"{folder / 'tokenizer.model'}: not a SentencePiece model ({e})") from None
    return Tokenizer(folder, sp.get_piece_size(), sp.bos_id(), sp.eos_id(), sp.pad_id())


def vocabulary(cfg: TrainConfig, tok: Tokenizer | None, run: RunDir) -> tuple[TrainConfig, int]:
    """The model's (padded) vocabulary; with a tokenizer, its `</s>` is the EOD (the shards phase appends it)."""
    m = cfg.model
    if tok is None:
        if m.vocab_size is None:
            raise UserError(f"no tokenizer at {run.tokenizer}: pass --tokenizer or set model.vocab_size")
        return cfg, padded_vocab(m.vocab_size, m.pad_vocab_to_multiple_of)
    if m.vocab_size is not None and m.vocab_size < tok.size:
        raise UserError(f"model.vocab_size {m.vocab_size} is smaller than the tokenizer's {tok.size} pieces ({tok.folder})")
    if tok.eos != cfg.data.eod_id:
        cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"eod_id": tok.eos})})
    return cfg, padded_vocab(m.vocab_size or tok.size, m.pad_vocab_to_multiple_of)


def save_tokenizer(tok: Tokenizer, out: Path, model_max_length: int) -> None:
    """The run's Hugging Face tokenizer files next to the model (exported from the .model if absent)."""
    for hf in (tok.folder / "hf", tok.folder):
        if (hf / "tokenizer_config.json").is_file():
            for f in sorted(hf.iterdir()):
                if f.is_file() and TMP_MARK not in f.name and f.suffix in (".json", ".model"):
                    shutil.copy2(f, out / f.name)
            if not (out / "tokenizer.model").exists():
                shutil.copy2(tok.folder / "tokenizer.model", out / "tokenizer.model")
            return
    export_hf((tok.folder / "tokenizer.model").read_bytes(), out, model_max_length=model_max_length)

"""What a training run writes besides checkpoints: log.jsonl and the final `save_pretrained` model."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from transformers.utils import logging as hf_logging

from curation.core.rundir import TMP_MARK, write_atomic
from curation.train.tokenizer import Tokenizer, save_tokenizer


class Log:
    """log.jsonl, rewritten on resume to end at the checkpoint's step (a killed run may have logged past it)."""

    def __init__(self, path: Path, resume_step: int):
        self.path = path
        kept = []
        if resume_step > 0 and path.exists():
            kept = [line for line in path.read_text().splitlines() if line and json.loads(line).get("step", 0) <= resume_step]
        write_atomic(path, "".join(line + "\n" for line in kept))
        self.file = open(path, "a", buffering=1)

    def write(self, record: dict) -> None:
        self.file.write(json.dumps(record, sort_keys=True) + "\n")

    def close(self) -> None:
        self.file.close()


def save_final(out: Path, model, state: dict | None, tok: Tokenizer | None, seq_length: int) -> Path:
    """`save_pretrained` model (+ tokenizer) under a temporary name, then renamed to out/model.
    `state`: the full state dict to save where the model's own parameters are shards (FSDP)."""
    final = out / "model"
    tmp = out / f"model{TMP_MARK}{time.time_ns()}"
    hf_logging.disable_progress_bar()  # one bar per file otherwise, in the middle of the training log
    model.save_pretrained(tmp, state_dict=state)
    if tok is not None:
        save_tokenizer(tok, tmp, seq_length)
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    return final

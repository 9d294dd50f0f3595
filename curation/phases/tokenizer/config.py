"""The pipeline's `tokenizer:` key: train a SentencePiece BPE (`{train: {...}}`) or take a `.model`.

Only what a user may reasonably tune is here. Salamandra's fixed trainer settings (byte fallback, split
digits, NFC, whitespace pieces, control and reserved tokens, ids) live in `curation.phases.tokenizer.trainer`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from curation.config.base import Strict

PRODUCTION_VOCAB_SIZE = 256_000  # Salamandra / ALIA


class TrainConfig(Strict):

    vocab_size: Annotated[int, Field(ge=512)] = PRODUCTION_VOCAB_SIZE
    # Language sampling exponent: each language's share of the sample is proportional to its bytes**alpha.
    # 0 = uniform over languages (Salamandra's released tokenizer, "alpha_0"); 1 = as in the corpus.
    alpha: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    # Upper bound on the training sample (UTF-8 bytes of whole documents). SentencePiece holds the sample
    # in memory while training, at several times its size.
    sample_bytes: Annotated[int, Field(ge=1)] = 1_000_000_000
    character_coverage: Annotated[float, Field(gt=0.0, le=1.0)] = 0.9995
    num_threads: Annotated[int, Field(ge=1)] | None = None  # default: every core of the driver


class TokenizerConfig(BaseModel):
    """`tokenizer: {train: {vocab_size: 256000}}` or `tokenizer: {model: path/to/tokenizer.model}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    train: TrainConfig | None = None
    model: str | None = None  # relative paths resolve against the pipeline file's folder

    @model_validator(mode="after")
    def _one_of(self) -> "TokenizerConfig":
        if (self.train is None) == (self.model is None):
            raise ValueError("give exactly one of 'train' (train a tokenizer) or 'model' (path to a SentencePiece .model)")
        return self

"""`stages.shards` of a pipeline: how the surviving documents become Megatron shards."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from curation.config.base import StageConfig


class ShardsConfig(StageConfig):
    # A (language, source, split) with more tokens than this is cut into parts <source>-<k>, each filled up
    # to the cap in shuffled order (a document longer than the cap gets a part of its own).
    max_tokens_per_shard: Annotated[int, Field(ge=1)] = 1_000_000_000
    # Held out per (language, source) by a hash of the document id (the same documents whatever the seed).
    valid_fraction: Annotated[float, Field(ge=0.0, le=0.5)] = 0.01
    test_fraction: Annotated[float, Field(ge=0.0, le=0.5)] = 0.01
    batch_docs: Annotated[int, Field(ge=1)] = 1024  # documents per SentencePiece call
    # Tokens a tokenization task holds before writing them out as a sorted run (bounds its memory:
    # about 3 x 4 bytes per token at 256k vocabulary).
    run_tokens: Annotated[int, Field(ge=1)] = 32 * 1024 * 1024
    # Tokens per key bucket when merging runs into shards (bounds the merge tasks' memory the same way).
    # Neither this nor run_tokens changes a byte of the shards.
    bucket_tokens: Annotated[int, Field(ge=1)] = 16 * 1024 * 1024

    @model_validator(mode="after")
    def _held_out(self) -> "ShardsConfig":
        if self.valid_fraction + self.test_fraction >= 1.0:
            raise ValueError("valid_fraction + test_fraction must leave documents for training")
        return self

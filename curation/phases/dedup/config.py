"""`stages.dedup` of a pipeline file: what the whole-run dedup phase does with the signatures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from curation.config.base import StageConfig


class DedupConfig(StageConfig):
    # Which documents may be duplicates of each other. "source" is what Salamandra did (within each
    # source); "language" compares documents of one language across sources; "global" compares all.
    scope: Literal["source", "language", "global"] = "source"
    # Exact dedup (SHA-512 of the text) always runs. `near: false` is Salamandra's documented method
    # (exact only); MinHash-LSH near-dedup is this project's addition.
    near: bool = True
    threshold: float = Field(0.8, gt=0, lt=1)  # Jaccard similarity of word 5-gram sets that makes a duplicate
    # LSH bands x rows come from the threshold as datasketch's MinHashLSH derives them, weighting the
    # false positive area by this and the false negative area by 1 - this. Default: 0.1 with
    # verification (lean to recall: verification removes the false positives), else datasketch's 0.5.
    # `bands` and `rows` override the derivation.
    false_positive_weight: float | None = Field(None, ge=0, le=1)
    bands: int | None = Field(None, ge=1)
    rows: int | None = Field(None, ge=1)
    # Check every candidate pair that LSH proposes with the 8-bit minwise estimate of its Jaccard
    # similarity, and drop it when the estimate is significantly (one-sided 95%) below `threshold`.
    verify: bool = True
    # Shuffle partitions (each a Ray task); default: from the number of documents (about 2M keys each).
    partitions: int | None = Field(None, ge=1, le=65536)
    # Runs whose documents this run is deduplicated against (their signatures are read, not recomputed);
    # their documents always win and are never changed. Relative paths resolve against the pipeline file.
    against: list[str] = []

    def lsh_weights(self) -> tuple[float, float]:
        fp = self.false_positive_weight if self.false_positive_weight is not None else (0.1 if self.verify else 0.5)
        return fp, 1 - fp

    @model_validator(mode="after")
    def _bands_and_rows_together(self) -> "DedupConfig":
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both 'bands' and 'rows', or neither")
        return self

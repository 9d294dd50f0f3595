"""Megatron-LM IndexedDataset shards (`.bin` + `.idx`) and the `shards` phase that writes them."""

from curation.megatron.indexed import (
    DTYPE_CODES,
    IndexedReader,
    IndexedWriter,
    ShardFiles,
    bin_path,
    idx_path,
    optimal_dtype,
)

__all__ = ["DTYPE_CODES", "IndexedReader", "IndexedWriter", "ShardFiles", "bin_path", "idx_path", "optimal_dtype"]

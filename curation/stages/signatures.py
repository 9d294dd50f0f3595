"""Per-document dedup signatures: the exact hash of the text and the MinHash signature, as columns.

The whole-run `dedup` phase (curation/phases/dedup/phase.py) clusters documents on these columns; computing
them here, in the per-part Ray tasks, means the global phase only reads small fixed-size values. The
stage drops nothing.

- `exact_hash`: the first 128 bits of SHA-512 of the document text as the normalize stage left it
  (Salamandra's documented method: SHA-512 of the text, within each source).
- `minhash`: `num_perm` uint32 values (curation/stages/minhash.py says exactly how they are made); null
  for a document with no word at all, which is then only exact-deduplicated.
- `dedup_cluster`: filled by the dedup phase for every member of a duplicate cluster (kept or removed);
  declared here so that every part of the run writes the same schema from the start.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
from pydantic import Field

from curation.stages.minhash import MinHasher
from curation.config.manifest import Source
from curation.config.base import StageConfig
from curation.core.resources import Resources
from curation.stages.base import Stage, StageOutput

EXACT_HASH_BYTES = 16


class SignaturesConfig(StageConfig):
    num_perm: int = Field(128, ge=2, le=1024)  # permutations (datasketch's num_perm)
    seed: int = Field(1, ge=0, lt=2**32)  # datasketch's seed: the same seed draws the same permutations
    ngram: int = Field(5, ge=1, le=32)  # word shingle length
    char_ngram: int = Field(5, ge=1, le=64)  # character shingle length, for text written without spaces
    # A document averaging more characters than this per whitespace-separated word is shingled by
    # characters (Chinese, Japanese, Thai); European prose averages 5 to 8.
    chars_per_word: float = Field(20.0, gt=0)

    def hasher(self) -> MinHasher:
        return MinHasher(self.num_perm, self.seed, self.ngram, self.char_ngram, self.chars_per_word)


class Signatures(Stage[SignaturesConfig]):
    name = "signatures"
    # the numba MinHash kernel runs single-threaded over the batch
    resources = Resources(cpus=1)
    columns = [
        pa.field("exact_hash", pa.binary(EXACT_HASH_BYTES)),
        pa.field("minhash", pa.list_(pa.uint32())),
        pa.field("dedup_cluster", pa.string()),
    ]

    def setup(self) -> None:
        self.hasher = self.config.hasher()
        self.hasher.signatures(["warm up the compiled kernel"])

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        texts = table["text"].combine_chunks()
        sigs, counts = self.hasher.signatures(texts)
        n, num_perm = sigs.shape
        minhash = pa.FixedSizeListArray.from_arrays(pa.array(sigs.reshape(-1), pa.uint32()), num_perm, mask=pa.array(counts == 0))
        table = table.append_column("exact_hash", pa.array(_exact_hashes(texts), pa.binary(EXACT_HASH_BYTES)))
        table = table.append_column("minhash", minhash.cast(pa.list_(pa.uint32())))
        return StageOutput(table, [None] * n)


def _exact_hashes(texts: pa.Array) -> list[bytes]:
    offsets_type = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    offsets = np.frombuffer(texts.buffers()[1], offsets_type)[texts.offset : texts.offset + len(texts) + 1]
    data = memoryview(texts.buffers()[2] or b"")
    return [hashlib.sha512(data[s:e]).digest()[:EXACT_HASH_BYTES] for s, e in zip(offsets[:-1].tolist(), offsets[1:].tolist())]

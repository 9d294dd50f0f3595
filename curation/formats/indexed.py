"""Megatron-LM IndexedDataset files: a writer and a reader, byte-compatible with megatron-core.

Layout (megatron/core/datasets/indexed_dataset.py, unchanged since the old MMapIndexedDataset):
`PREFIX.bin` holds every sequence's tokens back to back, no header. `PREFIX.idx` is, little-endian:
magic `MMIDIDX\\0\\0`, version uint64 = 1, dtype code uint8, sequence count uint64, document count uint64
(= number of documents + 1), then int32 sequence lengths, int64 byte pointers into the .bin, and int64
document indices (0, ..., S). We write one sequence per document, GPT style, so document_indices is
0..S. Token dtype: uint16 when the vocabulary has fewer than 65,500 pieces, int32 otherwise
(`DType.optimal_dtype`); there is no uint32 code, so larger vocabularies never use it.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curation.core.rundir import commit, tmp_path
from curation.core.errors import UserError

INDEX_MAGIC = b"MMIDIDX\x00\x00"
INDEX_VERSION = 1
HEADER_BYTES = 34  # magic 9 + version 8 + dtype code 1 + sequence count 8 + document count 8
DTYPE_CODES: dict[int, type[np.number]] = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}
_CODE_OF = {np.dtype(t): c for c, t in DTYPE_CODES.items()}
UINT16_VOCAB_LIMIT = 65_500  # megatron-core's threshold (not 65,536)
_CHUNK = 1 << 22  # tokens per buffered write when copying large arrays


def optimal_dtype(vocab_size: int) -> np.dtype:
    """The token dtype megatron-core picks for a vocabulary: uint16 below 65,500 pieces, else int32."""
    return np.dtype(np.uint16) if vocab_size < UINT16_VOCAB_LIMIT else np.dtype(np.int32)


def bin_path(prefix: str | Path) -> Path:
    return Path(f"{prefix}.bin")


def idx_path(prefix: str | Path) -> Path:
    return Path(f"{prefix}.idx")


def encode_index(lengths: np.ndarray, dtype: np.dtype) -> bytes:
    """The whole .idx file for one-sequence-per-document data with these sequence lengths."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.size and (lengths.min() < 0 or lengths.max() > np.iinfo(np.int32).max):
        raise ValueError("sequence lengths must fit in int32")
    dtype = np.dtype(dtype)
    pointers = np.zeros(lengths.size, np.int64)
    if lengths.size > 1:
        np.cumsum(lengths[:-1] * dtype.itemsize, out=pointers[1:])
    doc_idx = np.arange(lengths.size + 1, dtype=np.int64)
    header = INDEX_MAGIC + struct.pack("<Q", INDEX_VERSION) + struct.pack("<B", _CODE_OF[dtype]) + struct.pack("<QQ", lengths.size, doc_idx.size)
    return b"".join([header, lengths.astype("<i4").tobytes(), pointers.astype("<i8").tobytes(), doc_idx.astype("<i8").tobytes()])


@dataclass(frozen=True)
class ShardFiles:
    """What a finished shard holds, for the manifest."""

    prefix: str
    documents: int
    tokens: int
    dtype: str
    bin_sha256: str
    idx_sha256: str
    bin_bytes: int
    idx_bytes: int


class IndexedWriter:
    """Streams documents into `PREFIX.bin` and writes `PREFIX.idx` on `finalize()`.

    Both files are written under temporary names and renamed at the end, the .bin first: a prefix whose
    .idx exists is complete. Only the lengths (8 bytes per document) stay in memory.
    """

    def __init__(self, prefix: str | Path, dtype: np.dtype | type, *, durable: bool = True):
        self.prefix = Path(prefix)
        self.durable = durable  # fsync before renaming (final shards); intermediates skip it
        self.dtype = np.dtype(dtype)
        if self.dtype not in _CODE_OF:
            raise ValueError(f"dtype {self.dtype} has no Megatron code")
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        self._bin_tmp = tmp_path(bin_path(self.prefix))
        self._bin = open(self._bin_tmp, "wb", buffering=1 << 20)
        self._sha = hashlib.sha256()
        self._lengths: list[np.ndarray] = []
        self._pending: list[int] = []
        self.documents = 0
        self.tokens = 0

    def _write(self, data: np.ndarray) -> None:
        buf = memoryview(np.ascontiguousarray(data, dtype=self.dtype.newbyteorder("<"))).cast("B")
        self._sha.update(buf)
        self._bin.write(buf)

    def add_document(self, tokens: np.ndarray) -> None:
        """One document, one sequence (EOD already appended by the caller)."""
        self._write(tokens)
        self._pending.append(len(tokens))
        if len(self._pending) >= 65536:
            self._flush_lengths()
        self.documents += 1
        self.tokens += len(tokens)

    def add_documents(self, flat: np.ndarray, lengths: np.ndarray) -> None:
        """Many documents at once: their tokens back to back and one length per document."""
        lengths = np.asarray(lengths, dtype=np.int64)
        if int(lengths.sum()) != len(flat):
            raise ValueError("lengths do not add up to the tokens given")
        for start in range(0, len(flat), _CHUNK):
            self._write(flat[start : start + _CHUNK])
        self._flush_lengths()
        self._lengths.append(lengths)
        self.documents += len(lengths)
        self.tokens += len(flat)

    def _flush_lengths(self) -> None:
        if self._pending:
            self._lengths.append(np.asarray(self._pending, dtype=np.int64))
            self._pending = []

    def finalize(self) -> ShardFiles:
        self._flush_lengths()
        self._bin.flush()
        if self.durable:
            os.fsync(self._bin.fileno())
        self._bin.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
        index = encode_index(lengths, self.dtype)
        idx_final, bin_final = idx_path(self.prefix), bin_path(self.prefix)
        idx_tmp = tmp_path(idx_final)
        with open(idx_tmp, "wb") as f:
            f.write(index)
            f.flush()
            if self.durable:
                os.fsync(f.fileno())
        commit(self._bin_tmp, bin_final)
        commit(idx_tmp, idx_final)
        return ShardFiles(
            prefix=str(self.prefix),
            documents=self.documents,
            tokens=self.tokens,
            dtype=self.dtype.name,
            bin_sha256=self._sha.hexdigest(),
            idx_sha256=hashlib.sha256(index).hexdigest(),
            bin_bytes=self.tokens * self.dtype.itemsize,
            idx_bytes=len(index),
        )

    def abort(self) -> None:
        if not self._bin.closed:
            self._bin.close()
        self._bin_tmp.unlink(missing_ok=True)


class IndexedReader:
    """Memory-mapped view of a `PREFIX.bin/.idx` pair (what megatron-core's IndexedDataset reads)."""

    def __init__(self, prefix: str | Path):
        self.prefix = Path(prefix)
        path = idx_path(self.prefix)
        try:
            with open(path, "rb") as f:
                header = f.read(HEADER_BYTES)
        except OSError as e:
            raise UserError(f"{path}: cannot read the Megatron index: {e.strerror}") from None
        if len(header) < HEADER_BYTES or header[:9] != INDEX_MAGIC:
            raise UserError(f"{path}: not a Megatron .idx file (bad magic)")
        (version,) = struct.unpack("<Q", header[9:17])
        code = header[17]
        if version != INDEX_VERSION or code not in DTYPE_CODES:
            raise UserError(f"{path}: unsupported Megatron index (version {version}, dtype code {code})")
        self.dtype = np.dtype(DTYPE_CODES[code])
        sequences, documents = struct.unpack("<QQ", header[18:34])
        expected = HEADER_BYTES + 12 * sequences + 8 * documents
        if path.stat().st_size < expected:
            raise UserError(f"{path}: truncated Megatron index ({path.stat().st_size} bytes, expected {expected})")
        # One map of the whole index, viewed as its three arrays.
        raw = np.memmap(str(path), dtype=np.uint8, mode="r")
        off = HEADER_BYTES
        self.lengths = raw[off : off + 4 * sequences].view("<i4")
        off += 4 * sequences
        self.pointers = raw[off : off + 8 * sequences].view("<i8")
        off += 8 * sequences
        self.document_indices = raw[off : off + 8 * documents].view("<i8")
        bpath = bin_path(self.prefix)
        size = bpath.stat().st_size if bpath.exists() else -1
        total = int(self.lengths.sum(dtype=np.int64))
        if size != total * self.dtype.itemsize:
            raise UserError(f"{bpath}: {size} bytes, the index says {total * self.dtype.itemsize}")
        self.tokens = np.memmap(str(bpath), dtype=self.dtype.newbyteorder("<"), mode="r") if total else np.zeros(0, self.dtype)

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, i: int) -> np.ndarray:
        start = int(self.pointers[i]) // self.dtype.itemsize
        return np.asarray(self.tokens[start : start + int(self.lengths[i])])

    @property
    def num_tokens(self) -> int:
        return int(self.lengths.sum(dtype=np.int64))

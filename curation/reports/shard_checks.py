"""Structural checks of a run's shards, without reading the token data (`curate audit` always runs them).

Megatron trusts the .idx: a wrong pointer or document index makes it read the wrong span of the .bin
silently. So every .idx is checked against the layout our writer produces (formats/indexed.py, one
sequence per document): header, exact file size, lengths >= 0, pointers == exclusive cumulative sum
of lengths x itemsize, document indices == 0..n, .bin size == total tokens x itemsize; and the
manifest against the files: per-shard counts, dtype and byte sizes, the totals, and no shard files the
manifest does not list. One line per problem. `--checksums` adds the sha256 of every byte.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from curation.formats.indexed import DTYPE_CODES, HEADER_BYTES, INDEX_MAGIC, INDEX_VERSION, bin_path, idx_path


@dataclass
class ShardShape:
    """What a structurally sound .idx says."""

    dtype: np.dtype
    documents: int
    tokens: int


def check_index(prefix: Path, name: str) -> tuple[ShardShape | None, list[str]]:
    """Check one PREFIX.idx/.bin pair; returns its shape (None if unusable) and the problems found."""
    path, bpath = idx_path(prefix), bin_path(prefix)
    if not path.is_file():
        return None, [f"shard {name}: {path.name} is missing"]
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or header[:9] != INDEX_MAGIC:
        return None, [f"shard {name}: {path.name} is not a Megatron index (bad magic)"]
    (version,) = struct.unpack("<Q", header[9:17])
    code = header[17]
    if version != INDEX_VERSION or code not in DTYPE_CODES:
        return None, [f"shard {name}: {path.name}: unsupported index (version {version}, dtype code {code})"]
    dtype = np.dtype(DTYPE_CODES[code])
    sequences, doc_count = struct.unpack("<QQ", header[18:34])
    expected = HEADER_BYTES + 12 * sequences + 8 * doc_count
    if size != expected:
        return None, [f"shard {name}: {path.name} is {size} bytes, its header ({sequences} sequences, {doc_count} document indices) needs {expected}"]
    raw = np.memmap(path, dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
    off = HEADER_BYTES
    lengths = raw[off : off + 4 * sequences].view("<i4").astype(np.int64)
    off += 4 * sequences
    pointers = raw[off : off + 8 * sequences].view("<i8")
    off += 8 * sequences
    doc_idx = raw[off : off + 8 * doc_count].view("<i8")
    problems = []
    if sequences and lengths.min() < 0:
        problems.append(f"shard {name}: {path.name}: negative sequence length at sequence {int(np.argmax(lengths < 0))}")
    want = np.zeros(sequences, np.int64)
    if sequences > 1:
        np.cumsum(lengths[:-1] * dtype.itemsize, out=want[1:])
    bad = np.flatnonzero(pointers != want)
    if bad.size:
        i = int(bad[0])
        problems.append(f"shard {name}: {path.name}: {bad.size} pointer(s) differ from the cumulative lengths, first at sequence {i} ({int(pointers[i])}, expected {int(want[i])})")
    if doc_count != sequences + 1 or (doc_count and not np.array_equal(doc_idx, np.arange(doc_count))):
        problems.append(f"shard {name}: {path.name}: document indices are not 0..{sequences} (one sequence per document)")
    tokens = int(lengths.sum())
    bin_size = bpath.stat().st_size if bpath.is_file() else None
    if bin_size is None:
        problems.append(f"shard {name}: {bpath.name} is missing")
    elif bin_size != tokens * dtype.itemsize:
        problems.append(f"shard {name}: {bpath.name} is {bin_size} bytes, the index says {tokens * dtype.itemsize}")
    return ShardShape(dtype, int(sequences), tokens), problems


def check_entry(entry: dict[str, Any], shape: ShardShape, prefix: Path) -> list[str]:
    """The manifest's record of one shard against what its files hold."""
    name = entry["name"]
    problems = []
    if shape.documents != int(entry["documents"]) or shape.tokens != int(entry["tokens"]):
        problems.append(f"shard {name}: the .idx holds {shape.documents} documents / {shape.tokens} tokens, the manifest says {entry['documents']} / {entry['tokens']}")
    if entry.get("dtype") and shape.dtype.name != entry["dtype"]:
        problems.append(f"shard {name}: dtype {shape.dtype.name} in the .idx, {entry['dtype']} in the manifest")
    for kind, path in (("bin", bin_path(prefix)), ("idx", idx_path(prefix))):
        want = entry.get(f"{kind}_bytes")
        if want is not None and path.is_file() and path.stat().st_size != int(want):
            problems.append(f"shard {name}: {path.name} is {path.stat().st_size} bytes, the manifest says {want}")
    return problems


def check_totals(manifest: dict[str, Any], path: Path) -> list[str]:
    totals = manifest.get("totals")
    if not isinstance(totals, dict):
        return [f"{path}: no 'totals'"]
    shards = manifest["shards"]
    actual = {"shards": len(shards), "documents": sum(int(s["documents"]) for s in shards), "tokens": sum(int(s["tokens"]) for s in shards)}
    return [f"{path}: totals.{k} is {totals.get(k)}, its shards add up to {v}" for k, v in actual.items() if totals.get(k) != v]


def unlisted(shards_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """Shard files on disk that the manifest does not list (left by another run, or copied in)."""
    listed = {s["name"] for s in manifest["shards"]}
    out = []
    for p in sorted([*shards_dir.rglob("*.idx"), *shards_dir.rglob("*.bin")]):
        name = str(p.relative_to(shards_dir).with_suffix(""))
        if name not in listed:
            out.append(f"shards/{p.relative_to(shards_dir)}: not listed in shards/manifest.json")
    return out

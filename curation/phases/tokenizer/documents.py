"""The run's surviving documents as units of Ray work, and the per-document hashes drawn from their ids.

Every random-looking choice made about a document (is it in the tokenizer sample, is it held out for
valid/test, where does it land in the shuffled shard) is a hash of its stable id, so it does not depend on
which worker read it, in which order, or how the documents are split into files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import xxhash

from curation.core.rundir import TMP_MARK, RunDir
from curation.core.schema import UNDETERMINED

_SPACE = float(2**64)


@dataclass(frozen=True)
class DocsFile:
    """One parquet file of `docs/<source>/`: the unit of work of the tokenizer and shards phases."""

    source: str
    path: str

    @property
    def slug(self) -> str:
        return Path(self.path).stem

    @property
    def key(self) -> str:
        return f"{self.source}/{self.slug}"

    def describe(self) -> str:
        return f"{self.source}: {self.path}"


def docs_files(run: RunDir, sources: Iterable[str]) -> list[DocsFile]:
    """Every finished documents file of these sources, in a fixed order."""
    out = []
    for src in sorted(sources):
        folder = run.docs(src)
        if folder.exists():
            out.extend(DocsFile(src, str(p)) for p in sorted(folder.glob("*.parquet")) if TMP_MARK not in p.name)
    return out


def id_hashes(ids: list[str], salt: bytes, seed: int) -> np.ndarray:
    """A uint64 per id: xxh3-64 of salt + id, seeded. Different salts give independent draws."""
    h = xxhash.xxh3_64_intdigest
    seed = seed & 0xFFFFFFFFFFFFFFFF
    return np.fromiter((h(salt + i.encode("utf-8"), seed) for i in ids), dtype=np.uint64, count=len(ids))


def mix64(x: np.ndarray | int) -> np.ndarray:
    """SplitMix64's finalizer, vectorized: a bijection of uint64 that scatters its input's bits; derives
    a seeded hash from an unseeded one without hashing the id again."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        x = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def unit_interval(hashes: np.ndarray) -> np.ndarray:
    """uint64 hashes mapped to [0, 1)."""
    return hashes.astype(np.float64) / _SPACE


def languages(column: list[str | None]) -> list[str]:
    return [lang or UNDETERMINED for lang in column]

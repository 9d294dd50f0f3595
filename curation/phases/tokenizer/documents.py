"""The run's surviving documents as units of Ray work, and the per-document hashes drawn from their ids.

Every random-looking choice made about a document (is it in the tokenizer sample, is it held out for
valid/test, where does it land in the shuffled shard) is a hash of its stable id, so it does not depend on
which worker read it, in which order, or how the documents are split into files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import xxhash

from curation.engine.executor import ensure_ray, run_tasks
from curation.engine.ledger import Ledger
from curation.core.rundir import TMP_MARK, RunDir
from curation.core.errors import RunFailed

UNDETERMINED = "und"  # documents without a language label
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


@dataclass(frozen=True)
class _Marked:
    fn: Callable[[Any, Any], dict[str, Any]]
    ctx: Any
    ledger: str
    fingerprint: str


def _run_marked(item: Any, m: _Marked) -> dict[str, Any]:
    # The marker is written by the task, after its outputs: a driver killed meanwhile loses nothing.
    result = {**m.fn(item, m.ctx), "fingerprint": m.fingerprint}
    Ledger(Path(m.ledger)).mark_done(item.key, result)
    return result


def map_resumable(
    fn: Callable[[Any, Any], dict[str, Any]],
    items: list[Any],
    ctx: Any,
    ledger_dir: Path,
    fingerprint: str,
    *,
    label: str,
    ray_address: str | None = None,
    num_cpus: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Run `fn(item, ctx)` as Ray tasks for the items without a marker of this fingerprint in
    `ledger_dir`; return every item's result by `item.key` (fresh or from its marker)."""
    ledger = Ledger(ledger_dir)
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for item in items:
        if ledger.is_done(item.key):
            entry = ledger.read(item.key)
            if entry.get("fingerprint") == fingerprint:
                results[item.key] = entry
                continue
        todo.append(item)
    if todo:
        ensure_ray(ray_address, num_cpus)
        failures = run_tasks(_run_marked, todo, _Marked(fn, ctx, str(ledger_dir), fingerprint), label=label, on_done=lambda it, r: results.__setitem__(it.key, r))
        if failures:
            lines = [f"{f.part.describe()}: {f.error}" for f in failures[:20]]
            raise RunFailed(f"{label}: {len(failures)} of {len(items)} tasks failed after retries; rerun to retry them:\n" + "\n".join(lines))
    return results

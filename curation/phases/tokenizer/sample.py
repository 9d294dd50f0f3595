"""The tokenizer's training sample: whole documents drawn from the run's surviving documents, with
temperature (alpha) sampling over languages, bounded in bytes, deterministic.

Each language l gets a byte budget proportional to bytes_l ** alpha (alpha 0: uniform, as Salamandra's
released tokenizer; 1: as in the corpus); a language smaller than its share gives all it has and the rest is
shared among the others, so the sample reaches the bound whenever the corpus can fill it. Within a language
the sample is the documents with the smallest hashes of their ids, up to the budget: the same documents
whatever the worker count or file layout. Two passes of Ray tasks over the documents files, with a
bounded driver in between: (1) bytes per language; (2) every document whose hash falls under its
language's expected fraction (with a margin) is written to a candidates file; the driver then keeps, per
language, the candidates of smallest hash that fit the budget, reading only their (hash, bytes) columns.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.engine.executor import map_resumable
from curation.core.rundir import RunDir, commit, tmp_path
from curation.phases.tokenizer.config import TrainConfig
from curation.core.schema import UNDETERMINED
from curation.phases.tokenizer.documents import DocsFile, docs_files, id_hashes, languages

SAMPLE_SALT = b"tokenizer-sample\x00"
OVERSAMPLE = 1.25  # candidates drawn per byte of budget: covers the spread of a hash-based draw
_BATCH = 4096
_CANDIDATES_SCHEMA = pa.schema([("key", pa.uint64()), ("language", pa.string()), ("bytes", pa.int64()), ("text", pa.string())])


def language_budgets(sizes: dict[str, int], total: int, alpha: float) -> dict[str, int]:
    """Bytes per language: shares proportional to size**alpha, capped at what each language has, the
    surplus of capped languages shared again among the others (water-filling)."""
    budgets: dict[str, int] = {}
    remaining = float(total)
    active = sorted(lang for lang, n in sizes.items() if n > 0)
    while active:
        weights = {lang: float(sizes[lang]) ** alpha for lang in active}
        norm = sum(weights.values())
        share = {lang: remaining * weights[lang] / norm for lang in active}
        capped = [lang for lang in active if sizes[lang] <= share[lang]]
        if not capped:
            budgets.update({lang: int(share[lang]) for lang in active})
            break
        for lang in capped:
            budgets[lang] = sizes[lang]
            remaining -= sizes[lang]
        active = [lang for lang in active if lang not in capped]
    return dict(sorted(budgets.items()))


@dataclass(frozen=True)
class _SampleContext:
    workdir: str
    seed: int
    thresholds: dict[str, int] = field(default_factory=dict)  # language -> draw documents with hash < this


def _texts(path: str, columns: list[str]) -> Iterator[pa.RecordBatch]:
    yield from pq.ParquetFile(path).iter_batches(batch_size=_BATCH, columns=columns)


def count_languages(item: DocsFile, ctx: _SampleContext) -> dict[str, Any]:
    """Pass 1: documents and UTF-8 bytes per language in one documents file."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    records = 0
    for batch in _texts(item.path, ["text", "language"]):
        records += batch.num_rows
        t = pa.table({"language": pc.fill_null(batch.column("language"), UNDETERMINED), "bytes": pc.binary_length(batch.column("text"))})
        agg = t.group_by("language").aggregate([("bytes", "count"), ("bytes", "sum")])
        for lang, n, b in zip(agg["language"].to_pylist(), agg["bytes_count"].to_pylist(), agg["bytes_sum"].to_pylist()):
            counts[lang][0] += n
            counts[lang][1] += b or 0
    return {"records": records, "languages": dict(sorted(counts.items()))}


def draw_candidates(item: DocsFile, ctx: _SampleContext) -> dict[str, Any]:
    """Pass 2: the documents whose hash is under their language's threshold, to a candidates file."""
    out = Path(ctx.workdir) / "candidates" / item.source / f"{item.slug}.parquet"
    tmp = tmp_path(out)
    writer: pq.ParquetWriter | None = None
    records = kept = 0
    limits = {lang: np.uint64(t) for lang, t in ctx.thresholds.items()}
    for batch in _texts(item.path, ["id", "text", "language"]):
        records += batch.num_rows
        langs = languages(batch.column("language").to_pylist())
        keys = id_hashes(batch.column("id").to_pylist(), SAMPLE_SALT, ctx.seed)
        limit = np.fromiter((limits.get(lang, np.uint64(0)) for lang in langs), dtype=np.uint64, count=len(langs))
        take = np.flatnonzero(keys < limit)
        if take.size == 0:
            continue
        texts = batch.column("text").take(pa.array(take))
        table = pa.table(
            {"key": pa.array(keys[take], pa.uint64()), "language": pa.array([langs[i] for i in take], pa.string()),
             "bytes": pc.cast(pc.binary_length(texts), pa.int64()), "text": texts},
            schema=_CANDIDATES_SCHEMA,
        )
        if writer is None:
            out.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(tmp, _CANDIDATES_SCHEMA, compression="zstd")
        writer.write_table(table)
        kept += table.num_rows
    if writer is None:
        return {"records": records, "candidates": 0, "file": None}
    writer.close()
    commit(tmp, out)
    return {"records": records, "candidates": kept, "file": str(out)}


@dataclass
class Sample:
    """The drawn sample: candidate files and, per language, the largest hash kept."""

    files: list[str]
    cutoffs: dict[str, int]  # language -> keep candidates with key <= this
    stats: dict[str, Any]

    def texts(self) -> Iterator[str]:
        """The sampled documents, in a fixed order (files sorted, rows as written)."""
        cut = {lang: np.uint64(c) for lang, c in self.cutoffs.items()}
        for path in self.files:
            for batch in _texts(path, ["key", "language", "text"]):
                keys = batch.column("key").to_numpy()
                langs = batch.column("language").to_pylist()
                texts = batch.column("text").to_pylist()
                for k, lang, text in zip(keys, langs, texts):
                    c = cut.get(lang)
                    if c is not None and k <= c:
                        yield text


def draw_sample(
    run: RunDir,
    sources: list[str],
    cfg: TrainConfig,
    seed: int,
    workdir: Path,
    ledger_dir: Path,
    *,
    ray_address: str | None = None,
    num_cpus: int | None = None,
) -> Sample:
    files = docs_files(run, sources)
    ctx = _SampleContext(str(workdir), seed)
    inputs = hashlib.sha256(json.dumps([[f.source, f.slug, Path(f.path).stat().st_size] for f in files]).encode()).hexdigest()[:16]
    counted = map_resumable(count_languages, files, ctx, ledger_dir / "count", inputs, label="tokenizer sample: count", ray_address=ray_address, num_cpus=num_cpus)
    sizes: dict[str, int] = defaultdict(int)
    docs: dict[str, int] = defaultdict(int)
    for entry in counted.values():
        for lang, (n, b) in entry["languages"].items():
            docs[lang] += n
            sizes[lang] += b
    budgets = language_budgets(dict(sizes), cfg.sample_bytes, cfg.alpha)
    thresholds = {}
    for lang, budget in budgets.items():
        fraction = min(1.0, OVERSAMPLE * budget / sizes[lang])
        thresholds[lang] = 2**64 - 1 if fraction >= 1.0 else int(fraction * 2**64)
    draw_fp = hashlib.sha256(json.dumps([inputs, seed, sorted(thresholds.items())]).encode()).hexdigest()[:16]
    ctx = _SampleContext(str(workdir), seed, thresholds)
    drawn = map_resumable(draw_candidates, files, ctx, ledger_dir / "draw", draw_fp, label="tokenizer sample: draw", ray_address=ray_address, num_cpus=num_cpus)
    cand_files = sorted(r["file"] for r in drawn.values() if r.get("file"))

    # Per language, the candidates of smallest hash that fit the budget (only hashes and sizes are read).
    per_lang: dict[str, list[pa.Table]] = defaultdict(list)
    for path in cand_files:
        t = pq.read_table(path, columns=["key", "language", "bytes"])
        for lang in pc.unique(t["language"]).to_pylist():
            per_lang[lang].append(t.filter(pc.equal(t["language"], lang)))
    cutoffs: dict[str, int] = {}
    stats: dict[str, Any] = {"alpha": cfg.alpha, "sample_bytes_bound": cfg.sample_bytes, "languages": {}}
    for lang in sorted(budgets):
        keys = np.concatenate([t["key"].to_numpy() for t in per_lang.get(lang, [])] or [np.zeros(0, np.uint64)])
        nbytes = np.concatenate([t["bytes"].to_numpy() for t in per_lang.get(lang, [])] or [np.zeros(0, np.int64)])
        order = np.argsort(keys, kind="stable")
        fits = int(np.searchsorted(np.cumsum(nbytes[order]), budgets[lang], side="right"))
        if fits:
            cutoffs[lang] = int(keys[order[fits - 1]])
        stats["languages"][lang] = {
            "corpus_docs": docs[lang], "corpus_bytes": sizes[lang], "budget_bytes": budgets[lang],
            "sample_docs": fits, "sample_bytes": int(nbytes[order[:fits]].sum()),
        }
    stats["total_bytes"] = sum(v["sample_bytes"] for v in stats["languages"].values())
    stats["total_docs"] = sum(v["sample_docs"] for v in stats["languages"].values())
    return Sample(cand_files, cutoffs, stats)

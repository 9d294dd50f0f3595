"""`curate bench dedup`: MinHash signatures per core next to datasketch and datatrove, and a full dedup
of a million synthetic documents (wall time and peak memory).

1. Signatures/s on one core, the same documents (about 1,000 words each) for every contender, 128
   permutations: ours (curation/stages/minhash.py: normalization, shingling and hashing included, from
   an Arrow column); datasketch `MinHash.update` per shingle and `update_batch` per document (shingles
   made the usual way: regex words, lowercased, joined 5-grams, encoded); datatrove's
   `MinhashDedupSignature` (16 buckets x 8 hashes, its default word tokenizer, writing its signature
   files as it does). datatrove 0.10's xxhash path passes str to xxhash, which xxhash >= 4 refuses; it
   is given the same hash with an explicit UTF-8 encode (what xxhash < 4 did).
   Accuracy at equal footing: mean |estimate - true Jaccard| of ours and datasketch's over planted pairs.
2. Full dedup: DOCS synthetic documents (default 1,000,000; CURATION_BENCH_DEDUP_DOCS or --docs-like
   environment override for quick runs) with 10% exact and 10% near copies planted, written as docs
   parts with signatures by Ray tasks (the real signatures stage), then the real dedup phase on local
   Ray. Peak memory: the largest sum of resident memory of this process and its descendants (its local
   Ray: GCS, raylet, workers), sampled every 0.2 s, and the largest single process.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from curation.evals.sets import dups as synthetic
from curation.stages.minhash import MinHasher, jaccard_estimate, shingles

NUM_PERM = 128
DEFAULT_DOCS = 1_000_000
_WORD = re.compile(r"\w+")


def _datasketch_shingles(text: str) -> list[bytes]:
    words = _WORD.findall(text.lower())
    return [" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))]


def _docs(n: int, words: int = 1000, seed: int = 3) -> list[str]:
    gen = synthetic.TextGenerator(seed)
    rng = np.random.default_rng(seed)
    return [gen.render(gen.document(rng, words)) for _ in range(n)]


def _rate(fn, docs: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(docs)
        best = min(best, time.perf_counter() - t0)
    return len(docs) / best


def _ours(docs: list[str]) -> None:
    MinHasher(NUM_PERM).signatures(pa.array(docs, pa.large_string()))


def _ds_update(docs: list[str]) -> None:
    from datasketch import MinHash

    for text in docs:
        m = MinHash(num_perm=NUM_PERM)
        for s in _datasketch_shingles(text):
            m.update(s)


def _ds_update_batch(docs: list[str]) -> None:
    from datasketch import MinHash

    for text in docs:
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch(_datasketch_shingles(text))


def _datatrove_runner():
    import logging

    import xxhash
    from datatrove.data import Document
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
    from loguru import logger

    logger.remove()
    logging.getLogger("datatrove").setLevel(logging.WARNING)
    folder = tempfile.mkdtemp(prefix="curate-bench-datatrove-")
    step = MinhashDedupSignature(folder, MinhashConfig(num_buckets=16, hashes_per_bucket=8))
    step._hash_func = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8"))
    step.word_tokenizer.word_tokenize("warm up the tokenizer model")

    def run(docs: list[str]) -> None:
        step.run((Document(text=t, id=str(i)) for i, t in enumerate(docs)), rank=0, world_size=1)

    return run, folder


def signature_rates(repeat: int, console: Console) -> list[dict[str, Any]]:
    docs = _docs(2000)
    words = np.mean([len(d.split()) for d in docs])
    MinHasher(NUM_PERM).signatures(docs[:2])  # compile (or load the cached kernel) outside the timing
    rows = [{"name": "curation (numba kernel over Arrow)", "docs": len(docs), "rate": _rate(_ours, docs, repeat)}]
    rows.append({"name": "datasketch MinHash.update", "docs": 60, "rate": _rate(_ds_update, docs[:60], 1)})
    rows.append({"name": "datasketch MinHash.update_batch", "docs": 300, "rate": _rate(_ds_update_batch, docs[:300], repeat)})
    try:
        run, folder = _datatrove_runner()
        try:
            rows.append({"name": "datatrove MinhashDedupSignature", "docs": 200, "rate": _rate(run, docs[:200], 1)})
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    except ImportError as e:  # datatrove is a dev extra
        console.print(f"datatrove not measured: {e}")
    ours = rows[0]["rate"]
    t = Table(title=f"MinHash signatures per second on one core ({NUM_PERM} permutations, documents of ~{words:.0f} words; best of {repeat})", title_justify="left")
    for col in ("implementation", "documents", "docs/s", "ours / this"):
        t.add_column(col, justify="left" if col == "implementation" else "right")
    for r in rows:
        t.add_row(r["name"], str(r["docs"]), f"{r['rate']:,.0f}", f"{ours / r['rate']:.1f}x")
    console.print(t)
    return rows


def accuracy(console: Console) -> dict[str, float]:
    from datasketch import MinHash

    gen = synthetic.TextGenerator(5)
    rng = np.random.default_rng(5)
    hasher = MinHasher(NUM_PERM)
    err_ours, err_ds = [], []
    for k in range(60):
        base = gen.document(rng, 400)
        target = 0.5 + 0.5 * (k % 10) / 10
        variant, _ = synthetic.near_duplicate(gen, base, target, synthetic.EDITS[k % len(synthetic.EDITS)], seed=k)
        a = gen.render(base)
        sa, sb = set(shingles(a)), set(shingles(variant))
        true_j = len(sa & sb) / len(sa | sb)
        sigs, _ = hasher.signatures([a, variant])
        ma, mb = MinHash(num_perm=NUM_PERM), MinHash(num_perm=NUM_PERM)
        ma.update_batch([" ".join(s).encode() for s in sa])
        mb.update_batch([" ".join(s).encode() for s in sb])
        err_ours.append(abs(jaccard_estimate(sigs[0], sigs[1]) - true_j))
        err_ds.append(abs(ma.jaccard(mb) - true_j))
    out = {"ours": float(np.mean(err_ours)), "datasketch": float(np.mean(err_ds))}
    console.print(f"Jaccard estimate error over 60 planted pairs (J 0.5-1.0), mean |estimate - true|: ours {out['ours']:.4f}, "
                  f"datasketch (SHA-1 shingle hash) {out['datasketch']:.4f}")
    return out


# --- the million-document dedup ----------------------------------------------------------------------


def _make_part(part: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    """One docs part: generated documents (a share of them copies and near copies of earlier ones of the
    same part, as crawls repeat pages), signed by the signatures stage, written as the documents phase would."""
    from curation.config.stages import StagesConfig

    stages = StagesConfig()
    gen = synthetic.TextGenerator(ctx["seed"])
    rng = np.random.default_rng(ctx["seed"] * 100_003 + part["index"])
    n = part["docs"]
    n_words = rng.integers(100, 600, n)
    idx = np.searchsorted(gen.cdf, rng.random(int(n_words.sum())))
    words = gen.vocab[idx]
    texts: list[str] = []
    kinds = rng.random(n)
    pos = 0
    for i in range(n):
        w = words[pos : pos + n_words[i]]
        pos += n_words[i]
        if i > 10 and kinds[i] < 0.1:  # exact copy
            texts.append(texts[int(rng.integers(i))])
        elif i > 10 and kinds[i] < 0.2:  # near copy: 1% of the words substituted (J ~ 0.9)
            src = texts[int(rng.integers(i))].split(" ")
            for j in rng.integers(0, len(src), max(1, len(src) // 100)):
                src[j] = gen.vocab[int(rng.integers(len(gen.vocab)))]
            texts.append(" ".join(src))
        else:
            texts.append(" ".join(w.tolist()))
    run = Path(ctx["run_dir"])
    t0 = time.perf_counter()
    synthetic.write_run_part(run, [{"id": f"{part['index']:04d}-{i:07d}", "text": t} for i, t in enumerate(texts)], stages, part["index"])
    return {"records": n, "seconds": time.perf_counter() - t0}


class _MemorySampler:
    """Peak resident memory of this process and of the Ray worker processes, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak_total = 0
        self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _rss(self) -> list[int]:
        """Resident memory of this process and of its descendants (its local Ray: GCS, raylet, workers)."""
        parent: dict[int, int] = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                    parent[int(pid)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        me = os.getpid()
        out = []
        for pid in parent:
            p = pid
            while p not in (me, 0, 1) and p in parent:
                p = parent[p]
            if p != me:
                continue
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) * 1024)
            except OSError:
                continue
        return out

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss = self._rss()
            self.peak_total = max(self.peak_total, sum(rss))
            self.peak_single = max(self.peak_single, max(rss, default=0))
            time.sleep(0.2)

    def __enter__(self) -> "_MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def full_dedup(n_docs: int, console: Console, per_part: int = 25_000) -> dict[str, Any]:
    from curation.config.stages import StagesConfig
    from curation.engine.executor import ensure_ray, run_tasks

    ensure_ray()
    import ray

    cpus = int(ray.cluster_resources().get("CPU", 1))
    tmp = Path(tempfile.mkdtemp(prefix="curate-bench-dedup-"))
    try:
        run_dir = tmp / "run"
        parts = [{"index": i, "docs": min(per_part, n_docs - i * per_part)} for i in range((n_docs + per_part - 1) // per_part)]
        console.print(f"full dedup: generating and signing {n_docs:,} documents in {len(parts)} parts on {cpus} Ray workers ...")

        class _P(dict):
            def describe(self) -> str:
                return f"bench part {self['index']}"

        t0 = time.perf_counter()
        signed: list[float] = []
        failures = run_tasks(_make_part, [_P(p) for p in parts], {"run_dir": str(run_dir), "seed": 17}, label="generate+sign",
                             on_done=lambda p, r: signed.append(r["seconds"]))
        if failures:
            raise RuntimeError(failures[0].error)
        gen_wall = time.perf_counter() - t0
        stages = StagesConfig()
        synthetic.write_run_meta(run_dir, stages)
        docs_bytes = sum(p.stat().st_size for p in (run_dir / "docs").rglob("*.parquet"))
        with _MemorySampler() as mem:
            t0 = time.perf_counter()
            summary = synthetic.run_dedup(run_dir, stages, log=console.print)
            wall = time.perf_counter() - t0
        kept = sum(pq.ParquetFile(p).metadata.num_rows for p in (run_dir / "docs").rglob("*.parquet"))
        removed = sum(pq.ParquetFile(p).metadata.num_rows for p in (run_dir / "rejected").rglob("*.parquet"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = {
        "docs": n_docs, "workers": cpus, "docs_parquet_mb": docs_bytes / 1e6, "generate_sign_wall_s": gen_wall,
        "signature_cpu_s": sum(signed), "dedup_wall_s": wall, "peak_rss_total_mb": mem.peak_total / 1e6,
        "peak_rss_single_mb": mem.peak_single / 1e6, "driver_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        "removed_exact": summary["removed_exact"], "removed_near": summary["removed_near"], "kept": kept, "rejected": removed,
        "partitions": summary["partitions"],
    }
    t = Table(title=f"full dedup of {n_docs:,} synthetic documents on {cpus} local Ray workers", title_justify="left")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("docs/ parquet written (MB)", f"{out['docs_parquet_mb']:,.0f}")
    t.add_row("generate + signatures stage, wall (s)", f"{gen_wall:,.1f}")
    t.add_row("signatures stage + parquet write, CPU seconds (sum over tasks)", f"{out['signature_cpu_s']:,.1f}")
    t.add_row("dedup phase, wall (s)", f"{wall:,.1f}")
    t.add_row("dedup phase, peak RSS driver + its Ray processes (MB)", f"{out['peak_rss_total_mb']:,.0f}")
    t.add_row("dedup phase, peak RSS of one process (MB)", f"{out['peak_rss_single_mb']:,.0f}")
    t.add_row("removed exact / near", f"{out['removed_exact']:,} / {out['removed_near']:,}")
    t.add_row("kept + rejected rows on disk", f"{kept:,} + {removed:,} = {kept + removed:,}")
    t.add_row("shuffle partitions", str(out["partitions"]))
    console.print(t)
    return out


def run(repeat: int = 3, console: Console | None = None) -> dict[str, Any]:
    console = console or Console()
    rates = signature_rates(repeat, console)
    acc = accuracy(console)
    n = int(os.environ.get("CURATION_BENCH_DEDUP_DOCS", DEFAULT_DOCS))
    full = full_dedup(n, console)
    return {"signatures": rates, "accuracy": acc, "full": full}

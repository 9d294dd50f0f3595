"""`curate bench warc`: a WARC end to end (read, extract, langid, quality, MinHash dedup), `curate run` next
to datatrove's pipeline for the same steps on the same file, on this machine's cores, in one run.

Ours is `run_pipeline` as a user runs it (Ray on 2 CPUs, started before the timing as a cluster is; the
.warc.gz split into byte ranges so that both cores extract), once per extract engine. datatrove's is its documented MinHash
recipe behind its WARC steps: WarcReader -> Trafilatura(favour_precision) -> LanguageFilter (lid.176,
the same model file as ours) -> GopherQualityFilter -> JsonlWriter -> MinhashDedupSignature, then
MinhashDedupBuckets, MinhashDedupCluster and MinhashDedupFilter, with LocalPipelineExecutor (one task per
input file, as datatrove splits work by file).

datatrove's Trafilatura block gives a page at most 1 s and returns nothing for a page it did not finish (e.g. the
8 MB nodejs API manual, all.html, which takes trafilatura about 10 s), while ours extracts every page in full. As
in `curate bench extract`, a first datatrove pass finds such pages, and both sides run on a WARC without them;
the output names them.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table

from curation.bench._pages import pages_warc, write_warc
from curation.bench.extract import AS_DATATROVE, datatrove_extract, read_pages
from curation.bench.langid import _datatrove_filter
from curation.engine.executor import ensure_ray
from curation.runner import run_pipeline
from curation.stages.langid.model import bundled_model_path

DEFAULT_PAGES = 300
CPUS = 2


def _ours(folder: Path, warc: Path, engine: str) -> tuple[float, int]:
    folder.mkdir(parents=True)
    manifest = folder / f"sources-{engine}.yaml"
    manifest.write_bytes(orjson.dumps({"sources": [{
        "id": "pages", "name": "HTML manuals", "languages": ["en", "es", "fr", "de", "it", "pt"], "domain": "web",
        "licence": "various", "format": "warc", "location": str(warc),
    }]}))  # JSON is YAML
    pipeline = folder / f"pipeline-{engine}.yaml"
    max_part = warc.stat().st_size // CPUS + 1  # one byte range per core
    pipeline.write_bytes(orjson.dumps({
        "name": f"bench-warc-{engine}", "manifest": str(manifest), "sources": [{"use": "pages"}],
        "stages": {"read": {"max_part_bytes": max_part},
                   "extract": {"engine": engine, "trafilatura": AS_DATATROVE.model_dump()}},  # datatrove's options
    }))
    t0 = time.perf_counter()
    result = run_pipeline(pipeline, runs_dir=folder / "runs", num_cpus=CPUS, force=True, log=lambda *a, **k: None)
    seconds = time.perf_counter() - t0
    return seconds, int(result.reconciliation["total"]["kept"])


def _datatrove(folder: Path, warc: Path) -> tuple[float, int]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import GopherQualityFilter
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from loguru import logger

    logger.remove()
    logging.getLogger("datatrove").setLevel(logging.WARNING)
    d = folder / "datatrove"
    cfg = MinhashConfig(num_buckets=14, hashes_per_bucket=8)
    lang = _datatrove_filter(bundled_model_path())

    def execute(steps, name, tasks=1):
        with contextlib.redirect_stdout(io.StringIO()):  # datatrove prints its stats tables
            LocalPipelineExecutor(pipeline=steps, tasks=tasks, workers=min(tasks, CPUS), logging_dir=str(d / "logs" / name)).run()

    t0 = time.perf_counter()
    execute([WarcReader(str(warc.parent), glob_pattern=warc.name), Trafilatura(favour_precision=True), lang, GopherQualityFilter(),
             JsonlWriter(str(d / "filtered")), MinhashDedupSignature(str(d / "sigs"), config=cfg)], "1")
    execute([MinhashDedupBuckets(str(d / "sigs"), str(d / "buckets"), config=cfg)], "2", tasks=cfg.num_buckets)  # datatrove: one task per bucket
    execute([MinhashDedupCluster(str(d / "buckets"), str(d / "remove"), config=cfg)], "3")
    execute([JsonlReader(str(d / "filtered")), MinhashDedupFilter(str(d / "remove")), JsonlWriter(str(d / "out"))], "4")
    seconds = time.perf_counter() - t0
    kept = 0
    for f in (d / "out").rglob("*.jsonl.gz"):
        with gzip.open(f, "rb") as g:
            kept += sum(1 for _ in g)
    return seconds, kept


def without_timeouts(folder: Path, warc: Path) -> tuple[Path, list[str]]:
    """(the WARC to time, the URLs left out): the pages datatrove's Trafilatura block times out on are left out of
    a copy of the WARC (its HTML pages, as UTF-8); the WARC itself when there are none."""
    _src, table = read_pages(warc)
    htmls, urls = table["text"].to_pylist(), table["url"].to_pylist()
    _texts, timed_out = datatrove_extract(htmls, urls)
    if not timed_out:
        return warc, []
    skip = set(timed_out)
    fair = folder / "pages-without-timeouts.warc.gz"
    write_warc(fair, [(u or f"urn:page:{i}", h.encode("utf-8")) for i, (h, u) in enumerate(zip(htmls, urls)) if i not in skip])
    return fair, [urls[i] or f"urn:page:{i}" for i in timed_out]


def run(repeat: int = 1, console: Console | None = None, input: str | None = None, pages: int = DEFAULT_PAGES) -> list[dict]:
    console = console or Console()
    folder = Path(tempfile.mkdtemp(prefix="curate-bench-warc-"))
    try:
        warc, dropped = without_timeouts(folder, pages_warc(folder, input, pages))
        if dropped:
            console.print(f"{len(dropped)} page(s) left out of both sides (datatrove's Trafilatura block hit its 1 s per-page "
                          "timeout on them and returned nothing): " + ", ".join(u.split("/", 3)[-1] for u in dropped))
        console.print(f"{warc.name}: {warc.stat().st_size / 1e6:.1f} MB; {CPUS} CPUs for both sides")
        t_dt, kept_dt = min(_datatrove(folder / f"dt{i}", warc) for i in range(repeat))
        rows = [{"name": "datatrove (WarcReader, Trafilatura, LanguageFilter, Gopher, MinHash x4)", "seconds": t_dt, "kept": kept_dt}]
        t0 = time.perf_counter()
        ensure_ray(None, CPUS)  # started once, as a cluster is, and reported apart
        ray_start = time.perf_counter() - t0
        for engine in ("trafilatura", "resiliparse"):
            t, kept = min(_ours(folder / f"{engine}{i}", warc, engine) for i in range(repeat))
            rows.append({"name": f"curate run (extract engine: {engine})", "seconds": t, "kept": kept})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    table = Table(title=f"curate bench warc: read, extract, langid, quality, MinHash dedup (best of {repeat}, wall clock)", title_justify="left")
    for col in ("pipeline", "seconds", "documents kept", "speed vs datatrove"):
        table.add_column(col, justify="left" if col == "pipeline" else "right")
    for r in rows:
        r["ratio"] = t_dt / r["seconds"]
        table.add_row(r["name"], f"{r['seconds']:.1f}", f"{r['kept']:,}", f"{r['ratio']:.2f}x")
    console.print(table)
    console.print(f"Machine: {os.cpu_count()} CPUs. Ray's start ({ray_start:.1f} s) is not in our times. The two sides keep "
                  "different documents: different language and quality rules.")
    return rows

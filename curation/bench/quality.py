"""`curate bench quality`: our Gopher quality rule next to datatrove's GopherQualityFilter on the same
English documents (the bundled sample's FineWeb-Edu, OSCAR-en and EurLex-en texts and the LID set's
English ones), one thread, plus the throughput of the whole default web chain for reference.

datatrove splits words with spaCy's English tokenizer; ours with the offline Unicode rule of
curation.stages.quality.words. "Equal labels" is the share of documents on which both keep or both drop.
"""

from __future__ import annotations

import gzip
import io
import json
import time

import pyarrow.parquet as pq
import zstandard
from rich.console import Console
from rich.table import Table

from curation.evals.langid_set import build
from curation.config.manifest import Source, sample_dir
from curation.stages.quality.base import Docs
from curation.stages.quality.web import GopherQuality, GopherQualityConfig
from curation.stages.quality import Quality, QualityConfig


def bench_documents() -> list[str]:
    root = sample_dir()
    texts: list[str] = []
    for path in sorted((root / "fineweb-edu").rglob("*.parquet")):
        texts.extend(pq.read_table(path, columns=["text"])["text"].to_pylist())
    with open(root / "oscar" / "en_meta_part_1.jsonl.zst", "rb") as f, zstandard.ZstdDecompressor().stream_reader(f) as r:
        texts.extend(json.loads(line)["content"] for line in io.TextIOWrapper(r, encoding="utf-8"))
    with gzip.open(root / "eurlex" / "eurlex_en.jsonl.gz", "rt", encoding="utf-8") as f:
        texts.extend(json.loads(line)["text"] for line in f)
    texts.extend(d.text for d in build("test") if d.language == "en" and d.share == 1.0)
    return texts


def run(repeat: int = 3, console: Console | None = None) -> dict:
    from datatrove.data import Document
    from datatrove.pipeline.filters import GopherQualityFilter
    from threadpoolctl import threadpool_limits

    console = console or Console()
    texts = bench_documents()
    nbytes = sum(len(t.encode()) for t in texts)
    docs = Docs(texts, ["en"] * len(texts), [None] * len(texts))
    source = Source(id="bench", name="bench", languages=["en"], domain="web", licence="none", format="jsonl", location="-")
    with threadpool_limits(1):
        ours = GopherQuality(GopherQualityConfig())
        best_ours, ours_keep = float("inf"), []
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = ours.evaluate(docs, source)
            best_ours = min(best_ours, time.perf_counter() - t0)
            ours_keep = [r is None for r in result.reasons]

        ref = GopherQualityFilter()
        list(ref.run(iter([Document(text="warm up the spaCy tokenizer", id="0")])))
        best_ref, ref_keep = float("inf"), []
        for _ in range(repeat):
            dt_docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
            t0 = time.perf_counter()
            kept = {d.id for d in ref.run(iter(dt_docs))}
            best_ref = min(best_ref, time.perf_counter() - t0)
            ref_keep = [str(i) in kept for i in range(len(texts))]

        stage = Quality(QualityConfig())
        stage.setup()
        import pyarrow as pa

        table = pa.table({"text": texts, "language": ["en"] * len(texts), "metadata": pa.nulls(len(texts), pa.string())})
        best_chain = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            stage.process(table, source)
            best_chain = min(best_chain, time.perf_counter() - t0)

    equal = sum(a == b for a, b in zip(ours_keep, ref_keep)) / len(texts)
    t = Table(title=f"curate bench quality: {len(texts)} English documents, {nbytes / 1e6:.2f} MB, one core, best of {repeat}", title_justify="left")
    for col in ("implementation", "docs/s", "MB/s", "ratio vs datatrove"):
        t.add_column(col, justify="left" if col == "implementation" else "right")
    for name, secs in (("curation gopher filter", best_ours), ("datatrove GopherQualityFilter (spaCy en)", best_ref),
                       ("curation default web chain (curate, gopher, repetition, c4, fineweb)", best_chain)):
        t.add_row(name, f"{len(texts) / secs:,.0f}", f"{nbytes / 1e6 / secs:.2f}", f"{best_ref / secs:.2f}")
    console.print(t)
    console.print(f"equal labels (keep/drop, gopher vs datatrove): {equal:.4%} "
                  f"(kept: ours {sum(ours_keep)}, datatrove {sum(ref_keep)} of {len(texts)})")
    return {"documents": len(texts), "mb": nbytes / 1e6, "ours_s": best_ours, "datatrove_s": best_ref, "chain_s": best_chain,
            "ratio": best_ref / best_ours, "equal_labels": equal}

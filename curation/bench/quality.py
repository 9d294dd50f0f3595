"""`curate bench quality`: the default web chain next to datatrove's equivalent chain on the same English
documents (the bundled sample's FineWeb-Edu, OSCAR-en and EurLex-en texts and the LID set's English ones),
one core, in one run.

datatrove's chain: GopherQualityFilter -> GopherRepetitionFilter -> C4QualityFilter -> FineWebQualityFilter
(spaCy's English word splitting). Ours: the quality stage's web chain (CURATE with BSC's evaluators, then
Gopher quality and repetition, C4, FineWeb), i.e. one filter more. Also printed: CURATE alone, and how
often each side keeps a document.
"""

from __future__ import annotations

import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from rich.console import Console
from rich.table import Table

from curation.bench.timing import best_of
from curation.config.manifest import Source, sample_dir
from curation.evals.sets.langid import build
from curation.stages.quality import Quality, QualityConfig
from curation.stages.quality.curate import CurateScorer


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
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from threadpoolctl import threadpool_limits

    console = console or Console()
    texts = bench_documents()
    nbytes = sum(len(t.encode()) for t in texts)
    source = Source(id="bench", name="bench", languages=["en"], domain="web", licence="none", format="jsonl", location="-")
    table = pa.table({"text": texts, "language": ["en"] * len(texts), "metadata": pa.nulls(len(texts), pa.string())})
    with threadpool_limits(1):
        chain = [GopherQualityFilter(), GopherRepetitionFilter(), C4QualityFilter(), FineWebQualityFilter()]
        list(chain[0].run(iter([Document(text="warm up the spaCy tokenizer", id="0")])))

        def datatrove_chain() -> int:
            docs = iter([Document(text=t, id=str(i)) for i, t in enumerate(texts)])
            for f in chain:
                docs = f.run(docs)
            return sum(1 for _ in docs)

        stage = Quality(QualityConfig())
        stage.ensure_setup()
        scorer = CurateScorer()
        scorer.score_batch(texts[:2], ["en", "en"])  # load Punkt
        t_ref, ref_kept = best_of(repeat, datatrove_chain)
        t_ours, _ = best_of(repeat, lambda: stage.process(table, source))
        t_curate, _ = best_of(repeat, lambda: scorer.score_batch(texts, ["en"] * len(texts)))
        ours_kept = sum(r is None for r in stage.process(table, source).reasons)
    t = Table(title=f"curate bench quality: {len(texts)} English documents, {nbytes / 1e6:.2f} MB, one core, best of {repeat}", title_justify="left")
    for col in ("implementation", "docs/s", "MB/s", "kept", "speed vs datatrove"):
        t.add_column(col, justify="left" if col == "implementation" else "right")
    rows = [("datatrove: Gopher quality + repetition, C4, FineWeb (spaCy en)", t_ref, ref_kept),
            ("curation default web chain: CURATE (bsc), Gopher quality + repetition, C4, FineWeb", t_ours, ours_kept),
            ("curation CURATE alone (bsc preset)", t_curate, None)]
    for name, secs, kept in rows:
        t.add_row(name, f"{len(texts) / secs:,.0f}", f"{nbytes / 1e6 / secs:.2f}", "" if kept is None else str(kept), f"{t_ref / secs:.2f}x")
    console.print(t)
    return {"documents": len(texts), "mb": nbytes / 1e6, "datatrove_s": t_ref, "chain_s": t_ours, "curate_s": t_curate, "ratio": t_ref / t_ours}

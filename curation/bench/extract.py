"""`curate bench extract`: our extract stage (both engines) next to datatrove's Trafilatura block on the
same real HTML pages, one process, in one run.

The pages come from a WARC (--input x.warc.gz) or a folder of HTML manuals (--input DIR; default: the HTML
under /usr/share/doc), read by our WARC reader. datatrove's block runs as datatrove runs it (a sandbox
process per worker, trafilatura.extract with favour_precision and deduplicate). Agreement is the word
overlap F1 of two engines' texts per page (multisets of whitespace-separated words), averaged over pages.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from curation.bench._pages import pages_warc
from curation.bench.timing import best_of
from curation.config.manifest import FieldMap, Source
from curation.readers import plan_parts, read_part
from curation.stages.extract import Extract, ExtractConfig

DEFAULT_PAGES = 400


def read_pages(warc: Path) -> tuple[Source, pa.Table]:
    """The HTML documents of a WARC, as the extract stage receives them in a run."""
    src = Source(id="bench", name="bench", languages=["en"], domain="web", licence="various", format="warc", location=str(warc), fields=FieldMap())
    tables = [batch.docs for part in plan_parts(src) for batch in read_part(src, part)]
    return src, pa.concat_tables(tables)


def word_f1(a: str, b: str) -> float:
    ca, cb = Counter(a.split()), Counter(b.split())
    total = sum(ca.values()) + sum(cb.values())
    return 1.0 if total == 0 else 2 * sum((ca & cb).values()) / total


def datatrove_extract(htmls: list[str], urls: list[str | None]) -> list[str]:
    from datatrove.data import Document
    from datatrove.pipeline.extractors import Trafilatura

    docs = [Document(text=h, id=str(i), metadata={"url": u}) for i, (h, u) in enumerate(zip(htmls, urls))]
    out = {d.id: d.text for d in Trafilatura(favour_precision=True).run(iter(docs))}
    return [out.get(str(i), "") for i in range(len(htmls))]  # datatrove drops pages it extracts nothing from


def run(repeat: int = 1, console: Console | None = None, input: str | None = None, pages: int = DEFAULT_PAGES) -> list[dict]:
    console = console or Console()
    with tempfile.TemporaryDirectory(prefix="curate-bench-extract-") as tmp:
        src, table = read_pages(pages_warc(Path(tmp), input, pages))
    htmls, urls = table["text"].to_pylist(), table["url"].to_pylist()
    n, mb = len(htmls), sum(len(h.encode()) for h in htmls) / 1e6
    console.print(f"{n} HTML pages, {mb:.1f} MB, from {input or 'the HTML manuals under /usr/share/doc'}")
    t_dt, dt_texts = best_of(repeat, lambda: datatrove_extract(htmls, urls))
    rows = [{"engine": "datatrove Trafilatura(favour_precision)", "seconds": t_dt, "texts": dt_texts}]
    for engine in ("trafilatura", "resiliparse"):
        stage = Extract(ExtractConfig(engine=engine))
        t, out = best_of(repeat, lambda: stage.process(table, src))
        rows.append({"engine": f"curation extract, engine: {engine}", "seconds": t, "texts": out.table["text"].to_pylist()})
    ours = rows[1]["texts"]
    result = Table(title=f"curate bench extract: {n} real pages, one core (best of {repeat})", title_justify="left")
    for col in ("engine", "pages/s", "ratio vs datatrove", "words kept", "word F1 vs datatrove", "word F1 vs our trafilatura"):
        result.add_column(col, justify="left" if col == "engine" else "right")
    for r in rows:
        r["pages_per_s"] = n / r["seconds"]
        r["ratio"] = t_dt / r["seconds"]
        r["words"] = sum(len(t.split()) for t in r["texts"])
        r["f1_datatrove"] = sum(word_f1(a, b) for a, b in zip(r["texts"], dt_texts)) / max(n, 1)
        r["f1_ours"] = sum(word_f1(a, b) for a, b in zip(r["texts"], ours)) / max(n, 1)
        result.add_row(r["engine"], f"{r['pages_per_s']:.1f}", f"{r['ratio']:.2f}", f"{r['words']:,}", f"{r['f1_datatrove']:.3f}", f"{r['f1_ours']:.3f}")
    console.print(result)
    console.print("datatrove also drops repeated paragraphs across pages (deduplicate=True); ours extracts each page on its own (deterministic).")
    return [{k: v for k, v in r.items() if k != "texts"} for r in rows]

"""Reader throughput per format vs the raw decode of the same bytes (zstandard / gzip / pyarrow / warcio).

Both sides run single-threaded in this process, so MB/s is per core. MB are the decompressed bytes of the
records (JSON lines, parquet text, WARC payloads), the same numerator for both sides.

JSON lines get two references: the bytes alone (decompress and split lines, no JSON parsing: no JSON
reader can come near it) and the raw JSON decode (the same decompression, then pyarrow.json's C parser on
the whole stream into Arrow, one thread): the floor of parsing, without quarantine, field mapping or
documents. Parquet's reference (pyarrow read_table) is its raw decode in the same sense.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import tempfile
import time
import zlib
from pathlib import Path
from typing import Callable

import orjson
import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq
import zstandard
from rich.console import Console
from rich.table import Table

from curation.bench.timing import best_of
from curation.config.manifest import FieldMap, Source
from curation.readers import Part, read_part

CPU = time.process_time  # per-core rates: CPU seconds of the whole process (see bench/timing.py)
MIN_SECONDS = 1.0  # each side is called again until a second has passed: one call is 10-100 ms

WORDS = (
    "el la de que y en los se del las un por con no una su para es al lo como más pero sus le ya o este sí porque esta "
    "entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros "
    "ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada "
    "ciudad gobierno agua tiempo mundo vida casa parte año trabajo historia escuela música ciencia mercado"
).split()


def _documents(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        paras = []
        for _ in range(rng.randint(2, 6)):
            sents = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 24))).capitalize() + "." for _ in range(rng.randint(2, 5))]
            paras.append(" ".join(sents))
        docs.append("\n\n".join(paras))
    return docs


def _write_inputs(folder: Path, docs: list[str]) -> dict[str, tuple[Path, int]]:
    """The same documents in every format; returns path and decompressed record bytes per format."""
    lines = []
    for i, text in enumerate(docs):
        rec = {"content": text, "warc_headers": {"warc-record-id": f"<urn:uuid:{i:032x}>", "warc-target-uri": f"https://example.org/{i}"},
               "metadata": {"identification": {"label": "es", "prob": 0.93}, "harmful_pp": 812.5, "quality_warnings": None, "categories": None}}
        lines.append(json.dumps(rec, ensure_ascii=False))
    raw = ("\n".join(lines) + "\n").encode()
    out = {}
    (folder / "bench.jsonl").write_bytes(raw)
    out["jsonl"] = (folder / "bench.jsonl", len(raw))
    (folder / "bench.jsonl.zst").write_bytes(zstandard.ZstdCompressor(level=3).compress(raw))
    out["jsonl.zst"] = (folder / "bench.jsonl.zst", len(raw))
    (folder / "bench.jsonl.gz").write_bytes(gzip.compress(raw, compresslevel=6, mtime=0))
    out["jsonl.gz"] = (folder / "bench.jsonl.gz", len(raw))
    table = pa.table({"text": docs, "id": [str(i) for i in range(len(docs))], "url": [f"https://example.org/{i}" for i in range(len(docs))]})
    pq.write_table(table, folder / "bench.parquet", compression="zstd", row_group_size=10_000)
    out["parquet"] = (folder / "bench.parquet", sum(len(t.encode()) for t in docs))
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    nbytes = 0
    with open(folder / "bench.warc.gz", "wb") as f:
        w = WARCWriter(f, gzip=True)
        for i, text in enumerate(docs[: len(docs) // 4]):
            html = f"<html><head><title>t{i}</title></head><body><article><p>{text}</p></article></body></html>".encode()
            nbytes += len(html)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            rec = w.create_warc_record(f"https://example.org/{i}", "response", payload=io.BytesIO(html), http_headers=http,
                                       warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{i:032x}>", "WARC-Date": "2024-01-01T00:00:00Z"})
            w.write_record(rec)
    out["warc"] = (folder / "bench.warc.gz", nbytes)
    return out


def _raw_decoders() -> dict[str, tuple[str, Callable[[Path], None]]]:
    def zstd(p: Path) -> None:
        with open(p, "rb") as f, zstandard.ZstdDecompressor().stream_reader(f) as r:
            while r.read(1 << 20):
                pass

    def gz(p: Path) -> None:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        with open(p, "rb") as f:
            while chunk := f.read(1 << 20):
                d.decompress(chunk)

    def plain(p: Path) -> None:
        with open(p, "rb") as f:
            for _ in f:  # line splitting only
                pass

    def parquet(p: Path) -> None:
        pq.read_table(p, use_threads=False)

    def warc(p: Path) -> None:
        from warcio.archiveiterator import ArchiveIterator

        with open(p, "rb") as f:
            for rec in ArchiveIterator(f):
                rec.content_stream().read()

    return {
        "jsonl": ("line split (io)", plain),
        "jsonl.zst": ("zstandard stream", zstd),
        "jsonl.gz": ("zlib stream", gz),
        "parquet": ("pyarrow read_table", parquet),
        "warc": ("warcio iterate+payload", warc),
    }


def _json_decoders() -> dict[str, Callable[[Path], None]]:
    """Decompress, then parse every line with pyarrow.json into one Arrow table (the raw JSON decode)."""
    options = pj.ReadOptions(use_threads=False, block_size=1 << 24)

    def parse(stream) -> None:
        pj.read_json(stream, read_options=options)

    def zstd(p: Path) -> None:
        with open(p, "rb") as f, zstandard.ZstdDecompressor().stream_reader(f) as r:
            parse(r)

    def gz(p: Path) -> None:
        with gzip.open(p, "rb") as f:
            parse(f)

    def plain(p: Path) -> None:
        with open(p, "rb") as f:
            parse(f)

    return {"jsonl": plain, "jsonl.zst": zstd, "jsonl.gz": gz}


def _ours(fmt: str, path: Path) -> Callable[[Path], None]:
    if fmt in ("parquet", "warc"):
        fields = FieldMap(text="text", id="id", url="url")
    else:
        fields = FieldMap(text="content", id="warc_headers.warc-record-id", url="warc_headers.warc-target-uri",
                          language="metadata.identification.label", language_score="metadata.identification.prob",
                          metadata={"harmful_pp": "metadata.harmful_pp", "quality_warnings": "metadata.quality_warnings"})
    source = Source(id="bench", name="bench", languages=["es"], domain="web", licence="none", format=fmt, fields=fields, location=str(path))

    def run(p: Path) -> None:
        part = Part("bench", p.name, str(p), 0, None, None, p.stat().st_size)
        for _ in read_part(source, part):
            pass

    return run


def _orjson_lines(p: Path) -> None:
    with open(p, "rb") as f:
        for line in f:
            orjson.loads(line)


def run(repeat: int = 3, console: Console | None = None, n_docs: int = 20_000) -> list[dict]:
    console = console or Console()
    rows = []
    with tempfile.TemporaryDirectory(prefix="curate-bench-") as tmp:
        inputs = _write_inputs(Path(tmp), _documents(n_docs))
        raw = _raw_decoders()
        json_raw = _json_decoders()
        for fmt, (path, nbytes) in inputs.items():
            ref_name, ref = raw[fmt]
            t_ref = best_of(repeat, lambda: ref(path), CPU, MIN_SECONDS)[0]
            t_ours = best_of(repeat, lambda: _ours(fmt, path)(path), CPU, MIN_SECONDS)[0]
            row = {"format": fmt, "mb": nbytes / 1e6, "reference": ref_name, "ref_mbs": nbytes / 1e6 / t_ref, "ours_mbs": nbytes / 1e6 / t_ours}
            if fmt in json_raw:
                row["json_mbs"] = nbytes / 1e6 / best_of(repeat, lambda: json_raw[fmt](path), CPU, MIN_SECONDS)[0]
            if fmt == "jsonl":  # the floor of any per-record reader: one orjson.loads per line, nothing else
                row["orjson_mbs"] = nbytes / 1e6 / best_of(repeat, lambda: _orjson_lines(path), CPU, MIN_SECONDS)[0]
            rows.append(row)
    table = Table(title="curate bench read: MB/s per CPU second (decompressed record bytes; best of %d)" % repeat, title_justify="left")
    for col in ("format", "MB", "curation reader", "bytes-only decode", "MB/s", "ratio", "raw JSON decode MB/s", "ratio "):
        table.add_column(col, justify="left" if col in ("format", "bytes-only decode") else "right")
    for r in rows:
        json_cols = [f"{r['json_mbs']:.1f}", f"{r['ours_mbs'] / r['json_mbs']:.2f}"] if "json_mbs" in r else ["", ""]
        table.add_row(r["format"], f"{r['mb']:.1f}", f"{r['ours_mbs']:.1f}", r["reference"], f"{r['ref_mbs']:.1f}", f"{r['ours_mbs'] / r['ref_mbs']:.2f}", *json_cols)
    console.print(table)
    console.print("bytes-only: decompression and line splitting, no parsing (parquet: pyarrow read_table; warc: warcio). "
                  "raw JSON decode: the same decompression, then pyarrow.json's C parser into Arrow (one thread). "
                  "The reader also quarantines bad lines, maps fields and builds the documents. Times are CPU seconds of "
                  "all threads: read_table decodes on a helper thread even with use_threads=False (twice the wall-clock rate on 2 cores).")
    if "orjson_mbs" in rows[0]:
        r = rows[0]
        console.print(f"For scale: orjson.loads per line alone (no mapping, no Arrow) parses {r['orjson_mbs']:.1f} MB/s; "
                      f"the reader (pyarrow.json blocks, Arrow mapping) is {r['ours_mbs'] / r['orjson_mbs']:.2f}x that.")
    return rows

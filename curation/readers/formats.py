"""Readers: one generator per format, streaming a part as Arrow batches of documents.

Nothing holds a whole file: JSONL is read line by line from a (decompressing) stream, parquet by record
batches of the part's row groups, WARC record by record.
"""

from __future__ import annotations

from typing import Iterator

import fsspec
import orjson
import pyarrow.parquet as pq

from curation.core.errors import UserError
from curation.config.manifest import Source
from curation.readers.documents import DocumentBuilder, ReadBatch
from curation.readers.lines import TruncatedStream, iter_lines
from curation.readers.parts import Part

BATCH_RECORDS = 2048
BATCH_BYTES = 32 * 1024 * 1024
COMPRESSION = {"jsonl": None, "jsonl.gz": "gzip", "jsonl.zst": "zstd"}


def read_part(source: Source, part: Part, batch_records: int = BATCH_RECORDS) -> Iterator[ReadBatch]:
    builder = DocumentBuilder(source, part)
    if source.format in COMPRESSION:
        records = _jsonl(source, part, builder)
    elif source.format == "parquet":
        records = _parquet(source, part, builder, batch_records)
    elif source.format == "warc":
        from curation.readers.warc import read_warc

        records = read_warc(part, builder)
    else:  # pragma: no cover - the manifest's Literal forbids it
        raise UserError(f"source '{source.id}': field 'format': unsupported format {source.format}")
    for _ in records:
        if builder.records >= batch_records or builder.raw_bytes >= BATCH_BYTES:
            yield builder.flush()
    if builder.records:
        yield builder.flush()


def _jsonl(source: Source, part: Part, builder: DocumentBuilder) -> Iterator[None]:
    with fsspec.open(part.path, "rb") as f:
        try:
            for offset, line in iter_lines(f, COMPRESSION[source.format], part.start, part.end):
                stripped = line.strip()
                if not stripped:
                    continue  # blank lines are separators, not records
                try:
                    record = orjson.loads(stripped)
                except orjson.JSONDecodeError as e:
                    builder.quarantine(offset, _json_error(stripped, e), line)
                else:
                    builder.add(offset, record, len(line))
                yield None
        except TruncatedStream as e:
            tail = getattr(e, "tail", b"")
            builder.quarantine(getattr(e, "offset", 0), f"{e}; {len(tail)} bytes of an incomplete record after the last complete line" if tail else str(e), tail or None)
            yield None


def _json_error(line: bytes, e: Exception) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as u:
        return f"invalid UTF-8 at byte {u.start} of the record ({u.reason})"
    return f"invalid JSON: {e}"


def _parquet(source: Source, part: Part, builder: DocumentBuilder, batch_records: int) -> Iterator[None]:
    with fsspec.open(part.path, "rb") as f:
        try:
            pf = pq.ParquetFile(f)
        except Exception as e:  # not a parquet file at all: one quarantined record for the whole file
            builder.quarantine(0, f"unreadable parquet file: {e}", None, raw_size=part.size)
            yield None
            return
        names = set(pf.schema_arrow.names)
        fm = source.fields
        paths = [fm.text, fm.id, fm.url, fm.title, fm.language, fm.language_score, fm.programming_language, *fm.metadata.values()]
        columns = sorted({p.split(".")[0] for p in paths if p and not p.startswith("{")} & names)
        if fm.text.split(".")[0] not in names:
            raise UserError(f"{part.path}: source '{source.id}': field 'fields.text': column '{fm.text}' is not in the parquet schema ({', '.join(sorted(names))})")
        start = part.start or 0
        end = part.end if part.end is not None else pf.metadata.num_row_groups
        row = sum(pf.metadata.row_group(i).num_rows for i in range(start))
        try:
            for batch in pf.iter_batches(batch_size=batch_records, row_groups=range(start, end), columns=columns, use_threads=False):
                for record in batch.to_pylist():
                    # raw size: text bytes stand in for the record's share of the decompressed pages
                    text = record.get(fm.text)
                    builder.add(row, record, len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else 0)
                    row += 1
                yield None
        except OSError as e:  # a corrupt page or truncated file: quarantine what could not be read
            builder.quarantine(row, f"unreadable parquet data from row {row}: {e}", None)
            yield None

"""Readers: one generator per format, streaming a part as Arrow batches of documents.

Nothing holds a whole file: JSONL is read in blocks of lines from a (decompressing) stream, parquet by
row groups, WARC record by record.
"""

from __future__ import annotations

from typing import Iterator

from curation.config.manifest import Source
from curation.core.errors import UserError
from curation.readers.documents import DocumentBuilder, ReadBatch
from curation.readers.jsonl import COMPRESSION, read_jsonl
from curation.readers.parquet import read_parquet
from curation.readers.parts import Part
from curation.readers.warc import read_warc

BATCH_RECORDS = 2048
BATCH_BYTES = 32 * 1024 * 1024


def read_part(source: Source, part: Part, batch_records: int = BATCH_RECORDS) -> Iterator[ReadBatch]:
    builder = DocumentBuilder(source, part)
    if source.format in COMPRESSION:
        records = read_jsonl(source, part, builder, batch_records)
    elif source.format == "parquet":
        records = read_parquet(source, part, builder, batch_records)
    elif source.format == "warc":
        records = read_warc(part, builder)
    else:  # pragma: no cover - the manifest's Literal forbids it
        raise UserError(f"source '{source.id}': field 'format': unsupported format {source.format}")
    for _ in records:
        if builder.records >= batch_records or builder.raw_bytes >= BATCH_BYTES:
            yield builder.flush()
    if builder.records:
        yield builder.flush()

"""The Arrow schemas every stage reads and writes: documents, rejected rows and quarantined records."""

from __future__ import annotations

import pyarrow as pa

UNDETERMINED = "und"  # the language of a document before (or without) language identification
SPLITS = ("train", "valid", "test")  # the held-out splits of shards and blends, in Megatron's order

# One schema throughout (design.md "Documents"). `metadata` is the native fields a source keeps, as
# canonical JSON (sorted keys) because every source keeps different fields. `origin` says where the
# record came from: "<file relative to the source location>:<offset>", offset being the byte offset of
# the line in the decompressed stream, the row number in a parquet file, or the WARC record offset.
DOCUMENT_FIELDS = [
    pa.field("id", pa.string(), nullable=False),
    pa.field("text", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("language", pa.string()),
    pa.field("language_score", pa.float64()),
    pa.field("url", pa.string()),
    pa.field("metadata", pa.string()),
    pa.field("origin", pa.string(), nullable=False),
]
DOCUMENT_SCHEMA = pa.schema(DOCUMENT_FIELDS)

REJECTION_FIELDS = [pa.field("stage", pa.string(), nullable=False), pa.field("reason", pa.string(), nullable=False)]

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("error", pa.string(), nullable=False),
        pa.field("raw", pa.binary()),  # the record's bytes, capped at QUARANTINE_RAW_CAP
        pa.field("raw_length", pa.int64()),
        # where it failed: "read" (a record that could not be parsed or mapped) or the stage that raised on
        # a read document; and that document's id (null for records never read as documents)
        pa.field("stage", pa.string()),
        pa.field("id", pa.string()),
    ]
)
QUARANTINE_RAW_CAP = 64 * 1024


def documents_schema(stage_columns: list[pa.Field]) -> pa.Schema:
    """The documents schema of a pipeline: the base fields plus the columns its stages add."""
    return pa.schema(DOCUMENT_FIELDS + list(stage_columns))


def rejected_schema(docs_schema: pa.Schema, ids_only: bool = False) -> pa.Schema:
    base = [docs_schema.field(n) for n in ("id", "source", "language", "origin")] if ids_only else list(docs_schema)
    return pa.schema(base + REJECTION_FIELDS)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Select/cast `table` to `schema`, filling columns a stage has not computed yet with nulls."""
    columns = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            columns.append(col if col.type == field.type else col.cast(field.type))
        else:
            columns.append(pa.nulls(len(table), field.type))
    return pa.Table.from_arrays(columns, schema=schema)

"""Field mapping on Arrow columns: a table of native records (a parsed JSONL block, parquet rows) -> documents.

The per-record mapper (documents.DocumentBuilder) says exactly why a record is broken; this one maps a
whole block with Arrow compute and gives up (returns None) on anything it cannot map exactly: a text
column that is missing, null or not a string, an id or url that is a nested object. The caller then maps
that block record by record, so quarantine messages never depend on which path ran.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from curation.config.manifest import Source
from curation.config.row_filter import RowFilter
from curation.core.schema import DOCUMENT_SCHEMA

READ_STAGE = "read"
# A text Python's str.strip() would leave empty (the per-record mapper's test): str.isspace()'s characters.
PY_BLANK = r"^[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]*$"
SOURCE_FILTER = "source_filter"  # reason of records a source's `filter:` leaves out
REJECTED_READ_SCHEMA = pa.schema(list(DOCUMENT_SCHEMA) + [pa.field("stage", pa.string(), nullable=False), pa.field("reason", pa.string(), nullable=False)])


def drop_nulls(value: Any) -> Any:
    """Metadata keeps no nulls: a JSON null and a missing key read the same (Arrow cannot tell them apart)."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def metadata_json(metadata: dict[str, Any]) -> str | None:
    metadata = drop_nulls(metadata)
    return orjson.dumps(metadata, option=orjson.OPT_SORT_KEYS, default=str).decode() if metadata else None


def column_at(table: pa.Table | pa.RecordBatch, path: str) -> pa.Array | None:
    """The values at a dotted path (a key holding dots is tried first, as in documents.get_path); None when
    the path is in no record of the table."""
    names = table.schema.names
    if path in names:
        return _array(table.column(path))
    key, _, rest = path.partition(".")
    if not rest or key not in names:
        return None
    return _struct_path(_array(table.column(key)), rest)


def _struct_path(arr: pa.Array, path: str) -> pa.Array | None:
    if not pa.types.is_struct(arr.type):
        return None
    fields = [arr.type.field(i).name for i in range(arr.type.num_fields)]
    if path in fields:
        return pc.struct_field(arr, path)
    key, _, rest = path.partition(".")
    if not rest or key not in fields:
        return None
    return _struct_path(pc.struct_field(arr, key), rest)


def _array(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()  # one chunk: no copy
    return col


def _as_string(arr: pa.Array | None) -> pa.Array | None:
    """Scalars as strings (ids may be numbers); None for nested values, which only the per-record path maps."""
    if arr is None:
        return None
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr.cast(pa.string())
    if pa.types.is_integer(t):
        return arr.cast(pa.string())
    if pa.types.is_floating(t):
        _exact_floats(arr)
        return arr.cast(pa.string())
    raise _Unmappable(f"{t} is not a scalar")


def _exact_floats(arr: pa.Array) -> None:
    """Arrow's JSON reader stores integers beyond int64 as doubles, losing digits (a 64-bit hash id): the
    per-record mapper keeps them whole."""
    if len(arr) and (pc.max(pc.abs(arr)).as_py() or 0) >= 2**53:
        raise _Unmappable("an integer beyond 2**53 read as a double")


class _Unmappable(Exception):
    """A column the Arrow path does not map exactly: the caller maps the block record by record."""


class ColumnMapper:
    """Maps native tables of one source's part to document tables (DOCUMENT_SCHEMA)."""

    def __init__(self, source: Source, relpath: str) -> None:
        self.source = source
        self.fields = source.fields
        self.relpath = relpath
        self.dir = PurePosixPath(relpath).parent.name
        self.file = PurePosixPath(relpath).name
        self.single_language = source.languages[0] if len(source.languages) == 1 else None
        self.filter = RowFilter(source.filter) if source.filter else None
        self.metadata = dict(self.fields.metadata)
        for name, path in (("title", self.fields.title), ("programming_language", self.fields.programming_language)):
            if path:
                self.metadata[name] = path

    def map(self, native: pa.Table | pa.RecordBatch, offsets: np.ndarray) -> tuple[pa.Table, pa.Table] | None:
        """(documents, read-rejected rows) for every native row, or None when a record needs the per-record
        mapper (a broken text field, a nested id...). offsets[i] is row i's offset in the part's file."""
        try:
            text = self._text(native)
        except _Unmappable:
            return None
        if text is None:
            return None
        n = len(text)
        origin = pc.binary_join_element_wise(pa.scalar(f"{self.relpath}:"), pa.array(offsets, pa.int64()).cast(pa.string()), "")
        try:
            doc_id = self._value(native, self.fields.id, n)
            url = self._value(native, self.fields.url, n)
            language = self._language(native, n)
            metadata = self._metadata(native, n)
        except _Unmappable:
            return None
        doc_id = origin if doc_id is None else pc.coalesce(doc_id, origin)
        docs = pa.Table.from_arrays(
            [
                doc_id,
                text,
                pa.repeat(pa.scalar(self.source.id), n),
                language,
                self._score(native, n),
                url if url is not None else pa.nulls(n, pa.string()),
                metadata,
                origin,
            ],
            schema=DOCUMENT_SCHEMA,
        )
        empty = pc.match_substring_regex(text, PY_BLANK)
        if self.filter is None and not pc.any(empty).as_py():
            return docs, REJECTED_READ_SCHEMA.empty_table()
        # The reason of each rejected row, as the per-record mapper gives it: the source's filter first.
        reasons = pc.if_else(empty, pa.scalar("empty_text"), pa.scalar(None, pa.string()))
        if self.filter is not None:
            reasons = pc.if_else(self._filtered_out(native), pa.scalar(SOURCE_FILTER), reasons)
        out = pc.is_valid(reasons)
        rejected = docs.filter(out)
        rejected = rejected.append_column("stage", pa.array([READ_STAGE] * rejected.num_rows, pa.string()))
        rejected = rejected.append_column("reason", reasons.filter(out))
        return docs.filter(pc.invert(out)), rejected.cast(REJECTED_READ_SCHEMA)

    def _filtered_out(self, native) -> pa.Array:
        """True where the source's filter leaves the row out. Only the fields it names go through Python."""
        assert self.filter is not None
        columns = {}
        for path in self.filter.paths:
            col = column_at(native, path)
            if col is not None:
                columns[path] = col.to_pylist()
        keys = list(columns)
        rows = zip(*columns.values()) if keys else ([] for _ in range(native.num_rows))
        return pa.array([not self.filter(dict(zip(keys, row)), self.file, self.dir) for row in rows], pa.bool_())

    def _text(self, native) -> pa.Array | None:
        cols = []
        for path in self.fields.text_paths:
            col = column_at(native, path)
            if col is None:
                col = pa.nulls(native.num_rows, pa.string())
            elif not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type) or pa.types.is_null(col.type)):
                return None  # a number or an object where text should be: the per-record mapper says which
            cols.append(col.cast(pa.string()))
        template = self.fields.text_template
        if template is not None:
            pieces = [pa.scalar(p) if i % 2 == 0 else cols[self.fields.text_paths.index(p)] for i, p in enumerate(template)]
            text = pc.binary_join_element_wise(*pieces, "", null_handling="emit_null")
        elif len(cols) > 1:
            text = pc.binary_join_element_wise(*cols, self.fields.text_separator, null_handling="skip")
            text = pc.if_else(_all_null(cols), pa.scalar(None, pa.string()), text)  # no part present: no text
        else:
            text = cols[0]
        return None if text.null_count else text

    def _value(self, native, path: str | None, n: int) -> pa.Array | None:
        if path is None:
            return None
        if path == "{dir}":
            return pa.repeat(pa.scalar(self.dir), n)
        if path == "{file}":
            return pa.repeat(pa.scalar(self.file), n)
        return _as_string(column_at(native, path))

    def _language(self, native, n: int) -> pa.Array:
        if "code" in self.source.languages:
            return pa.repeat(pa.scalar("code"), n)
        label = self._value(native, self.fields.language, n)
        fallback = pa.scalar(self.single_language, pa.string())
        if label is None:
            return pa.repeat(fallback, n)
        return pc.coalesce(pc.utf8_lower(label), fallback)

    def _score(self, native, n: int) -> pa.Array:
        col = column_at(native, self.fields.language_score) if self.fields.language_score else None
        if col is None or not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_boolean(col.type)):
            return pa.nulls(n, pa.float64())
        return col.cast(pa.float64())

    def _metadata(self, native, n: int) -> pa.Array:
        """Canonical JSON (sorted keys, nulls dropped). Only the metadata columns go through Python."""
        if not self.metadata:
            return pa.nulls(n, pa.string())
        columns = {}
        nested = set()
        for key, path in self.metadata.items():
            if path in ("{dir}", "{file}"):
                columns[key] = [self.dir if path == "{dir}" else self.file] * n
            else:
                col = column_at(native, path)
                if col is not None and col.null_count < len(col):  # a key null in every row is in no row's metadata
                    if pa.types.is_floating(col.type):
                        _exact_floats(col)
                    columns[key] = col.to_pylist()
                    if pa.types.is_nested(col.type):
                        nested.add(key)
        if not columns:
            return pa.nulls(n, pa.string())
        keys = sorted(columns)
        deep = [k in nested for k in keys]
        values = [columns[k] for k in keys]
        dumps, option = orjson.dumps, orjson.OPT_SORT_KEYS
        if not any(deep) and not any(None in v for v in values):  # the common case: flat, never null
            return pa.array([dumps(dict(zip(keys, row)), option=option, default=str) for row in zip(*values)], pa.binary()).cast(pa.string())
        out = []
        for row in zip(*values):
            # nested values may hold nulls (Arrow fills a struct's missing fields): dropped as on the per-record path
            m = {k: drop_nulls(v) if d else v for k, d, v in zip(keys, deep, row) if v is not None}
            out.append(dumps(m, option=option, default=str) if m else None)
        return pa.array(out, pa.binary()).cast(pa.string())


def _all_null(cols: list[pa.Array]) -> pa.Array:
    out = pc.is_null(cols[0])
    for c in cols[1:]:
        out = pc.and_(out, pc.is_null(c))
    return out


def map_in_batches(mapper: ColumnMapper, native: pa.Table, offsets: np.ndarray, sizes: np.ndarray, room: int, batch_records: int) -> list[tuple[pa.Table, pa.Table, int, int]] | None:
    """Map a native table in slices that fill the reader's batches exactly: the first slice has `room` rows
    (what the current batch still takes), the next ones batch_records. None if any slice needs the
    per-record mapper (then nothing of the table was used)."""
    out = []
    start = 0
    n = native.num_rows
    size = room if 0 < room < batch_records else batch_records
    while start < n:
        stop = min(n, start + size)
        mapped = mapper.map(native.slice(start, stop - start), offsets[start:stop])
        if mapped is None:
            return None
        out.append((*mapped, stop - start, int(sizes[start:stop].sum())))
        start, size = stop, batch_records
    return out

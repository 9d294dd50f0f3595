"""JSONL (plain, .gz, .zst, .xz, .bz2) parsed in blocks by Arrow's C++ JSON reader.

A block of whole lines is parsed into an Arrow table in one call and mapped to documents on columns
(columns.ColumnMapper). A block the fast path cannot take exactly (a line that is not valid JSON or
UTF-8, not an object, a text that is missing or not a string, types that change between lines) is parsed
again line by line with orjson, so each bad line is quarantined with its own offset and reason as before.
pyarrow.json was measured against msgspec and orjson (`curate bench read`, ARCHITECTURE.md) and is faster
because values go straight into Arrow buffers, with no Python object per record.
"""

from __future__ import annotations

import io
from typing import Iterator

import fsspec
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.json as pj

from curation.config.manifest import Source
from curation.readers.columns import ColumnMapper, map_in_batches
from curation.readers.documents import DocumentBuilder
from curation.readers.lines import DamagedSpan, TruncatedStream, iter_blocks, split_lines
from curation.readers.parts import Part

COMPRESSION = {"jsonl": None, "jsonl.gz": "gzip", "jsonl.zst": "zstd", "jsonl.xz": "xz", "jsonl.bz2": "bz2"}
_WHITESPACE = np.array([9, 10, 13, 32], np.uint8)  # what JSON allows around a value
_PARSE = pj.ParseOptions(newlines_in_values=False)


def read_jsonl(source: Source, part: Part, builder: DocumentBuilder, batch_records: int) -> Iterator[None]:
    """Adds the part's records to `builder`, yielding whenever a batch may be full."""
    mapper = builder.mapper
    parser = BlockParser()
    with fsspec.open(part.path, "rb") as f:
        try:
            for pos, block in iter_blocks(f, COMPRESSION[source.format], part.start, part.end):
                if isinstance(block, DamagedSpan):  # a corrupt member/frame between good ones: one entry, read on
                    builder.quarantine(pos, block.reason, block.tail or None)
                    yield None
                    continue
                pieces = _fast_block(pos, block, parser, mapper, batch_records - builder.records, batch_records)
                if pieces is None:
                    yield from _line_by_line(pos, block, builder)
                    continue
                for docs, rejected, records, raw_bytes in pieces:
                    builder.add_mapped(docs, rejected, records, raw_bytes)
                    yield None
        except TruncatedStream as e:
            tail = getattr(e, "tail", b"")
            builder.quarantine(getattr(e, "offset", 0), f"{e}; {len(tail)} bytes of an incomplete record after the last complete line" if tail else str(e), tail or None)
            yield None


def line_spans(block: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every non-blank line of a block (blank: only JSON whitespace)."""
    data = np.frombuffer(block, np.uint8)
    newlines = np.flatnonzero(data == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines + 1, [len(block)]))
    if starts[-1] == len(block):
        starts, ends = starts[:-1], ends[:-1]
    # only a line that starts with whitespace can be blank: those few are checked one by one
    maybe = np.flatnonzero(np.isin(data[starts], _WHITESPACE))
    blank = [i for i in maybe.tolist() if not block[starts[i]:ends[i]].strip(b" \t\r\n")]
    if blank:
        keep = np.ones(len(starts), bool)
        keep[blank] = False
        starts, ends = starts[keep], ends[keep]
    return starts, ends


class BlockParser:
    """pyarrow.json with one correction: Arrow infers timestamps from ISO-looking strings ("2024-01-01"),
    which would turn a native string into a different one. Such fields are read again as strings, and are
    declared strings for the rest of the file (other fields keep being inferred)."""

    def __init__(self) -> None:
        self.string_paths: set[tuple[str, ...]] = set()
        self.options = _PARSE

    def parse(self, block: bytes) -> pa.Table:
        read = pj.ReadOptions(use_threads=False, block_size=len(block) + 1)
        native = pj.read_json(io.BytesIO(block), read_options=read, parse_options=self.options)
        found = set(_timestamp_paths(native.schema))
        if found:
            self.string_paths |= found
            self.options = pj.ParseOptions(newlines_in_values=False, explicit_schema=_string_schema(self.string_paths), unexpected_field_behavior="infer")
            native = pj.read_json(io.BytesIO(block), read_options=read, parse_options=self.options)
        return native


_ITEM = "[]"  # a path step into a list's items


def _timestamp_paths(schema: pa.Schema) -> Iterator[tuple[str, ...]]:
    def walk(t: pa.DataType, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t):
            yield path
        elif pa.types.is_struct(t):
            for i in range(t.num_fields):
                yield from walk(t.field(i).type, path + (t.field(i).name,))
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            yield from walk(t.value_type, path + (_ITEM,))

    for f in schema:
        yield from walk(f.type, (f.name,))


def _string_schema(paths: set[tuple[str, ...]]) -> pa.Schema:
    """An explicit schema naming only these paths, as strings (structs and lists around them as needed)."""
    tree: dict = {}
    for path in sorted(paths):
        node = tree
        for step in path:
            node = node.setdefault(step, {})

    def build(node: dict) -> pa.DataType:
        if not node:
            return pa.string()
        if _ITEM in node:
            return pa.list_(build(node[_ITEM]))
        return pa.struct([(k, build(v)) for k, v in node.items()])

    return pa.schema([(k, build(v)) for k, v in tree.items()])


def _fast_block(pos: int, block: bytes, parser: BlockParser, mapper: ColumnMapper, room: int, batch_records: int) -> list | None:
    """The block's documents in batch-sized pieces, or None if it must be read line by line."""
    starts, ends = line_spans(block)
    if len(starts) == 0:
        return []
    try:
        native = parser.parse(block)
        if native.num_rows != len(starts):  # e.g. two objects on one line: orjson says which line is wrong
            return None
        pieces = map_in_batches(mapper, native, starts + pos, ends - starts, room, batch_records)
        for docs, rejected, _, _ in pieces or ():
            docs.validate(full=True)  # Arrow's JSON reader does not check UTF-8: invalid bytes go the slow way
            rejected.validate(full=True)
    except (pa.ArrowException, UnicodeDecodeError, OverflowError):
        return None
    return pieces


def _line_by_line(pos: int, block: bytes, builder: DocumentBuilder) -> Iterator[None]:
    for offset, line in split_lines(pos, block):
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


def _json_error(line: bytes, e: Exception) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as u:
        return f"invalid UTF-8 at byte {u.start} of the record ({u.reason})"
    return f"invalid JSON: {e}"

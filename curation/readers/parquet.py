"""Parquet, read one row group at a time and mapped on Arrow columns.

A row group that cannot be read (a corrupt page, a failed page checksum, a truncated file) is read again
in small batches so that the rows before the bad page are kept; every row that stays unreadable is
quarantined with the file, the row group and its row range. The footer's num_rows is the record count,
so reconciliation sees every row whether it was read or not.
"""

from __future__ import annotations

from typing import Iterator

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.config.manifest import Source
from curation.config.row_filter import RowFilter
from curation.readers.columns import ColumnMapper, column_at, map_in_batches
from curation.readers.documents import DocumentBuilder
from curation.readers.parts import Part

SALVAGE_BATCH = 64  # rows per batch when reading around a bad page: smaller keeps more, costs only on failure


def read_parquet(source: Source, part: Part, builder: DocumentBuilder, batch_records: int) -> Iterator[None]:
    with fsspec.open(part.path, "rb") as f:
        try:
            pf = pq.ParquetFile(f, page_checksum_verification=True)
        except Exception as e:  # noqa: BLE001 - not a parquet file at all: one quarantined record for the whole file
            builder.quarantine(0, f"unreadable parquet file: {e}", None, raw_size=part.size)
            yield None
            return
        meta = pf.metadata
        start = part.start or 0
        end = part.end if part.end is not None else meta.num_row_groups
        row = sum(meta.row_group(i).num_rows for i in range(start))
        names = set(pf.schema_arrow.names)
        fm = source.fields
        missing = [p for p in fm.text_paths if p not in names and p.split(".")[0] not in names]
        if missing:  # this file cannot give a text: all its rows are quarantined, the run goes on
            error = f"column '{missing[0]}' (fields.text) is not in the parquet schema ({', '.join(sorted(names))})"
            for rg in range(start, end):
                _quarantine_rows(builder, row, meta.row_group(rg).num_rows, error)
                row += meta.row_group(rg).num_rows
                yield None
            return
        columns = _columns(source, names)
        mapper = builder.mapper
        for rg in range(start, end):
            n = meta.row_group(rg).num_rows
            try:
                table = pf.read_row_group(rg, columns=columns, use_threads=False)
            except (OSError, pa.ArrowException) as e:
                _salvage(pf, rg, row, n, columns, mapper, builder, e)
                yield None
            else:
                yield from _add(table, row, mapper, builder, batch_records)
            row += n


def _columns(source: Source, names: set[str]) -> list[str]:
    fm = source.fields
    paths = [*fm.text_paths, fm.id, fm.url, fm.title, fm.language, fm.language_score, fm.programming_language, *fm.metadata.values()]
    if source.filter:  # the fields the source's filter reads
        paths += RowFilter(source.filter).paths
    return sorted({p if p in names else p.split(".")[0] for p in paths if p and not p.startswith("{")} & names)


def _add(table: pa.Table, first_row: int, mapper: ColumnMapper, builder: DocumentBuilder, batch_records: int) -> Iterator[None]:
    if table.num_rows == 0:
        return
    offsets = np.arange(first_row, first_row + table.num_rows, dtype=np.int64)
    sizes = _text_bytes(table, mapper)
    pieces = map_in_batches(mapper, table, offsets, sizes, batch_records - builder.records, batch_records)
    if pieces is not None:
        for piece in pieces:
            builder.add_mapped(*piece)
            yield None
        return
    for i, record in enumerate(table.to_pylist()):  # a null or non-string text: the record says why
        builder.add(first_row + i, record, int(sizes[i]))
        yield None


def _text_bytes(table: pa.Table, mapper: ColumnMapper) -> np.ndarray:
    """Raw size per row: the text columns' bytes stand in for the record's share of the decompressed pages."""
    total = np.zeros(table.num_rows, np.int64)
    for path in mapper.fields.text_paths:
        col = column_at(table, path)
        if col is not None and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            total += pc.binary_length(col).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return total


def _salvage(pf: pq.ParquetFile, rg: int, first_row: int, n: int, columns: list[str], mapper: ColumnMapper, builder: DocumentBuilder, error: Exception) -> None:
    """Keep the rows of a damaged row group that can still be read; quarantine the rest, one entry per row."""
    done = 0
    try:
        for batch in pf.iter_batches(batch_size=SALVAGE_BATCH, row_groups=[rg], columns=columns, use_threads=False):
            for _ in _add(pa.Table.from_batches([batch]), first_row + done, mapper, builder, SALVAGE_BATCH):
                pass
            done += batch.num_rows
    except (OSError, pa.ArrowException) as e:
        error = e
    if done < n:
        what = f"unreadable parquet row group {rg} (rows {first_row}-{first_row + n - 1} of the file) from row {first_row + done}: {error}"
        _quarantine_rows(builder, first_row + done, n - done, what)


def _quarantine_rows(builder: DocumentBuilder, first_row: int, n: int, error: str) -> None:
    for i in range(n):
        builder.quarantine(first_row + i, error, None, raw_size=0)

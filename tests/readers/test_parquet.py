"""Parquet read per row group: a damaged row group costs only its own rows, and every row is counted."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from curation.config.manifest import FieldMap
from test_readers import make_source, read_all


def write(path, n: int, row_group_size: int, **kw) -> None:
    table = pa.table({"text": [f"fila {i} " + "texto " * (5 + i % 7) for i in range(n)], "id": [f"r{i}" for i in range(n)]})
    pq.write_table(table, path, row_group_size=row_group_size, write_page_checksum=True, compression="none", use_dictionary=False, **kw)


def corrupt_text_chunk(path, row_group: int, at: float = 0.5) -> None:
    """Flip bytes inside the text column chunk of one row group (its page checksum then fails)."""
    col = pq.ParquetFile(path).metadata.row_group(row_group).column(0)
    start = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
    pos = start + int(col.total_compressed_size * at)
    data = bytearray(path.read_bytes())
    data[pos : pos + 8] = bytes(b ^ 0xFF for b in data[pos : pos + 8])
    path.write_bytes(bytes(data))


def test_a_corrupt_row_group_is_quarantined_with_its_row_range(tmp_path):
    path = tmp_path / "a.parquet"
    write(path, 50, 10)
    corrupt_text_chunk(path, 3)
    r = read_all(make_source("parquet", path, fields=FieldMap(id="id")))
    assert r.records == 50  # the footer's row count: reconciliation sees the lost rows
    assert [d["id"] for d in r.docs] == [f"r{i}" for i in range(50) if not 30 <= i < 40]
    assert [q["offset"] for q in r.quarantined] == list(range(30, 40))
    assert all(q["file"] == "a.parquet" and "row group 3 (rows 30-39" in q["error"] for q in r.quarantined)


def test_rows_before_a_bad_page_are_kept(tmp_path):
    path = tmp_path / "a.parquet"
    write(path, 400, 400, data_page_size=512, write_batch_size=16)  # one row group of many small pages
    corrupt_text_chunk(path, 0, at=0.7)  # inside a data page (a flipped page header byte can go unnoticed)
    r = read_all(make_source("parquet", path, fields=FieldMap(id="id")))
    assert r.records == 400 and r.docs and r.quarantined
    kept = [d["id"] for d in r.docs]
    assert kept == [f"r{i}" for i in range(len(kept))]  # a prefix, in order
    assert [q["offset"] for q in r.quarantined] == list(range(len(kept), 400))


def test_a_file_without_the_text_column_is_quarantined_not_fatal(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"body": ["x", "y", "z"]}), path, row_group_size=2)
    r = read_all(make_source("parquet", path))
    assert r.records == 3 and not r.docs
    assert [q["offset"] for q in r.quarantined] == [0, 1, 2]
    assert "column 'text' (fields.text) is not in the parquet schema (body)" in r.quarantined[0]["error"]

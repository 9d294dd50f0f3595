"""Readers (jsonl, jsonl.gz, jsonl.zst, parquet, warc), part splitting, and the extract/normalize stages.

Every input is built here with known content, so each test can say exactly which documents, rejections
and quarantine entries must come out.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import unicodedata
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from curation.config.manifest import FieldMap, Source
from curation.readers import Part, plan_parts, read_part
from curation.core.schema import DOCUMENT_SCHEMA
from curation.stages.extract import Extract, ExtractConfig
from curation.stages.normalize import Normalize, NormalizeConfig

JSONL_FORMATS = ["jsonl", "jsonl.gz", "jsonl.zst", "jsonl.xz", "jsonl.bz2"]


def make_source(fmt: str, location: Path | str, languages=("es", "ca"), fields: FieldMap | None = None, **kw) -> Source:
    return Source(
        id="src", name="Test source", languages=list(languages), domain="web", licence="CC0-1.0", format=fmt,
        location=str(location), fields=fields or FieldMap(), **kw,
    )


class Result:
    def __init__(self) -> None:
        self.docs: list[dict] = []
        self.rejected: list[dict] = []
        self.quarantined: list[dict] = []
        self.records = 0
        self.parts: list[Part] = []


def read_parts(source: Source, parts: list[Part], batch_records: int = 2048) -> Result:
    r = Result()
    r.parts = list(parts)
    for part in parts:
        for batch in read_part(source, part, batch_records=batch_records):
            assert batch.docs.schema.equals(DOCUMENT_SCHEMA)
            # every record is accounted for exactly once, in every batch
            assert batch.records == batch.docs.num_rows + batch.rejected.num_rows + batch.quarantined.num_rows
            r.docs += batch.docs.to_pylist()
            r.rejected += batch.rejected.to_pylist()
            r.quarantined += batch.quarantined.to_pylist()
            r.records += batch.records
    return r


def read_all(source: Source, max_part_bytes: int | None = None, batch_records: int = 2048) -> Result:
    parts = plan_parts(source) if max_part_bytes is None else plan_parts(source, max_part_bytes=max_part_bytes)
    return read_parts(source, parts, batch_records)


def compress(data: bytes, fmt: str) -> bytes:
    if fmt == "jsonl.gz":
        return gzip.compress(data)
    if fmt == "jsonl.zst":
        return zstandard.ZstdCompressor(level=3).compress(data)
    if fmt == "jsonl.xz":
        return lzma.compress(data)
    if fmt == "jsonl.bz2":
        return bz2.compress(data)
    return data


def decompress(data: bytes, fmt: str) -> bytes:
    if fmt == "jsonl.gz":
        return gzip.decompress(data)
    if fmt == "jsonl.zst":
        return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()
    if fmt == "jsonl.xz":
        return lzma.decompress(data)
    if fmt == "jsonl.bz2":
        return bz2.decompress(data)
    return data


def jsonl(records: list) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def line_at(stream: bytes, offset: int) -> bytes:
    return stream[offset:].split(b"\n", 1)[0]


# --- field mapping, all formats -------------------------------------------------------------------

OSCAR_FIELDS = FieldMap(
    text="content",
    id="warc_headers.warc-record-id",
    url="warc_headers.warc-target-uri",
    language="metadata.identification.label",
    language_score="metadata.identification.prob",
    title="title",
    metadata=["metadata.quality_warnings", "metadata.harmful_pp", "metadata.identification"],
)


def oscar_record(i: int) -> dict:
    return {
        "content": f"Documento número {i}: el niño comió {i} manzanas.\nSegunda línea.",
        "warc_headers": {"warc-record-id": f"<urn:uuid:{i:04d}>", "warc-target-uri": f"https://example.org/{i}"},
        "metadata": {
            "identification": {"label": "ES" if i % 2 else "ca", "prob": 0.5 + i / 100},
            "quality_warnings": ["tiny"] if i % 3 == 0 else [],
            "harmful_pp": 100.0 + i,
        },
        "title": f"Título {i}",
    }


def write_records(path: Path, fmt: str, records: list[dict], row_group_size: int = 4) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(records), path, row_group_size=row_group_size)
    else:
        path.write_bytes(compress(jsonl(records), fmt))


@pytest.mark.parametrize("fmt", [*JSONL_FORMATS, "parquet"])
def test_records_are_mapped_per_field_map(tmp_path, fmt):
    records = [oscar_record(i) for i in range(25)]
    path = tmp_path / "corpus" / "es" / f"part-0.{fmt}"
    write_records(path, fmt, records)
    src = make_source(fmt, tmp_path / "corpus" / "*" / f"*.{fmt}", fields=OSCAR_FIELDS)
    r = read_all(src)

    assert r.records == len(records)
    assert not r.rejected and not r.quarantined
    assert [d["id"] for d in r.docs] == [f"<urn:uuid:{i:04d}>" for i in range(25)]
    stream = decompress(path.read_bytes(), fmt) if fmt != "parquet" else None
    for i, (doc, rec) in enumerate(zip(r.docs, records)):
        assert doc["text"] == rec["content"]
        assert doc["source"] == "src"
        assert doc["url"] == f"https://example.org/{i}"
        assert doc["language"] == ("es" if i % 2 else "ca")  # labels are lower-cased
        assert doc["language_score"] == pytest.approx(0.5 + i / 100)
        meta = json.loads(doc["metadata"])
        assert meta == {
            "quality_warnings": rec["metadata"]["quality_warnings"],
            "harmful_pp": rec["metadata"]["harmful_pp"],
            "identification": rec["metadata"]["identification"],
            "title": rec["title"],
        }
        assert list(meta) == sorted(meta)  # canonical JSON: sorted keys
        assert doc["metadata"] == json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        # origin: path relative to the location's root, then the byte offset of the line / the row number
        relpath, _, offset = doc["origin"].rpartition(":")
        assert relpath == f"es/part-0.{fmt}"
        if fmt == "parquet":
            assert int(offset) == i
        else:
            assert json.loads(line_at(stream, int(offset))) == rec


@pytest.mark.parametrize("fmt", [*JSONL_FORMATS, "parquet"])
def test_defaults_when_fields_are_absent(tmp_path, fmt):
    # no id -> the origin is the id; no language label -> the source's single language
    records = [{"text": f"texto {i}", "other": i} for i in range(5)]
    path = tmp_path / f"a.{fmt}"
    write_records(path, fmt, records)
    src = make_source(fmt, path, languages=["gl"], fields=FieldMap(id="missing_id", language="lang", url="u"))
    r = read_all(src)
    assert [d["text"] for d in r.docs] == [f"texto {i}" for i in range(5)]
    for d in r.docs:
        assert d["id"] == d["origin"]
        assert d["origin"].startswith(f"a.{fmt}:")
        assert d["language"] == "gl"
        assert d["url"] is None and d["metadata"] is None and d["language_score"] is None
    # several languages and no label: unknown, not the first language
    r = read_all(make_source(fmt, path, languages=["gl", "pt"]))
    assert {d["language"] for d in r.docs} == {None}


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.zst", "parquet"])
def test_code_source_programming_language_from_folder(tmp_path, fmt):
    for lang in ("python", "rust"):
        records = [
            {"content": f"    fn_{lang}_{i}()\n", "id": f"{lang}-{i}", "max_stars_repo_name": f"o/r{i}", "max_stars_count": i}
            for i in range(3)
        ]
        write_records(tmp_path / "stack" / lang / f"train-0.{fmt}", fmt, records)
    fields = FieldMap(text="content", id="id", programming_language="{dir}", metadata={"repo_name": "max_stars_repo_name", "stars": "max_stars_count"})
    src = Source(id="code", name="Code", languages=["code"], domain="code", licence="x", format=fmt, location=str(tmp_path / "stack" / "*" / f"*.{fmt}"), fields=fields)
    r = read_all(src)
    assert r.records == 6
    assert [d["id"] for d in r.docs] == [f"{lang}-{i}" for lang in ("python", "rust") for i in range(3)]
    for d in r.docs:
        lang = d["id"].split("-")[0]
        i = int(d["id"].split("-")[1])
        assert d["language"] == "code"
        assert d["text"] == f"    fn_{lang}_{i}()\n"  # the reader does not strip
        assert d["metadata"] == json.dumps({"programming_language": lang, "repo_name": f"o/r{i}", "stars": i}, sort_keys=True, separators=(",", ":"))
        assert d["origin"].startswith(f"{lang}/train-0.{fmt}:")


# --- broken input ---------------------------------------------------------------------------------

BROKEN_LINES = [
    b'{"text": "primero", "id": "a"}',
    b'{"text": "roto',  # invalid JSON
    b'{"text": "mal \xff\xfe utf8", "id": "u"}',  # invalid UTF-8
    b'["a", "list"]',  # not an object
    b'{"body": "no text field", "id": "n"}',  # text missing
    b'{"text": "   \\n ", "id": "e"}',  # empty text
    b'{"text": 42, "id": "i"}',  # text not a string
    b"",  # blank line: a separator, not a record
    b'{"text": "segundo", "id": "b"}',
]


@pytest.mark.parametrize("fmt", JSONL_FORMATS)
def test_broken_records(tmp_path, fmt):
    raw = b"\n".join(BROKEN_LINES) + b"\n"
    offsets = {}
    pos = 0
    for line in BROKEN_LINES:
        offsets[line] = pos
        pos += len(line) + 1
    path = tmp_path / f"broken.{fmt}"
    path.write_bytes(compress(raw, fmt))
    r = read_all(make_source(fmt, path, fields=FieldMap(id="id")))

    assert [d["id"] for d in r.docs] == ["a", "b"]
    assert [d["text"] for d in r.docs] == ["primero", "segundo"]
    assert r.records == 8  # 9 lines, one of them blank
    assert len(r.docs) + len(r.rejected) + len(r.quarantined) == r.records

    (rej,) = r.rejected
    assert (rej["stage"], rej["reason"], rej["id"]) == ("read", "empty_text", "e")
    assert rej["origin"] == f"broken.{fmt}:{offsets[BROKEN_LINES[5]]}"

    q = {row["offset"]: row for row in r.quarantined}
    assert sorted(q) == sorted(offsets[BROKEN_LINES[i]] for i in (1, 2, 3, 4, 6))
    for row in r.quarantined:
        assert row["source"] == "src" and row["file"] == f"broken.{fmt}"
    assert q[offsets[BROKEN_LINES[1]]]["error"].startswith("invalid JSON")
    assert q[offsets[BROKEN_LINES[1]]]["raw"].rstrip(b"\n") == BROKEN_LINES[1]
    assert q[offsets[BROKEN_LINES[2]]]["error"].startswith("invalid UTF-8")
    assert q[offsets[BROKEN_LINES[2]]]["raw"].rstrip(b"\n") == BROKEN_LINES[2]
    assert "list" in q[offsets[BROKEN_LINES[3]]]["error"]
    assert "text" in q[offsets[BROKEN_LINES[4]]]["error"] and "missing" in q[offsets[BROKEN_LINES[4]]]["error"]
    assert "not a string" in q[offsets[BROKEN_LINES[6]]]["error"]


def test_no_trailing_newline_and_crlf(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "uno"}\r\n{"text": "dos"}\r\n\r\n{"text": "tres"}')
    r = read_all(make_source("jsonl", path))
    assert [d["text"] for d in r.docs] == ["uno", "dos", "tres"]
    assert [d["origin"] for d in r.docs] == ["a.jsonl:0", "a.jsonl:17", "a.jsonl:36"]
    assert r.records == 3 and not r.quarantined


def incompressible_records(n: int) -> list[dict]:
    return [{"id": f"r{i}", "text": " ".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest() for k in range(4))} for i in range(n)]


@pytest.mark.parametrize("fmt, name", [("jsonl.zst", "zstd"), ("jsonl.gz", "gzip"), ("jsonl.xz", "xz"), ("jsonl.bz2", "bz2")])
def test_truncated_stream(tmp_path, fmt, name):
    records = incompressible_records(6000)  # ~1.6 MB: several zstd blocks / deflate blocks
    raw = jsonl(records)
    data = compress(raw, fmt)
    cut = data[: int(len(data) * 0.6)]
    path = tmp_path / f"cut.{fmt}"
    path.write_bytes(cut)

    # what an independent streaming decoder recovers from the cut bytes
    if fmt == "jsonl.gz":
        prefix = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)
    elif fmt == "jsonl.xz":
        prefix = lzma.LZMADecompressor().decompress(cut)
    elif fmt == "jsonl.bz2":
        prefix = bz2.BZ2Decompressor().decompress(cut)
    else:
        prefix = zstandard.ZstdDecompressor().decompressobj().decompress(cut)
    assert raw.startswith(prefix) and 0 < len(prefix) < len(raw)
    complete = prefix[: prefix.rfind(b"\n") + 1]
    n_complete = complete.count(b"\n")
    assert 0 < n_complete < len(records)

    r = read_all(make_source(fmt, path, fields=FieldMap(id="id")))
    assert [d["id"] for d in r.docs] == [rec["id"] for rec in records[:n_complete]]
    assert [d["text"] for d in r.docs] == [rec["text"] for rec in records[:n_complete]]
    assert not r.rejected
    (q,) = r.quarantined
    assert f"truncated {name}" in q["error"]
    assert q["offset"] == len(complete)
    tail = prefix[len(complete):]
    assert q["raw"] == (tail or None)
    assert r.records == n_complete + 1


@pytest.mark.parametrize("fmt, name", [("jsonl.zst", "zstd"), ("jsonl.gz", "gzip"), ("jsonl.xz", "xz"), ("jsonl.bz2", "bz2")])
def test_truncated_inside_the_header(tmp_path, fmt, name):
    path = tmp_path / f"cut.{fmt}"
    path.write_bytes(compress(jsonl([{"text": "x"}]), fmt)[:5])
    r = read_all(make_source(fmt, path))
    assert not r.docs and r.records == 1
    (q,) = r.quarantined
    assert name in q["error"] and q["offset"] == 0


@pytest.mark.parametrize("fmt", ["jsonl.zst", "jsonl.gz", "jsonl"])
def test_empty_file(tmp_path, fmt):
    path = tmp_path / f"empty.{fmt}"
    path.write_bytes(b"")
    src = make_source(fmt, path)
    parts = plan_parts(src)
    assert len(parts) == 1
    r = read_parts(src, parts)
    assert r.records == 0 and not r.docs and not r.rejected and not r.quarantined


@pytest.mark.parametrize("fmt", ["jsonl.zst", "jsonl.gz", "jsonl.xz", "jsonl.bz2"])
def test_multi_frame_and_multi_member(tmp_path, fmt):
    records = [{"text": f"texto {i}", "id": str(i)} for i in range(50)]
    raw = jsonl(records)
    chunks = [jsonl(records[i : i + 7]) for i in range(0, 50, 7)]
    if fmt == "jsonl.zst":
        data = b"".join(zstandard.ZstdCompressor().compress(c) for c in chunks)
        # and a frame written by a streaming compressor (no content size in the header)
        buf = io.BytesIO()
        with zstandard.ZstdCompressor().stream_writer(buf, closefd=False) as w:
            w.write(jsonl([{"text": "streamed", "id": "s"}]))
        data += buf.getvalue()
    else:
        one = {"jsonl.gz": gzip.compress, "jsonl.xz": lzma.compress, "jsonl.bz2": bz2.compress}[fmt]
        data = b"".join(one(c) for c in chunks) + one(jsonl([{"text": "streamed", "id": "s"}]))
    path = tmp_path / f"multi.{fmt}"
    path.write_bytes(data)
    r = read_all(make_source(fmt, path, fields=FieldMap(id="id")))
    assert [d["id"] for d in r.docs] == [str(i) for i in range(50)] + ["s"]
    assert not r.quarantined and r.records == 51
    # offsets run on across frames/members: positions in the whole decompressed stream
    stream = raw + b'{"text": "streamed", "id": "s"}\n'
    for d in r.docs:
        assert json.loads(line_at(stream, int(d["origin"].rpartition(":")[2])))["id"] == d["id"]


def test_batches_are_bounded(tmp_path):
    path = tmp_path / "a.jsonl.zst"
    path.write_bytes(compress(jsonl([{"text": f"t{i}"} for i in range(100)]), "jsonl.zst"))
    src = make_source("jsonl.zst", path)
    (part,) = plan_parts(src)
    batches = list(read_part(src, part, batch_records=16))
    assert [b.records for b in batches] == [16] * 6 + [4]
    assert sum(b.docs.num_rows for b in batches) == 100


# --- splitting ------------------------------------------------------------------------------------


def split_test_file(tmp_path: Path) -> Path:
    lines = []
    for i in range(120):
        text = f"línea {i} " + "ñé€😀"[i % 4] * (i % 23)  # multi-byte characters: cuts fall inside them
        lines.append(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False).encode())
        if i == 40:
            lines.append(b"")  # blank line
        if i == 70:
            lines.append(b'{"id": "broken", "text": ')  # quarantined, whichever part holds it
        if i == 90:
            lines.append(b'{"id": "empty", "text": ""}')  # rejected
    path = tmp_path / "split" / "data.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"\r\n".join(lines[:30]) + b"\r\n" + b"\n".join(lines[30:]))  # no final newline
    return path


def summary(r: Result):
    return (
        [(d["id"], d["text"], d["origin"]) for d in r.docs],
        [(d["id"], d["reason"], d["origin"]) for d in r.rejected],
        [(q["offset"], q["error"], q["raw"]) for q in r.quarantined],
        r.records,
    )


def test_split_jsonl_equals_whole(tmp_path):
    path = split_test_file(tmp_path)
    src = make_source("jsonl", path.parent / "*.jsonl", fields=FieldMap(id="id"))
    whole = read_all(src)
    assert len(whole.parts) == 1
    assert len(whole.docs) == 120 and len(whole.rejected) == 1 and len(whole.quarantined) == 1
    size = path.stat().st_size
    for max_part_bytes in (7, 64, 97, 100, 333, 1000, size // 2, size - 1, size):
        split = read_all(src, max_part_bytes=max_part_bytes)
        assert summary(split) == summary(whole), max_part_bytes
        expected_parts = -(-size // max_part_bytes) if size > max_part_bytes else 1
        assert len(split.parts) == expected_parts
        if expected_parts > 1:
            # contiguous byte ranges covering the file
            assert split.parts[0].start == 0 and split.parts[-1].end == size
            assert all(a.end == b.start for a, b in zip(split.parts, split.parts[1:]))
            assert len({p.key for p in split.parts}) == len(split.parts)


def test_every_cut_point(tmp_path):
    # two parts [0, c) and [c, size) for every c: each line is read once, by the part holding its first byte
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "a\xc3\xb1"}\n\n{"text": "b"}\r\n{"text": "c"}\n{"text": "d"}')
    src = make_source("jsonl", path)
    whole = read_all(src)
    assert [d["text"] for d in whole.docs] == ["añ", "b", "c", "d"]
    size = path.stat().st_size
    for c in range(1, size):
        parts = [Part("src", "a.jsonl", str(path), 0, 0, c, size), Part("src", "a.jsonl", str(path), 1, c, size, size)]
        assert summary(read_parts(src, parts)) == summary(whole), c


def test_split_parquet_by_row_groups(tmp_path):
    n = 103
    table = pa.table({"text": [f"fila {i} " + "x" * (i % 40) for i in range(n)], "id": [f"r{i}" for i in range(n)]})
    path = tmp_path / "pq" / "a.parquet"
    path.parent.mkdir()
    pq.write_table(table, path, row_group_size=10)
    assert pq.ParquetFile(path).metadata.num_row_groups == 11
    src = make_source("parquet", path, fields=FieldMap(id="id"))
    whole = read_all(src)
    assert len(whole.parts) == 1
    assert [d["id"] for d in whole.docs] == [f"r{i}" for i in range(n)]
    assert [d["origin"] for d in whole.docs] == [f"a.parquet:{i}" for i in range(n)]
    for max_part_bytes in (1, 500, 2000):
        split = read_all(src, max_part_bytes=max_part_bytes, batch_records=7)
        assert len(split.parts) > 1, max_part_bytes
        assert split.parts[0].start == 0 and split.parts[-1].end == 11
        assert all(a.end == b.start for a, b in zip(split.parts, split.parts[1:]))
        assert summary(split) == summary(whole), max_part_bytes
    assert len(plan_parts(src, max_part_bytes=1)) == 11


def test_compressed_files_are_one_part(tmp_path):
    path = tmp_path / "a.jsonl.zst"
    path.write_bytes(compress(jsonl(incompressible_records(200)), "jsonl.zst"))
    parts = plan_parts(make_source("jsonl.zst", path), max_part_bytes=100)
    assert len(parts) == 1 and parts[0].start is None


def test_location_matching_nothing_is_an_error(tmp_path):
    from curation.core.errors import UserError

    with pytest.raises(UserError, match="no files match"):
        plan_parts(make_source("jsonl", tmp_path / "none" / "*.jsonl"))


# --- WARC -----------------------------------------------------------------------------------------

ARTICLE = (
    "<html><head><title>Noticias</title></head><body><article><p>"
    + "La ciudad celebró ayer su fiesta mayor con música y baile en todas las plazas. " * 8
    + "</p></article></body></html>"
)
LATIN1_PAGE = "<html><body><p>" + "El niño comió piñas en España con su señora madre. " * 8 + "</p></body></html>"
CP1251_PAGE = "<html><body><p>" + "България е държава в Югоизточна Европа. " * 8 + "</p></body></html>"


@pytest.fixture
def warc_file(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl" / "a.warc.gz"
    path.parent.mkdir()
    ids = {}
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)

        def write(rec, name):
            ids[name] = rec.rec_headers.get_header("WARC-Record-ID")
            w.write_record(rec)

        def response(url, status, ctype, body):
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            return w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)

        write(w.create_warcinfo_record("a.warc.gz", {"software": "tests"}), "warcinfo")
        req = StatusAndHeaders("GET /noticias HTTP/1.1", [("Host", "example.es")], is_http_request=True)
        write(w.create_warc_record("https://example.es/noticias", "request", http_headers=req, payload=io.BytesIO(b"")), "request")
        write(response("https://example.es/noticias", "200 OK", "text/html; charset=utf-8", ARTICLE.encode()), "html")
        write(response("https://example.es/falta", "404 Not Found", "text/html", b"<html>no</html>"), "404")
        write(response("https://example.es/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n0000"), "png")
        write(response("https://example.es/latin", "200 OK", "text/html; charset=iso-8859-1", LATIN1_PAGE.encode("latin-1")), "latin1")
        write(response("https://example.bg/", "200 OK", 'text/html; Charset="windows-1251"', CP1251_PAGE.encode("cp1251")), "cp1251")
    return path, ids


def test_warc_records(warc_file):
    path, ids = warc_file
    fields = FieldMap(text="text", id="id", url="url", metadata=["date", "http_status", "content_type"])
    src = make_source("warc", path.parent / "*.warc.gz", languages=["es"], fields=fields)
    r = read_all(src)
    assert r.records == 7 and not r.quarantined

    docs = {d["id"]: d for d in r.docs}
    assert list(docs) == [ids["html"], ids["latin1"], ids["cp1251"]]
    html = docs[ids["html"]]
    assert html["url"] == "https://example.es/noticias"
    assert html["text"] == ARTICLE  # the HTML itself; the extract stage makes text of it
    assert html["language"] == "es"
    meta = json.loads(html["metadata"])
    assert meta["http_status"] == 200 and meta["content_type"] == "text/html" and meta["date"]
    latin = docs[ids["latin1"]]
    assert latin["url"] == "https://example.es/latin"
    assert latin["text"] == LATIN1_PAGE
    assert "niño" in latin["text"] and "España" in latin["text"]
    # the declared charset wins (a cp1252 fallback would turn Cyrillic into Latin mojibake)
    assert docs[ids["cp1251"]]["text"] == CP1251_PAGE

    reasons = {d["id"]: d["reason"] for d in r.rejected}
    assert reasons == {
        ids["warcinfo"]: "warc_type:warcinfo",
        ids["request"]: "warc_type:request",
        ids["404"]: "http_status:404",
        ids["png"]: "content_type:image/png",
    }
    assert {d["stage"] for d in r.rejected} == {"read"}

    # origin offsets are the WARC records' offsets in the file (each record is its own gzip member)
    raw = path.read_bytes()
    for d in r.docs + r.rejected:
        rel, _, offset = d["origin"].rpartition(":")
        assert rel == "a.warc.gz"
        member = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[int(offset):])
        assert member.startswith(b"WARC/1.0\r\n")
        assert f"WARC-Record-ID: {d['id']}".encode() in member


def test_warc_then_extract(warc_file):
    path, ids = warc_file
    src = make_source("warc", path, languages=["es"], fields=FieldMap(text="text", id="id", url="url"))
    (batch,) = list(read_part(src, plan_parts(src)[0]))
    out = Extract(ExtractConfig()).process(batch.docs, src)
    assert out.reasons == [None, None, None]
    texts = out.table["text"].to_pylist()
    assert texts[0].startswith("La ciudad celebró ayer su fiesta mayor") and "<" not in texts[0]
    assert "niño comió piñas en España" in texts[1]
    assert "България е държава в Югоизточна Европа." in texts[2]
    assert json.loads(out.table["metadata"][0].as_py())["title"] == "Noticias"


def test_truncated_warc_is_reported_wherever_it_is_cut(warc_file):
    path, ids = warc_file
    full = path.read_bytes()
    src = make_source("warc", path, languages=["es"], fields=FieldMap(text="text", id="id"))
    whole = read_all(src)
    order = sorted(whole.docs + whole.rejected, key=lambda d: int(d["origin"].rpartition(":")[2]))
    record_ids = [d["id"] for d in order]
    starts = [int(d["origin"].rpartition(":")[2]) for d in order]
    ends = starts[1:] + [len(full)]  # each record is one gzip member
    assert len(record_ids) == 7
    errors = set()
    for size in range(0, len(full), 3):
        path.write_bytes(full[:size])
        r = read_all(src)  # (read_parts checks records == docs + rejected + quarantined in every batch)
        seen = sorted(r.docs + r.rejected, key=lambda d: int(d["origin"].rpartition(":")[2]))
        # what is read is a prefix of the file's records, and no document is a cut page
        assert [d["id"] for d in seen] == record_ids[: len(seen)], size
        assert {d["text"] for d in r.docs} <= {ARTICLE, LATIN1_PAGE, CP1251_PAGE}, size
        assert len(r.quarantined) <= 1, size
        if not r.quarantined:
            # a file can pass for whole only when it was cut inside the tail of the last record it shows
            # (separator, gzip trailer): no byte of a further record may be dropped without a word
            k = len(seen)
            assert (k == 0 and size == 0) or starts[k - 1] < size <= ends[k - 1], (size, k)
        else:
            (q,) = r.quarantined
            assert q["file"] == "a.warc.gz" and q["offset"] in starts, (size, q)
            assert r.records == len(seen) + 1
            errors.add(q["error"].split(" at offset")[0].split(":")[0].split(" (")[0])
    # the cuts hit records cut inside their block, inside their header, and before any header line
    assert errors == {"truncated WARC record", "WARC record without a valid Content-Length", "unreadable WARC data"}, errors


def test_uncompressed_warc(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "a.warc"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=False)
        w.write_record(w.create_warcinfo_record("a.warc", {"software": "tests"}))
        http = StatusAndHeaders("200 OK", [("Content-Type", "application/xhtml+xml")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("https://x.es/", "response", payload=io.BytesIO(ARTICLE.encode()), http_headers=http))
        w.write_record(w.create_warc_record("https://x.es/t", "resource", payload=io.BytesIO("texto plano ñ".encode()), warc_content_type="text/plain"))
    src = make_source("warc", path, languages=["es"], fields=FieldMap(text="text", id="id", url="url"))
    r = read_all(src)
    assert [d["text"] for d in r.docs] == [ARTICLE, "texto plano ñ"]
    assert [d["reason"] for d in r.rejected] == ["warc_type:warcinfo"]
    assert not r.quarantined
    raw = path.read_bytes()
    for d in r.docs:
        assert raw[int(d["origin"].rpartition(":")[2]):].startswith(b"WARC/1.0\r\n")


def test_not_a_warc_file(tmp_path):
    path = tmp_path / "a.warc.gz"
    path.write_bytes(gzip.compress(b"this is not a WARC file\n"))
    r = read_all(make_source("warc", path))
    assert r.records == 1 and not r.docs
    (q,) = r.quarantined
    assert q["offset"] == 0 and "WARC" in q["error"]
    path.write_bytes(b"")
    r = read_all(make_source("warc", path))
    assert r.records == 0 and not r.quarantined


# --- stages ---------------------------------------------------------------------------------------


def docs_table(texts: list[str], metadata: list[str | None] | None = None) -> pa.Table:
    n = len(texts)
    return pa.Table.from_pydict(
        {
            "id": [f"d{i}" for i in range(n)],
            "text": texts,
            "source": ["src"] * n,
            "language": ["es"] * n,
            "language_score": [None] * n,
            "url": [f"https://example.es/{i}" for i in range(n)],
            "metadata": metadata or [None] * n,
            "origin": [f"f:{i}" for i in range(n)],
        },
        schema=DOCUMENT_SCHEMA,
    )


def test_normalize():
    src = make_source("jsonl", "x")
    nfd = unicodedata.normalize("NFD", "Canción del niño en Señora")
    assert nfd != unicodedata.normalize("NFC", nfd)
    texts = [nfd, "cafÃ©", "El niÃ±o de EspaÃ±a", "  \n\t  ", "  hola mundo \n", "a\x00b\x07c\td", "plain ascii"]
    out = Normalize(NormalizeConfig()).process(docs_table(texts), src)
    got = out.table["text"].to_pylist()
    assert got[0] == unicodedata.normalize("NFC", nfd) == "Canción del niño en Señora"
    assert got[1] == "café"
    assert got[2] == "El niño de España"
    assert got[4] == "hola mundo"
    assert got[5] == "abc\td"  # control characters removed, tab kept
    assert got[6] == "plain ascii"
    assert out.reasons == [None, None, None, "empty", None, None, None]
    assert out.table.num_rows == len(texts) and out.table["id"].to_pylist() == [f"d{i}" for i in range(len(texts))]


def test_normalize_keeps_code_whitespace():
    code = Source(id="code", name="Code", languages=["code"], domain="code", licence="x", format="jsonl", location="x")
    source = "\n    def f():\n        return 'é'\n\n"
    out = Normalize(NormalizeConfig(max_blank_lines=0, strip_trailing_spaces=True)).process(docs_table([source, " \n\t "]), code)
    assert out.table["text"][0].as_py() == source
    assert out.reasons == [None, "empty"]


def test_normalize_switches():
    src = make_source("jsonl", "x")
    nfd = unicodedata.normalize("NFD", "niño")
    off = Normalize(NormalizeConfig(nfc=False, fix_encoding=False, strip=False))
    out = off.process(docs_table([nfd, "cafÃ©", " x "]), src)
    assert out.table["text"].to_pylist() == [nfd, "cafÃ©", " x "]
    layout = Normalize(NormalizeConfig(unify_newlines=True, strip_trailing_spaces=True, max_blank_lines=1))
    out = layout.process(docs_table(["a  \r\nb\r\n\r\n\r\n\r\nc"]), src)
    assert out.table["text"][0].as_py() == "a\nb\n\nc"


@pytest.mark.parametrize("fmt, name, unit", [("jsonl.gz", "gzip", "member"), ("jsonl.zst", "zstd", "frame")])
def test_corrupt_member_between_good_ones_is_skipped(tmp_path, fmt, name, unit):
    """Concatenated members/frames of real text (the GPL's paragraphs), the third one's magic damaged: its
    span is one quarantine entry naming its compressed offset, the members after it are read, counted exactly."""
    paragraphs = [p.strip() for p in Path("/usr/share/common-licenses/GPL-3").read_text().split("\n\n") if p.strip()][:50]
    records = [{"id": str(i), "text": p} for i, p in enumerate(paragraphs)]
    chunks = [jsonl(records[i : i + 10]) for i in range(0, 50, 10)]
    members = [compress(c, fmt) for c in chunks]
    starts = [sum(len(m) for m in members[:k]) for k in range(5)]
    data = bytearray(b"".join(members))
    data[starts[2] + 1] ^= 0xFF  # the magic's second byte: the member/frame cannot even start
    path = tmp_path / f"multi.{fmt}"
    path.write_bytes(bytes(data))
    r = read_all(make_source(fmt, path, languages=["en"], fields=FieldMap(id="id")))
    kept = records[:20] + records[30:]
    assert [(d["id"], d["text"]) for d in r.docs] == [(x["id"], x["text"]) for x in kept]
    (q,) = r.quarantined
    assert q["offset"] == len(chunks[0]) + len(chunks[1]) and q["raw"] is None
    assert q["error"].startswith(f"corrupt {name} {unit} at compressed offset {starts[2]}: ")
    assert q["error"].endswith(f"; {starts[3] - starts[2]} compressed bytes skipped to the next {unit}")
    assert r.records == 41 and not r.rejected  # 40 read + the damaged span
    # offsets after the span count the bytes delivered: the fourth member's lines follow the second's
    stream = chunks[0] + chunks[1] + chunks[3] + chunks[4]
    for d in r.docs:
        assert json.loads(line_at(stream, int(d["origin"].rpartition(":")[2])))["id"] == d["id"]

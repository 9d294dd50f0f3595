"""WARC specifics: a .warc.gz split into byte ranges read by several tasks, and the id/url defaults."""

from __future__ import annotations

import gzip
import hashlib
import io
import re

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from curation.bench._pages import find_pages, write_warc
from curation.config.manifest import FieldMap
from curation.readers import plan_parts
from curation.readers.parts import unsplittable
from curation.readers.warc import next_member
from test_readers import ARTICLE, LATIN1_PAGE, make_source, read_all, read_parts


def noise(i: int, n: int) -> bytes:
    """Incompressible bytes (zlib stores a large run of them verbatim), with gzip's magic planted in them."""
    out = b"".join(hashlib.sha256(f"{i}:{k}".encode()).digest() for k in range(n // 32 + 1))[:n]
    return out[: n // 2] + b"\x1f\x8b\x08\x00" + out[n // 2 :]


@pytest.fixture
def big_warc(tmp_path):
    path = tmp_path / "big.warc.gz"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        w.write_record(w.create_warcinfo_record("big.warc.gz", {"software": "tests"}))
        for i in range(60):
            url = f"https://example.es/{i}"
            if i % 5 == 4:  # an image whose bytes hold gzip's magic: a false member start
                http = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                body = noise(i, 70000)
            else:
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                body = (ARTICLE if i % 2 else LATIN1_PAGE).replace("</body>", f"<p>{i}</p></body>").encode()
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    return path


def test_gzipped_warc_is_split_into_byte_ranges(big_warc):
    src = make_source("warc", big_warc, languages=["es"])
    whole = read_all(src)
    assert whole.records == 61 and not whole.quarantined
    key = lambda r: [(d["id"], d["origin"], d["text"]) for d in r.docs] + [(d["id"], d["reason"]) for d in r.rejected]  # noqa: E731
    size = big_warc.stat().st_size
    for max_part_bytes in (size // 7, size // 3, 4000):
        parts = plan_parts(src, max_part_bytes=max_part_bytes)
        assert len(parts) > 2 and all(a.end == b.start for a, b in zip(parts, parts[1:]))
        split = read_parts(src, parts)
        # every record read once, by the part in which its gzip member starts; order kept
        assert split.records == 61 and not split.quarantined
        assert key(split) == key(whole), max_part_bytes
    assert not unsplittable(plan_parts(src, max_part_bytes=4000), 4000)


def test_next_member_skips_magic_bytes_inside_records(big_warc):
    raw = big_warc.read_bytes()
    src = make_source("warc", big_warc, languages=["es"])
    starts = sorted(int(d["origin"].rpartition(":")[2]) for d in read_all(src).docs + read_all(src).rejected)
    planted = [i for i in range(len(raw)) if raw.startswith(b"\x1f\x8b\x08", i) and i not in starts]
    assert planted  # the noise really put false magic into the file
    with open(big_warc, "rb") as f:
        for pos in planted:
            assert next_member(f, pos, None) == min((s for s in starts if s >= pos), default=None)
        assert next_member(f, starts[-1] + 1, None) is None


def test_warc_defaults_to_record_id_and_target_uri(big_warc):
    r = read_all(make_source("warc", big_warc, languages=["es"], fields=FieldMap()))
    assert all(d["id"].startswith("<urn:uuid:") for d in r.docs + r.rejected)
    assert [d["url"] for d in r.docs][:2] == ["https://example.es/0", "https://example.es/1"]


def test_compressed_jsonl_larger_than_a_part_is_reported(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "x"}\n' * 1000))
    parts = plan_parts(make_source("jsonl.gz", path), max_part_bytes=10)
    assert [p.relpath for p in unsplittable(parts, 10)] == ["a.jsonl.gz"]


def test_damaged_member_of_a_warc_gz_loses_only_its_record(big_warc, tmp_path):
    """A .warc.gz whose one member is damaged: that member is quarantined, the records after it are still read."""
    data = big_warc.read_bytes()
    members = [m for m in range(len(data)) if data.startswith(b"\x1f\x8b\x08", m) and next_member(io.BytesIO(data), m, m + 1) == m]
    assert len(members) == 61
    bad = members[30]
    damaged = tmp_path / "damaged.warc.gz"
    damaged.write_bytes(data[: bad + 30] + b"\x00" * 20 + data[bad + 50 :])
    r = read_all(make_source("warc", damaged, languages=["es"]))
    whole = read_all(make_source("warc", big_warc, languages=["es"]))
    assert [q["offset"] for q in r.quarantined] == [bad]
    assert r.records == 61  # 60 records read, 1 quarantined
    assert len(r.docs) + len(r.rejected) == 60
    lost = {d["id"] for d in whole.docs + whole.rejected} - {d["id"] for d in r.docs + r.rejected}
    assert len(lost) == 1


# --- uncompressed .warc: record framing -------------------------------------------------------------

PAGES = 10


@pytest.fixture
def plain_warc(tmp_path) -> tuple[bytes, list[int]]:
    """A plain .warc of real HTML pages (Debian's HTML manuals): warcinfo, then request + response per
    page. Returns its bytes and every record's offset (read with warcio)."""
    return _pages_warc(tmp_path / "pages.warc", gzip=False)


def _pages_warc(path, gzip: bool) -> tuple[bytes, list[int]]:
    write_warc(path, find_pages("/usr/share/doc", PAGES), gzip=gzip)
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        starts = [it.get_record_offset() for _ in it]
    assert len(starts) == 1 + 2 * PAGES
    return path.read_bytes(), starts


def _read_plain(tmp_path, data: bytes):
    path = tmp_path / "damaged" / "a.warc"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return read_all(make_source("warc", path, languages=["en"], fields=FieldMap(text="text", id="id", url="url")))


def _offsets(r) -> list[int]:
    return sorted(int(d["origin"].rpartition(":")[2]) for d in r.docs + r.rejected)


def _with_content_length(data: bytes, record: int, delta: int) -> tuple[bytes, int]:
    """The record's Content-Length changed by delta; returns the bytes and how much the file grew."""
    m = re.compile(rb"\r\nContent-Length: (\d+)\r\n").search(data, record)
    new = str(int(m.group(1)) + delta).encode()
    return data[: m.start(1)] + new + data[m.end(1):], len(new) - len(m.group(1))


@pytest.mark.parametrize("damage", ["garbled_header", "content_length+50", "content_length-50"])
def test_plain_warc_quarantines_a_badly_framed_record_and_reads_on(plain_warc, tmp_path, damage):
    """A garbled header line or a wrong Content-Length in a plain .warc: that record is quarantined at its
    offset, and every record after it is still read, from the next record header."""
    data, starts = plain_warc
    whole = _read_plain(tmp_path, data)
    assert whole.records == len(starts) and not whole.quarantined and _offsets(whole) == starts
    victim = 10  # the response of the fifth page
    bad = starts[victim]
    if damage == "garbled_header":
        damaged, grew = data[:bad] + b"WA\x00C/1.0" + data[bad + 8:], 0
    else:
        damaged, grew = _with_content_length(data, bad, int(damage[-3:]))
    r = _read_plain(tmp_path, damaged)
    assert r.records == len(starts)  # every record counted once: read or quarantined
    (q,) = r.quarantined
    assert (q["file"], q["offset"]) == ("a.warc", bad)
    expected = "garbled WARC record header" if damage == "garbled_header" else "wrong Content-Length"
    assert q["error"].startswith(f"WARC record at offset {bad}: {expected}"), q["error"]
    assert q["raw"].startswith(damaged[bad:bad + 8]) and q["raw_length"] == starts[victim + 1] + grew - bad
    # every other record read, at its own offset (shifted by the edit after it), with its own text
    assert _offsets(r) == starts[:victim] + [s + grew for s in starts[victim + 1:]]
    key = lambda d: (d["id"], d["text"])  # noqa: E731
    lost = [d for d in whole.docs + whole.rejected if int(d["origin"].rpartition(":")[2]) == bad]
    assert sorted(map(key, r.docs + r.rejected)) == sorted(key(d) for d in whole.docs + whole.rejected if d not in lost)


def test_plain_warc_truncated_anywhere_loses_only_the_cut_record(plain_warc, tmp_path):
    """Cut at any point: what is read is the records before the cut, whole; the cut record is quarantined at
    its offset (a cut exactly between records loses nothing)."""
    data, starts = plain_warc
    ends = [s - 4 for s in starts[1:]] + [len(data) - 4]  # each record's last block byte + 1 (CRLF CRLF follows)
    for size in [*range(0, starts[3], 37), *range(starts[3], len(data), 4999), ends[-1], ends[-1] + 2, len(data)]:
        r = _read_plain(tmp_path, data[:size])
        whole_records = [s for s, e in zip(starts, ends) if e <= size]
        assert _offsets(r) == whole_records, size
        cut = [s for s, e in zip(starts, ends) if s < size < e]
        assert [q["offset"] for q in r.quarantined] == cut, size
        assert r.records == len(whole_records) + len(cut)
        for q in r.quarantined:
            assert "truncated" in q["error"], q["error"]


# --- .warc.gz: each record must fill its gzip member ------------------------------------------------


@pytest.fixture
def gz_warc(tmp_path) -> tuple[bytes, list[int]]:
    """A .warc.gz of real HTML pages, one gzip member per record; its bytes and every member's offset."""
    return _pages_warc(tmp_path / "pages.warc.gz", gzip=True)


def _with_member_content_length(data: bytes, starts: list[int], k: int, delta: int) -> tuple[bytes, int, int]:
    """Member k recompressed with its record's Content-Length changed by delta (the block itself unchanged):
    (the file's bytes, how much the file grew, the true block size)."""
    end = starts[k + 1] if k + 1 < len(starts) else len(data)
    member = gzip.decompress(data[starts[k]:end])
    m = re.compile(rb"\r\nContent-Length: (\d+)\r\n").search(member)
    length = int(m.group(1))
    new = gzip.compress(member[: m.start(1)] + str(length + delta).encode() + member[m.end(1):])
    return data[: starts[k]] + new + data[end:], len(new) - (end - starts[k]), length


def _read_gz(tmp_path, data: bytes, max_part_bytes: int | None = None):
    path = tmp_path / "damaged" / "a.warc.gz"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return read_all(make_source("warc", path, languages=["en"], fields=FieldMap(text="text", id="id", url="url")), max_part_bytes=max_part_bytes)


@pytest.mark.parametrize("victim", [10, 11, 2 * PAGES])  # a response, a request, the last record
@pytest.mark.parametrize("delta", [-50, -1, 1, 50, 3000])
def test_warc_gz_record_whose_content_length_does_not_fit_its_member(gz_warc, tmp_path, victim, delta):
    """A Content-Length too small or too large for the record in its gzip member: that record is quarantined
    (file, member offset, why) and every other record is read, whole, at its own offset, whole file or split."""
    data, starts = gz_warc
    whole = _read_gz(tmp_path, data)
    assert whole.records == len(starts) and not whole.quarantined and _offsets(whole) == starts
    damaged, grew, length = _with_member_content_length(data, starts, victim, delta)
    bad = starts[victim]
    expected = [s for s in starts[:victim]] + [s + grew for s in starts[victim + 1:]]
    key = lambda d: (d["id"], d["text"], d.get("reason"))  # noqa: E731
    kept = sorted(key(d) for d in whole.docs + whole.rejected if int(d["origin"].rpartition(":")[2]) != bad)
    for max_part_bytes in (None, len(damaged) // 3, 5000):
        r = _read_gz(tmp_path, damaged, max_part_bytes)
        assert r.records == len(starts), max_part_bytes  # every record counted once: read or quarantined
        (q,) = r.quarantined
        assert (q["file"], q["offset"]) == ("a.warc.gz", bad)
        assert q["error"] == f"WARC record at offset {bad}: Content-Length {length + delta} does not match the record ({length} bytes)"
        assert q["raw"].startswith(b"WARC/1.0\r\n")
        assert _offsets(r) == expected, max_part_bytes
        assert sorted(key(d) for d in r.docs + r.rejected) == kept


def test_warc_gz_gzipped_whole_is_not_taken_for_damage(gz_warc, tmp_path):
    """A .warc gzipped as one member (several records per member) reads as before, nothing quarantined."""
    data, starts = gz_warc
    r = _read_gz(tmp_path, gzip.compress(gzip.decompress(data)))
    assert r.records == len(starts) and not r.quarantined

"""WARC specifics: a .warc.gz split into byte ranges read by several tasks, and the id/url defaults."""

from __future__ import annotations

import gzip
import hashlib
import io

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

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

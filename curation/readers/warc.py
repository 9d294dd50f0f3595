"""WARC (optionally gzipped per record) -> documents whose text is the HTML of each response.

The extract stage turns the HTML into text. Records that are not documents (warcinfo, request, metadata,
...) and responses that are not HTML pages (images, PDFs, HTTP errors) are rejected at the read stage
with a reason, so that every WARC record is accounted for.

FastWARC (C++) reads the records. A record is taken from it only once the next record has been found,
which proves the record complete; the last record of a file (and everything after a record FastWARC
cannot parse) is read again with warcio, whose checks name truncated blocks, broken headers and trailing
garbage exactly. A .warc.gz part can be a byte range: it starts at the first gzip member at or after its
start that holds a WARC record, and ends before the first record starting at or after its end.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Generator, Iterator

import fsspec
from fastwarc.warc import ArchiveIterator as FastIterator
from warcio.archiveiterator import ArchiveIterator

from curation.core.schema import QUARANTINE_RAW_CAP
from curation.readers.documents import DocumentBuilder
from curation.readers.lines import GZIP_MAGIC, find_unit
from curation.readers.parts import Part
from curation.readers.warc_frames import TERMINATOR, Damage, Member, check_member, frame_at, resync, skip_blank, trailer_size

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class WarcRecord:
    """What the reader needs of a record, from either library."""

    offset: int
    wtype: str
    record_id: str | None
    url: str | None
    date: str | None
    http_status: str | None  # None: not an HTTP record
    content_type: str  # the HTTP Content-Type, or the WARC one for non-HTTP records
    body: bytes


def read_warc(part: Part, builder: DocumentBuilder) -> Iterator[None]:
    gz = part.path.endswith(".gz")
    pos: int | None = 0
    if part.start:
        with fsspec.open(part.path, "rb") as f:
            pos = next_member(f, part.start, part.end)
    while pos is not None and (part.end is None or pos < part.end):
        pos, resync = yield from _read_fast(part, builder, pos, gz)
        if resync or pos is None:
            continue  # a .warc.gz member whose record did not fit it was quarantined: FastWARC goes on after it
        if not gz:
            yield from _read_plain(part, builder, pos)
            return
        pos = yield from _read_warcio_from(part, builder, pos)


def _read_fast(part: Part, builder: DocumentBuilder, start: int, gz: bool) -> Generator[None, None, tuple[int | None, bool]]:
    """FastWARC from `start` (a record boundary). Returns (None, False) when the part is done, (offset, True)
    to go on with FastWARC at the member after a quarantined one, or (offset, False) for warcio to read on
    from that record (the last one FastWARC gave, or where it could not parse).

    In a .warc.gz each record must fill its gzip member exactly: a wrong Content-Length would otherwise cut
    the record short (and lose the member's rest) or swallow the next member. The cheap test: the member's
    gzip trailer records its uncompressed size, which must be the record's header + Content-Length + 4. Only
    a record that fails it is decompressed again to say what is wrong (warc_frames.check_member). A file
    gzipped whole (several records per member) is read by FastWARC alone, unchecked: its stream positions
    there are not record offsets, and warcio refuses such files."""
    with fsspec.open(part.path, "rb") as f, fsspec.open(part.path, "rb") as g:
        checks = gz
        failed = ""
        whole = False  # a file gzipped whole: FastWARC's stream positions are no record offsets there
        held: tuple[WarcRecord, int] | None = None  # the last record FastWARC gave, and its member's expected size
        f.seek(start)
        records = iter(FastIterator(f, parse_http=True, auto_decode="all", stream_detect=True))
        while True:
            try:
                rec = next(records, None)
                if rec is None:
                    break
                offset = rec.stream_pos  # the member's offset in the file (FastWARC counts from the file's start)
                new = (_fast_record(rec, offset), _member_size(rec)) if part.end is None or offset < part.end else None
            except Exception as e:  # noqa: BLE001 - FastWARC stops at what it cannot parse: warcio reads from there and says why
                failed = f"{type(e).__name__}: {e}"
                break
            if held is not None:
                if checks and trailer_size(g, offset) != held[1]:
                    member = check_member(g, held[0].offset)
                    whole = member.several
                    checks = member.end is not None and not whole  # no member to check (a corrupt one?): warcio's checks stay
                    if member.reason is not None and member.end is not None:
                        _quarantine_member(builder, held[0].offset, member)
                        yield None
                        return member.end, True
                _add(held[0], builder)
                yield None
                held = None
            if new is None:
                return None, False  # the next part's record
            held = new
        if held is None:
            return start, False
        if whole:  # warcio refuses such files ("non-chunked gzip file"): FastWARC's last record is taken as is
            _add(held[0], builder)
            if failed:  # no member to go on at: the rest is one entry
                builder.quarantine(held[0].offset, f"unreadable WARC data after the record at {held[0].offset} of a file gzipped whole: {failed}", None)
            yield None
            return None, False
        if checks:  # the last record FastWARC gave: its member's end is not known yet
            member = check_member(g, held[0].offset)
            if member.reason is not None and member.end is not None:
                _quarantine_member(builder, held[0].offset, member)
                yield None
                return member.end, True
        return held[0].offset, False


def _member_size(rec) -> int:
    """header + Content-Length + CRLF CRLF, mod 2**32 (as a gzip trailer records it), the header as written
    by every crawler ("Name: value" lines); a header written otherwise only costs a closer look."""
    h = rec.headers
    header = len(h.status_line_bytes) + 2 + sum(len(k) + len(v) + 4 for k, v in h.items_bytes()) + 2
    length = h.get("Content-Length", "")  # rec.content_length no longer counts the HTTP headers FastWARC parsed
    return (header + int(length) + len(TERMINATOR)) & 0xFFFFFFFF if length.isdigit() else -1


def _quarantine_member(builder: DocumentBuilder, offset: int, member: Member) -> None:
    builder.quarantine(offset, f"WARC record at offset {offset}: {member.reason}", member.data, raw_size=(member.end or offset) - offset)


def next_member(f: BinaryIO, pos: int, end: int | None) -> int | None:
    """Offset of the first gzip member at or after pos (and before end) whose data starts a WARC record."""
    return find_unit(f, pos, GZIP_MAGIC, _starts_record, end)


def _starts_record(head: bytes) -> bool:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16).startswith(b"WARC/")
    except zlib.error:
        return False


def _fast_record(rec, offset: int) -> WarcRecord:
    headers = rec.headers
    http = rec.http_headers if rec.is_http else None
    return WarcRecord(
        offset=offset,
        wtype=str(rec.record_type),
        record_id=headers.get("WARC-Record-ID"),
        url=headers.get("WARC-Target-URI"),
        date=headers.get("WARC-Date"),
        http_status=None if http is None else str(http.status_code),
        content_type=(http.get("Content-Type") if http is not None else headers.get("Content-Type")) or "",
        body=rec.reader.read(),
    )


def _read_warcio_from(part: Part, builder: DocumentBuilder, base: int) -> Iterator[None]:
    """Returns where to go on after unreadable data (a .warc.gz's next record member), or None at the end."""
    with fsspec.open(part.path, "rb") as f:
        f.seek(base)
        it = ArchiveIterator(f, arc2warc=True)
        records = iter(it)
        offset = end = base
        while True:
            try:
                record = next(records, None)
                if record is None:
                    break
                # Read the body before asking for the offset: get_record_offset() reads the record to its
                # end, after which content_stream() would return nothing.
                body = record.content_stream().read()
                offset = it.get_record_offset()  # warcio counts from the file position it started at
                end = offset + it.get_record_length()
            except Exception as e:  # noqa: BLE001 - warcio raises many types on corrupt input (AttributeError on garbled headers too)
                builder.quarantine(end, f"unreadable WARC data at offset {end}: {type(e).__name__}: {e}", None)
                yield None
                return next_member(f, end + 1, part.end) if part.path.endswith(".gz") else None
            if part.end is not None and offset >= part.end:
                return None  # the next part's record
            missing = getattr(record.raw_stream, "limit", 0)  # bytes of the record's block never read
            length = record.rec_headers.get_header("Content-Length") or ""
            if record.format == "warc" and not length.strip().isdigit():
                builder.quarantine(offset, f"WARC record without a valid Content-Length ({length!r}): a truncated header?", None, raw_size=len(body))
            elif missing:
                builder.quarantine(offset, f"truncated WARC record: the input ended {missing} bytes before the end of its block", None, raw_size=len(body))
            else:
                _add(_warcio_record(record, body, offset), builder)
            yield None
    # warcio ends quietly when the last gzip member is cut before it yields a header line: bytes after the
    # last complete record (other than the blank lines that separate uncompressed records) are reported.
    with fsspec.open(part.path, "rb") as f:
        f.seek(end)
        rest = f.read(QUARANTINE_RAW_CAP)
    if rest.strip():
        builder.quarantine(end, f"unreadable WARC data at offset {end}: an incomplete record (truncated file?)", rest)
        yield None


def _read_plain(part: Part, builder: DocumentBuilder, base: int) -> Iterator[None]:
    """An uncompressed .warc from `base` (a record boundary) to its end, each record's frame checked before
    it is parsed (warc_frames): a record whose header is garbled or whose Content-Length is wrong is
    quarantined with its offset and why, and reading goes on at the next record header, as a .warc.gz's
    goes on at its next member. Each record is counted once, read or quarantined."""
    with fsspec.open(part.path, "rb") as f:
        size = f.seek(0, 2)  # every read below seeks first
        pos = skip_blank(f, base)
        while pos is not None and (part.end is None or pos < part.end):
            frame = frame_at(f, pos, size)
            if isinstance(frame, Damage):
                after = resync(f, pos + 1, size)
                f.seek(pos)
                raw = f.read(min((after or size) - pos, QUARANTINE_RAW_CAP))
                builder.quarantine(pos, f"WARC record at offset {pos}: {frame.reason}", raw, raw_size=(after or size) - pos)
                pos = after
            else:
                f.seek(frame.start)
                _add(_parse_frame(f.read(frame.end - frame.start + len(TERMINATOR)), frame.start), builder)
                pos = skip_blank(f, frame.next) if frame.next < size else None
            yield None


def _parse_frame(data: bytes, offset: int) -> WarcRecord:
    """One record whose frame checked out, parsed by warcio."""
    it = ArchiveIterator(io.BytesIO(data), arc2warc=True)
    record = next(iter(it))
    return _warcio_record(record, record.content_stream().read(), offset)


def _warcio_record(record, body: bytes, offset: int) -> WarcRecord:
    headers = record.rec_headers
    http = record.http_headers
    return WarcRecord(
        offset=offset,
        wtype=record.rec_type,
        record_id=headers.get_header("WARC-Record-ID"),
        url=headers.get_header("WARC-Target-URI"),
        date=headers.get_header("WARC-Date"),
        http_status=None if http is None else http.get_statuscode(),
        content_type=(http.get_header("Content-Type") if http is not None else headers.get_header("Content-Type")) or "",
        body=body,
    )


def _add(rec: WarcRecord, builder: DocumentBuilder) -> None:
    native = {"id": rec.record_id, "url": rec.url, "date": rec.date, "warc_type": rec.wtype, "text": ""}
    size = len(rec.body)
    if rec.wtype not in ("response", "resource", "conversion"):
        builder.add(rec.offset, native, size, reject=f"warc_type:{rec.wtype}")
        return
    if rec.http_status is not None:
        status = rec.http_status
        native["http_status"] = int(status) if status.isdigit() else status
        if status != "200":
            builder.add(rec.offset, native, size, reject=f"http_status:{status}")
            return
    mime, _, params = rec.content_type.partition(";")
    mime = mime.strip().lower()
    native["content_type"] = mime
    charset = None
    for p in params.split(";"):
        k, _, v = p.strip().partition("=")
        if k.lower() == "charset" and v:
            charset = v.strip().strip('"').lower()
    is_text = rec.wtype == "conversion" or mime.startswith("text/plain")
    if not (mime in HTML_TYPES or is_text):
        builder.add(rec.offset, native, size, reject=f"content_type:{mime or 'missing'}")
        return
    native["text"] = _decode(rec.body, charset)
    builder.add(rec.offset, native, size)


def _decode(body: bytes, charset: str | None) -> str:
    """Declared charset first, then UTF-8, then cp1252 (what browsers do for undeclared legacy pages)."""
    for enc in (charset, "utf-8"):
        if not enc:
            continue
        try:
            return body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("cp1252", errors="replace")

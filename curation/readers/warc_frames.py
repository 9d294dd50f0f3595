"""Record framing of an uncompressed .warc, checked on the raw bytes.

A plain WARC has no member boundaries to fall back on: a record is its header block (a `WARC/1.0` or
`WARC/1.1` line, named fields, an empty line), then exactly Content-Length bytes of block, then CRLF CRLF.
One wrong Content-Length or one garbled header line would make a reader that trusts them swallow or cut
the records after it. So each record's frame is checked before it is parsed: the header must parse, and
its block must end with the CRLF CRLF terminator followed by the next record's `WARC/1.` line or the end
of the file. A record that fails is reported with why; reading resynchronises at the next line that
starts a header that parses (`resync`).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import BinaryIO

VERSION_LINES = (b"WARC/1.0\r\n", b"WARC/1.1\r\n")
TERMINATOR = b"\r\n\r\n"
MAX_HEADER = 64 * 1024  # a WARC header block is a few hundred bytes: longer means no header at all
SCAN = 1 << 20
_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_RECORD_ID = re.compile(rb"^warc-record-id:", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Frame:
    """A record whose frame checked out: bytes [start, end) are the record, terminator excluded."""

    start: int
    end: int
    next: int  # where the next record starts (after the terminator), or the file's size


@dataclass(frozen=True)
class Damage:
    """A record whose frame did not check out, and why (one line)."""

    start: int
    reason: str


def skip_blank(f: BinaryIO, pos: int) -> int | None:
    """The first byte at or after pos that is not a blank line's CR or LF; None at the end of the file.
    Some writers leave extra empty lines between records: they are no record."""
    while True:
        f.seek(pos)
        chunk = f.read(4096)
        if not chunk:
            return None
        rest = chunk.lstrip(b"\r\n")
        if rest:
            return pos + len(chunk) - len(rest)
        pos += len(chunk)


def _header(f: BinaryIO, pos: int) -> tuple[bytes, int] | str:
    """(header block, offset of the block's first byte) of the record at pos, or why there is none."""
    f.seek(pos)
    head = f.read(MAX_HEADER)
    if any(v.startswith(head) for v in VERSION_LINES):
        return "truncated WARC record header: the file ends inside it"
    if not head.startswith(VERSION_LINES):
        first = head.split(b"\n", 1)[0][:60]
        return f"garbled WARC record header: the record does not start with a WARC/1.0 or WARC/1.1 line (it starts {first!r})"
    cut = head.find(TERMINATOR)
    if cut < 0:
        if len(head) < MAX_HEADER:
            return "truncated WARC record header: the file ends inside it"
        return f"garbled WARC record header: no empty line ends it within {MAX_HEADER} bytes"
    return head[:cut + 2], pos + cut + len(TERMINATOR)


def _content_length(header: bytes) -> int | None:
    found = _LENGTH.findall(header)
    return int(found[0]) if len(found) == 1 else None


def frame_at(f: BinaryIO, pos: int, size: int) -> Frame | Damage:
    """Check the frame of the record that should start at pos in a file of `size` bytes."""
    parsed = _header(f, pos)
    if isinstance(parsed, str):
        return Damage(pos, parsed)
    header, block = parsed
    length = _content_length(header)
    if length is None:
        return Damage(pos, "garbled WARC record header: no single valid Content-Length field")
    end = block + length
    if end > size:
        return Damage(pos, f"truncated WARC record: the file ends {end - size} bytes before the end of its block (Content-Length {length})")
    f.seek(end)
    after = f.read(len(TERMINATOR) + len(VERSION_LINES[0]))
    nxt = end + len(TERMINATOR)
    # The terminator, then the next record's version line or the end of the file (blank lines allowed):
    # anything else means Content-Length does not say where this record ends.
    if end + len(after) == size and TERMINATOR.startswith(after):
        return Frame(pos, end, size)  # the file ends in (or without) the last terminator: the block is whole
    if after.startswith(TERMINATOR):
        follows = skip_blank(f, nxt)
        if follows is None:
            return Frame(pos, end, size)
        f.seek(follows)
        line = f.read(len(VERSION_LINES[0]))
        # A version line, or its start where the file ends (the next record is cut; it is reported when read)
        if any(v.startswith(line) for v in VERSION_LINES):
            return Frame(pos, end, follows)
        # The terminator is there but no version line follows: either the next record's first line is
        # garbled (this record is whole; the next one is reported when it is read), or this block was cut
        # short where its own bytes happen to hold an empty line. A header's fields tell the two apart.
        if _header_fields(f, follows):
            return Frame(pos, end, follows)
    return Damage(pos, f"wrong Content-Length {length}: the record's block is not followed by CRLF CRLF and the next record's WARC/1. line")


def _header_fields(f: BinaryIO, pos: int) -> bool:
    """Whether the bytes at pos, up to their first empty line, hold a record header's fields (a single
    Content-Length and a WARC-Record-ID), whatever their first line."""
    f.seek(pos)
    head = f.read(MAX_HEADER)
    cut = head.find(TERMINATOR)
    if cut < 0:
        return False
    block = head[:cut + 2]
    return _content_length(block) is not None and _RECORD_ID.search(block) is not None


def resync(f: BinaryIO, pos: int, size: int) -> int | None:
    """Offset of the first line at or after pos that starts a WARC record header that parses (with a
    Content-Length), or None. A page's text may hold a line starting "WARC/1." (a page about WARC):
    parsing the header around it rules that out."""
    while pos < size:
        f.seek(pos)
        data = f.read(SCAN + 16)
        i = data.find(b"\nWARC/1.")
        while 0 <= i < SCAN:
            candidate = pos + i + 1
            parsed = _header(f, candidate)
            if not isinstance(parsed, str) and _content_length(parsed[0]) is not None:
                return candidate
            i = data.find(b"\nWARC/1.", i + 1)
        pos += SCAN
    return None


# --- .warc.gz: one gzip member per record ------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """What the gzip member at an offset holds. `reason` is None when its record fills it exactly (header,
    Content-Length bytes, CRLF CRLF) or when it holds several records (a file gzipped whole, not record by
    record: `several`); otherwise it says how the record does not fit. `end` is where the member ends in the
    file (the next member), None when it never ends (a truncated or corrupt member: left to warcio's checks)."""

    end: int | None
    reason: str | None
    data: bytes = b""
    several: bool = False


def trailer_size(f: BinaryIO, member_end: int) -> int:
    """The uncompressed size (mod 2**32) that the gzip trailer ending at member_end records."""
    f.seek(member_end - 4)
    return int.from_bytes(f.read(4), "little")


def check_member(f: BinaryIO, offset: int) -> Member:
    """Decompress the member at offset and check that after its record's block come exactly CRLF CRLF and
    the member's end. Reads at most the member (or, in a member holding several records, its first record)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pos = offset
    need = None  # header + Content-Length + terminator, once the header has been decompressed
    f.seek(offset)
    while not d.eof:
        raw = f.read(SCAN)
        if not raw:
            return Member(None, None)
        try:
            out += d.decompress(raw)
        except zlib.error:
            return Member(None, None)
        pos += len(raw) - len(d.unused_data)
        if need is None and (cut := out.find(TERMINATOR)) >= 0:
            length = _content_length(bytes(out[:cut + 2]))
            if length is None:
                return Member(None, None)  # a header FastWARC took but we cannot read: warcio says why
            need = cut + len(TERMINATOR) + length + len(TERMINATOR)
        if need is not None and len(out) >= need + len(VERSION_LINES[0]) and out[need - 4:need] == TERMINATOR and out.startswith(VERSION_LINES, need):
            return Member(None, None, several=True)
    data = bytes(out)
    if need is None:
        return Member(pos, "the member holds no complete WARC record header", data)
    if len(data) == need and data.endswith(TERMINATOR):
        return Member(pos, None)
    header = data.find(TERMINATOR) + len(TERMINATOR)
    length = need - header - len(TERMINATOR)
    block = len(data) - header - (len(TERMINATOR) if data.endswith(TERMINATOR) else 0)
    return Member(pos, f"Content-Length {length} does not match the record ({block} bytes)", data)

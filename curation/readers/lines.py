"""JSONL byte streams, plain or compressed (gzip, zstd, xz, bz2), cut into blocks of whole lines.

Offsets are positions in the decompressed stream, so a record's origin is the same however the file is
split. A truncated compressed stream is reported (a member/frame/stream that never ended), never silently
taken as a clean end of file.
"""

from __future__ import annotations

import bz2
import io
import lzma
import zlib
from typing import BinaryIO, Callable, Iterator

import zstandard

CHUNK = 1 << 20
HEAD = 4096  # bytes decompressed to tell a unit's start from magic bytes inside compressed data
GZIP_MAGIC = b"\x1f\x8b\x08"
BLOCK = 4 << 20  # bytes of whole lines parsed at once: big enough for the C parser, small for memory
COMPRESSIONS = ("gzip", "zstd", "xz", "bz2")


class TruncatedStream(Exception):
    """The compressed input ended in the middle of a frame/member."""


def iter_blocks(f: BinaryIO, compression: str | None, start: int | None = None, end: int | None = None, block: int = BLOCK) -> Iterator[tuple[int, bytes | DamagedSpan]]:
    """Yield (offset, block): blocks of whole lines (the last may lack its newline) and their offsets.

    For plain files, [start, end) selects the lines whose first byte lies in the range. A truncated
    compressed stream raises TruncatedStream after the complete lines before the cut were yielded; the
    partial last line (if any) is carried on the exception as `.tail` with its offset `.offset`. A corrupt
    gzip member / zstd frame followed by good ones comes as (offset, DamagedSpan) and reading goes on.
    """
    if compression is None:
        yield from _plain_blocks(f, start, end, block)
    elif compression in COMPRESSIONS:
        yield from _line_blocks(_DECOMPRESSORS[compression](f), block)
    else:
        raise ValueError(f"unknown compression {compression!r}")


def iter_lines(f: BinaryIO, compression: str | None, start: int | None = None, end: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, line) pairs; lines keep their trailing newline (the last one may lack it)."""
    for pos, data in iter_blocks(f, compression, start, end):
        if isinstance(data, DamagedSpan):
            raise TruncatedStream(data.reason)
        yield from split_lines(pos, data)


def split_lines(pos: int, data: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for the lines of a block that starts at `pos` (only \\n ends a line)."""
    i = 0
    while i < len(data):
        nl = data.find(b"\n", i)
        stop = len(data) if nl < 0 else nl + 1
        yield pos + i, data[i:stop]
        i = stop


def _plain_blocks(f: BinaryIO, start: int | None, end: int | None, block: int) -> Iterator[tuple[int, bytes]]:
    reader = f if isinstance(f, io.BufferedReader) else io.BufferedReader(f, CHUNK)  # type: ignore[arg-type]
    pos = 0
    if start:
        # The line containing byte start-1 belongs to the previous part: skip through its newline.
        reader.seek(start - 1)
        pos = start - 1 + len(reader.readline())
    pending = b""
    while end is None or pos < end:
        chunk = reader.read(block)
        data = pending + chunk if pending else chunk
        if end is not None and end - pos - 1 < len(data):
            # the line holding byte end-1 is this part's last; lines starting at `end` belong to the next
            nl = data.find(b"\n", end - pos - 1)
            if nl >= 0 or not chunk:
                if data[: nl + 1 if nl >= 0 else len(data)]:
                    yield pos, data[: nl + 1 if nl >= 0 else len(data)]
                return
            pending = data
            continue
        if not chunk:
            if data:
                yield pos, data
            return
        cut = data.rfind(b"\n") + 1
        if cut:
            yield pos, data[:cut]
            pos += cut
        pending = data[cut:]


def _line_blocks(chunks: Iterator[bytes | DamagedSpan], block: int) -> Iterator[tuple[int, bytes | DamagedSpan]]:
    buf: list[bytes] = []
    size = 0
    pos = 0
    try:
        for chunk in chunks:
            if isinstance(chunk, DamagedSpan):
                data = b"".join(buf)
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield pos, data[:cut]
                chunk.tail = data[cut:]  # the damaged unit's incomplete last line, if any
                yield pos + cut, chunk
                pos += len(data)
                buf, size = [], 0
                continue
            buf.append(chunk)
            size += len(chunk)
            if size >= block:
                data = b"".join(buf)
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield pos, data[:cut]
                    pos += cut
                buf, size = [data[cut:]], len(data) - cut
    except TruncatedStream as e:
        e.offset, e.tail = pos, b"".join(buf)  # type: ignore[attr-defined]
        if b"\n" in e.tail:  # complete lines before the cut are still records
            cut = e.tail.rfind(b"\n") + 1
            yield pos, e.tail[:cut]
            e.offset, e.tail = pos + cut, e.tail[cut:]  # type: ignore[attr-defined]
        raise
    data = b"".join(buf)
    if data:
        yield pos, data


class DamagedSpan:
    """A corrupt gzip member / zstd frame between good ones, skipped up to the next one that decompresses."""

    def __init__(self, reason: str, tail: bytes = b"") -> None:
        self.reason, self.tail = reason, tail


def _frames(f: BinaryIO, new_decompressor: Callable, error: type[Exception] | tuple, name: str, unit: str, magic: bytes | None = None) -> Iterator[bytes | DamagedSpan]:
    """Decompress concatenated members/frames/streams, checking that the last one is complete (decompressor
    objects rather than file wrappers, so that everything before a truncation point is still delivered).

    Where the format marks where a unit starts (`magic`: gzip members, zstd frames), a corrupt unit is
    skipped up to the next one that decompresses: a DamagedSpan says which compressed bytes were lost, and
    reading goes on. Offsets after it count the bytes delivered (the lost unit's size is unknown). A corrupt
    unit with no good one after it (a single-member file, or damage in the last unit) ends the stream as
    before: the rest is one TruncatedStream entry with its offset and reason."""
    dobj = new_decompressor()
    in_frame = False
    pos = member = 0  # compressed offsets: of raw[0], of the current unit's start
    while True:
        raw = f.read(CHUNK)
        if not raw:
            break
        while raw:
            try:
                out = dobj.decompress(raw)
            except error as e:
                after = find_unit(f, member + 1, magic, _decompresses(new_decompressor, error)) if magic else None
                if after is None:
                    raise TruncatedStream(f"corrupt {name} stream: {e}") from None
                yield DamagedSpan(f"corrupt {name} {unit} at compressed offset {member}: {e}; {after - member} compressed bytes skipped to the next {unit}")
                f.seek(after)
                pos = member = after
                dobj, in_frame, raw = new_decompressor(), False, b""
                break
            in_frame = not dobj.eof
            if out:
                yield out
            if dobj.eof:
                before = len(raw)
                raw = dobj.unused_data
                if name == "xz":
                    raw = raw.lstrip(b"\0")  # stream padding between concatenated .xz streams
                pos += before - len(raw)
                member = pos
                dobj = new_decompressor()
                in_frame = bool(raw)
            else:
                pos += len(raw)
                raw = b""
    if in_frame:
        raise TruncatedStream(f"truncated {name} stream: the input ended inside a {unit}")


def find_unit(f: BinaryIO, pos: int, magic: bytes, accepts: Callable[[bytes], bool], end: int | None = None) -> int | None:
    """Offset of the first `magic` at or after pos (and before end) where a compressed unit really starts:
    `accepts` is given the next HEAD bytes from there (fewer at the end of the file), since magic bytes
    also occur inside compressed data. None if there is none."""
    while end is None or pos < end:
        f.seek(pos)
        data = f.read(CHUNK + HEAD)
        if len(data) < len(magic):
            return None
        i = data.find(magic)
        while 0 <= i < CHUNK:
            if end is not None and pos + i >= end:
                return None
            if accepts(data[i:i + HEAD]):
                return pos + i
            i = data.find(magic, i + 1)
        if len(data) <= CHUNK:
            return None
        pos += CHUNK
    return None


def _decompresses(new_decompressor: Callable, error: type[Exception] | tuple) -> Callable[[bytes], bool]:
    """Whether a unit's first bytes decompress (to something, unless the file ends within them)."""
    def accepts(head: bytes) -> bool:
        try:
            out = new_decompressor().decompress(head)
        except error:
            return False
        return bool(out) or len(head) < HEAD
    return accepts


_DECOMPRESSORS: dict[str, Callable[[BinaryIO], Iterator[bytes]]] = {
    "gzip": lambda f: _frames(f, lambda: zlib.decompressobj(16 + zlib.MAX_WBITS), zlib.error, "gzip", "member", GZIP_MAGIC),
    "zstd": lambda f: _frames(f, zstandard.ZstdDecompressor().decompressobj, zstandard.ZstdError, "zstd", "frame", b"\x28\xb5\x2f\xfd"),
    "xz": lambda f: _frames(f, lzma.LZMADecompressor, lzma.LZMAError, "xz", "stream"),
    "bz2": lambda f: _frames(f, bz2.BZ2Decompressor, (OSError, ValueError), "bz2", "stream"),
}

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
BLOCK = 4 << 20  # bytes of whole lines parsed at once: big enough for the C parser, small for memory
COMPRESSIONS = ("gzip", "zstd", "xz", "bz2")


class TruncatedStream(Exception):
    """The compressed input ended in the middle of a frame/member."""


def iter_blocks(f: BinaryIO, compression: str | None, start: int | None = None, end: int | None = None, block: int = BLOCK) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, block): blocks of whole lines (the last may lack its newline) and their offsets.

    For plain files, [start, end) selects the lines whose first byte lies in the range. A truncated
    compressed stream raises TruncatedStream after the complete lines before the cut were yielded; the
    partial last line (if any) is carried on the exception as `.tail` with its offset `.offset`.
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


def _line_blocks(chunks: Iterator[bytes], block: int) -> Iterator[tuple[int, bytes]]:
    buf: list[bytes] = []
    size = 0
    pos = 0
    try:
        for chunk in chunks:
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


def _frames(f: BinaryIO, new_decompressor: Callable, error: type[Exception] | tuple, name: str, unit: str) -> Iterator[bytes]:
    """Decompress concatenated members/frames/streams, checking that the last one is complete (decompressor
    objects rather than file wrappers, so that everything before a truncation point is still delivered)."""
    dobj = new_decompressor()
    in_frame = False
    while True:
        raw = f.read(CHUNK)
        if not raw:
            break
        while raw:
            try:
                out = dobj.decompress(raw)
            except error as e:
                raise TruncatedStream(f"corrupt {name} stream: {e}") from None
            in_frame = not dobj.eof
            if out:
                yield out
            if dobj.eof:
                raw = dobj.unused_data
                if name == "xz":
                    raw = raw.lstrip(b"\0")  # stream padding between concatenated .xz streams
                dobj = new_decompressor()
                in_frame = bool(raw)
            else:
                raw = b""
    if in_frame:
        raise TruncatedStream(f"truncated {name} stream: the input ended inside a {unit}")


_DECOMPRESSORS: dict[str, Callable[[BinaryIO], Iterator[bytes]]] = {
    "gzip": lambda f: _frames(f, lambda: zlib.decompressobj(16 + zlib.MAX_WBITS), zlib.error, "gzip", "member"),
    "zstd": lambda f: _frames(f, zstandard.ZstdDecompressor().decompressobj, zstandard.ZstdError, "zstd", "frame"),
    "xz": lambda f: _frames(f, lzma.LZMADecompressor, lzma.LZMAError, "xz", "stream"),
    "bz2": lambda f: _frames(f, bz2.BZ2Decompressor, (OSError, ValueError), "bz2", "stream"),
}

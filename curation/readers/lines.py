"""Line streams for JSONL, plain or compressed, with the byte offset of every line.

Offsets are positions in the decompressed stream, so a record's origin is the same however the file is
split. A truncated compressed stream is reported (gzip: EOFError; zstd: a frame that never ended), never
silently taken as a clean end of file.
"""

from __future__ import annotations

import io
import zlib
from typing import BinaryIO, Iterator

import zstandard

CHUNK = 1 << 20


class TruncatedStream(Exception):
    """The compressed input ended in the middle of a frame/member."""


def iter_lines(f: BinaryIO, compression: str | None, start: int | None = None, end: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, line) pairs; lines keep their trailing newline (the last one may lack it).

    For plain files, [start, end) selects the lines whose first byte lies in the range. A truncated
    compressed stream raises TruncatedStream after the complete lines before the cut were yielded; the
    partial last line (if any) is carried on the exception as `.tail` with its offset `.offset`.
    """
    if compression is None:
        yield from _plain_lines(f, start, end)
    elif compression == "gzip":
        yield from _buffered_lines(_gzip_chunks(f))
    elif compression == "zstd":
        yield from _buffered_lines(_zstd_chunks(f))
    else:
        raise ValueError(f"unknown compression {compression!r}")


def _plain_lines(f: BinaryIO, start: int | None, end: int | None) -> Iterator[tuple[int, bytes]]:
    reader = f if isinstance(f, io.BufferedReader) else io.BufferedReader(f, CHUNK)  # type: ignore[arg-type]
    pos = 0
    if start:
        # The line containing byte start-1 belongs to the previous part: skip through its newline.
        reader.seek(start - 1)
        pos = start - 1 + len(reader.readline())
    while end is None or pos < end:
        line = reader.readline()
        if not line:
            return
        yield pos, line
        pos += len(line)


def _buffered_lines(chunks: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    pending = b""
    pos = 0
    try:
        for chunk in chunks:
            data = pending + chunk if pending else chunk
            lines = data.split(b"\n")
            pending = lines.pop()
            for line in lines:
                line += b"\n"
                yield pos, line
                pos += len(line)
    except TruncatedStream as e:
        e.offset, e.tail = pos, pending  # type: ignore[attr-defined]
        raise
    if pending:
        yield pos, pending


def _gzip_chunks(f: BinaryIO) -> Iterator[bytes]:
    """Decompress a sequence of gzip members, checking the last one is complete (zlib, not GzipFile,
    so that everything before a truncation point is still delivered)."""
    return _frames(f, lambda: zlib.decompressobj(16 + zlib.MAX_WBITS), zlib.error, "gzip")


def _zstd_chunks(f: BinaryIO) -> Iterator[bytes]:
    dctx = zstandard.ZstdDecompressor()
    return _frames(f, dctx.decompressobj, zstandard.ZstdError, "zstd")


def _frames(f: BinaryIO, new_decompressor, error: type[Exception], name: str) -> Iterator[bytes]:
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
                dobj = new_decompressor()
                in_frame = bool(raw)
            else:
                raw = b""
    if in_frame:
        raise TruncatedStream(f"truncated {name} stream: the input ended inside a {'member' if name == 'gzip' else 'frame'}")

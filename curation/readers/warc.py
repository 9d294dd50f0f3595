"""WARC (optionally gzipped per record) -> documents whose text is the HTML of each response.

The extract stage turns the HTML into text with trafilatura. Records that are not documents (warcinfo,
request, metadata, ...) and responses that are not HTML pages (images, PDFs, HTTP errors) are rejected at
the read stage with a reason, so that every WARC record is accounted for.
"""

from __future__ import annotations

from typing import Iterator

import fsspec
from warcio.archiveiterator import ArchiveIterator

from curation.readers.documents import DocumentBuilder
from curation.readers.parts import Part
from curation.core.schema import QUARANTINE_RAW_CAP

HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(part: Part, builder: DocumentBuilder) -> Iterator[None]:
    with fsspec.open(part.path, "rb") as f:
        it = ArchiveIterator(f, arc2warc=True)
        records = iter(it)
        offset = end = 0
        while True:
            try:
                record = next(records, None)
                if record is None:
                    break
                # Read the body before asking for the offset: get_record_offset() reads the record to its
                # end, after which content_stream() would return nothing.
                body = record.content_stream().read()
                offset = it.get_record_offset()
                end = offset + it.get_record_length()
            except Exception as e:  # noqa: BLE001 - warcio raises many types on corrupt input (AttributeError on garbled headers too)
                builder.quarantine(end, f"unreadable WARC data at offset {end}: {type(e).__name__}: {e}", None)
                yield None
                return
            missing = getattr(record.raw_stream, "limit", 0)  # bytes of the record's block never read
            length = record.rec_headers.get_header("Content-Length") or ""
            if record.format == "warc" and not length.strip().isdigit():
                builder.quarantine(offset, f"WARC record without a valid Content-Length ({length!r}): a truncated header?", None, raw_size=len(body))
            elif missing:
                builder.quarantine(offset, f"truncated WARC record: the input ended {missing} bytes before the end of its block", None, raw_size=len(body))
            else:
                _add(record, body, offset, builder)
            yield None
    # warcio ends quietly when the last gzip member is cut before it yields a header line: bytes after the
    # last complete record (other than the blank lines that separate uncompressed records) are reported.
    with fsspec.open(part.path, "rb") as f:
        f.seek(end)
        rest = f.read(QUARANTINE_RAW_CAP)
    if rest.strip():
        builder.quarantine(end, f"unreadable WARC data at offset {end}: an incomplete record (truncated file?)", rest)
        yield None


def _add(record, body: bytes, offset: int, builder: DocumentBuilder) -> None:
    headers = record.rec_headers
    wtype = record.rec_type
    native = {
        "id": headers.get_header("WARC-Record-ID"),
        "url": headers.get_header("WARC-Target-URI"),
        "date": headers.get_header("WARC-Date"),
        "warc_type": wtype,
        "text": "",
    }
    size = len(body)
    if wtype not in ("response", "resource", "conversion"):
        builder.add(offset, native, size, reject=f"warc_type:{wtype}")
        return
    content_type = ""
    charset = None
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        native["http_status"] = int(status) if status and status.isdigit() else status
        content_type = record.http_headers.get_header("Content-Type") or ""
        if status != "200":
            builder.add(offset, native, size, reject=f"http_status:{status}")
            return
    else:
        content_type = headers.get_header("Content-Type") or ""
    mime, _, params = content_type.partition(";")
    mime = mime.strip().lower()
    native["content_type"] = mime
    for p in params.split(";"):
        k, _, v = p.strip().partition("=")
        if k.lower() == "charset" and v:
            charset = v.strip().strip('"').lower()
    is_text = wtype == "conversion" or mime.startswith("text/plain")
    if not (mime in HTML_TYPES or is_text):
        builder.add(offset, native, size, reject=f"content_type:{mime or 'missing'}")
        return
    native["text"] = _decode(body, charset)
    builder.add(offset, native, size)


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

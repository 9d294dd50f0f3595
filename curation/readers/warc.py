"""WARC (optionally gzipped per record) -> documents whose text is the HTML of each response.

The extract stage turns the HTML into text with trafilatura. Records that are not documents (warcinfo,
request, metadata, ...) and responses that are not HTML pages (images, PDFs, HTTP errors) are rejected at
the read stage with a reason, so that every WARC record is accounted for.
"""

from __future__ import annotations

from typing import Iterator

import fsspec
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from curation.readers.documents import DocumentBuilder
from curation.readers.parts import Part

HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(part: Part, builder: DocumentBuilder) -> Iterator[None]:
    with fsspec.open(part.path, "rb") as f:
        it = ArchiveIterator(f, arc2warc=True)
        offset = 0
        try:
            for record in it:
                # Read the body before asking for the offset: get_record_offset() reads the record to its
                # end, after which content_stream() would return nothing.
                body = record.content_stream().read()
                offset = it.get_record_offset()
                _add(record, body, offset, builder)
                yield None
        except (ArchiveLoadFailed, EOFError, OSError, ValueError) as e:
            builder.quarantine(offset, f"unreadable WARC data after offset {offset}: {e}", None)
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

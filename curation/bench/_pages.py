"""Real HTML pages for the extraction and WARC benchmarks, packed as a Common-Crawl-like WARC.

No page is written here: they come from HTML manuals on disk (Debian's debian-reference-*, debian-handbook,
python3.*-doc packages install them under /usr/share/doc; `apt-get download` + `dpkg-deb -x` gives the same
files without installing), or from a WARC the user passes.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from curation.core.errors import UserError

DEFAULT_ROOTS = ("/usr/share/doc",)
MIN_PAGES = 50
HOW_TO_GET_PAGES = (
    "pass --input: a .warc/.warc.gz, or a folder of HTML manuals, e.g. `apt-get download debian-reference-es "
    "debian-handbook python3.11-doc && for d in *.deb; do dpkg-deb -x $d pages/; done`"
)


def find_pages(root: str | Path | None, limit: int) -> list[tuple[str, bytes]]:
    """Up to `limit` (url, html) pairs from the .html files under root (or the default roots), spread evenly
    over the sorted file list so that every manual and language is represented. Deterministic."""
    roots = [Path(root)] if root else [Path(r) for r in DEFAULT_ROOTS]
    files = sorted(p for r in roots if r.is_dir() for p in r.rglob("*.html") if p.is_file() and p.stat().st_size > 2000)
    if len(files) < min(MIN_PAGES, limit):
        where = root or ", ".join(DEFAULT_ROOTS)
        raise UserError(f"only {len(files)} HTML pages found under {where}: {HOW_TO_GET_PAGES}")
    step = max(1, len(files) // limit)
    chosen = files[::step][:limit]
    base = Path(root) if root else Path("/")
    return [(f"https://docs.example.org/{os.path.relpath(p, base)}", p.read_bytes()) for p in chosen]


def write_warc(path: Path, pages: list[tuple[str, bytes]], gzip: bool = True) -> None:
    """A WARC as crawlers write it: warcinfo, then a request and a response record per page, one gzip
    member per record when compressed."""
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gzip)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "curation bench", "format": "WARC File Format 1.1"}))
        for i, (url, html) in enumerate(pages):
            date = f"2024-01-01T00:{i // 3600 % 60:02d}:{i // 60 % 60:02d}Z"
            req = StatusAndHeaders(f"GET /{url.split('/', 3)[-1]} HTTP/1.1", [("Host", "docs.example.org")], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", http_headers=req, warc_headers_dict={"WARC-Date": date}))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(html)))], protocol="HTTP/1.1")
            # Common Crawl names the sniffed payload type; without it datatrove's WarcReader sniffs with libmagic
            # and drops XHTML pages as text/xml (it read 39 of 300 pages)
            headers = {"WARC-Date": date, "WARC-Identified-Payload-Type": "text/html"}
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(html), http_headers=http, warc_headers_dict=headers))


def pages_warc(folder: Path, source: str | None, limit: int) -> Path:
    """The benchmark's WARC: `source` itself if it is a WARC, else one built from its HTML pages."""
    if source and (source.endswith(".warc") or source.endswith(".warc.gz")):
        return Path(source)
    out = folder / "pages.warc.gz"
    write_warc(out, find_pages(source, limit))
    return out

"""The benchmark WARC is read in full by both sides: ours and datatrove's WarcReader."""

from __future__ import annotations

from curation.bench._pages import write_warc

# XHTML with an XML declaration, as the Python and Debian manuals ship it: libmagic calls it text/xml
XHTML = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
    b"<title>t</title></head><body><p>" + b"word " * 200 + b"</p></body></html>"
)


def test_datatrove_reads_every_page_of_the_bench_warc(tmp_path):
    from datatrove.pipeline.readers import WarcReader

    pages = [(f"https://docs.example.org/{i}.html", XHTML) for i in range(3)]
    write_warc(tmp_path / "pages.warc.gz", pages)
    docs = list(WarcReader(str(tmp_path), glob_pattern="pages.warc.gz").run())
    # without WARC-Identified-Payload-Type datatrove sniffs the payload and drops these pages
    assert [d.metadata["url"] for d in docs] == [u for u, _ in pages]

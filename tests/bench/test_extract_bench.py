"""`curate bench extract` and `curate bench warc` leave out the pages datatrove's extractor timed out on, on both sides."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.extractors.base import BaseExtractor

from curation.bench.extract import run_tracking_timeouts


class _Scripted(BaseExtractor):
    """A datatrove extractor whose run() counts a timeout (and yields nothing) for the pages marked "slow",
    as BaseExtractor.run does when its sandbox gives up on a page."""

    name = "scripted"

    def __init__(self):
        super().__init__(timeout=1)

    def extract(self, text: str) -> str:
        return text

    def run(self, data, rank: int = 0, world_size: int = 1):
        for doc in data:
            if "slow" in doc.text:
                self.stat_update("timeout")
                continue
            doc.text = doc.text.upper()
            yield doc


def test_the_pages_the_reference_timed_out_on_are_named():
    texts = ["one page", "slow page", "another page", "a slow last page"]
    docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
    out, timed_out = run_tracking_timeouts(_Scripted(), docs)
    assert timed_out == [1, 3]  # the last page too, though nothing is pulled after it
    assert out == {"0": "ONE PAGE", "2": "ANOTHER PAGE"}


def test_bench_warc_times_both_sides_on_a_warc_without_the_pages_datatrove_timed_out_on(tmp_path, monkeypatch):
    from curation.bench import warc as bench_warc
    from curation.bench._pages import write_warc
    from curation.bench.extract import read_pages

    pages = [(f"https://docs.example.org/p{i}.html", f"<html><body><p>page {i} text</p></body></html>".encode()) for i in range(4)]
    warc = tmp_path / "pages.warc.gz"
    write_warc(warc, pages)
    # datatrove "times out" on the page whose HTML mentions page 2
    monkeypatch.setattr(bench_warc, "datatrove_extract", lambda htmls, urls: ([], [i for i, h in enumerate(htmls) if "page 2 " in h]))
    fair, dropped = bench_warc.without_timeouts(tmp_path, warc)
    assert dropped == ["https://docs.example.org/p2.html"]
    _src, table = read_pages(fair)
    assert table["url"].to_pylist() == ["https://docs.example.org/p0.html", "https://docs.example.org/p1.html", "https://docs.example.org/p3.html"]
    assert "page 3 text" in table["text"].to_pylist()[2]
    # no timeout: the WARC itself
    monkeypatch.setattr(bench_warc, "datatrove_extract", lambda htmls, urls: ([], []))
    assert bench_warc.without_timeouts(tmp_path, warc) == (warc, [])

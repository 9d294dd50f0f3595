"""`curate bench extract` drops the pages datatrove's extractor timed out on from both sides."""

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

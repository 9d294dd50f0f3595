"""Streaming readers for every source format (jsonl, jsonl.gz, jsonl.zst, parquet, warc)."""

from curation.readers.documents import ReadBatch
from curation.readers.formats import read_part
from curation.readers.parts import Part, plan_parts

__all__ = ["Part", "ReadBatch", "plan_parts", "read_part"]

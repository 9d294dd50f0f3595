"""HTML -> main text with trafilatura, for HTML and WARC sources. The page title goes to metadata."""

from __future__ import annotations

import orjson
import pyarrow as pa
import trafilatura

from curation.config.manifest import Source
from curation.config.base import StageConfig
from curation.core.resources import Resources
from curation.stages.base import Stage, StageOutput


class ExtractConfig(StageConfig):
    favor_precision: bool = True  # trafilatura: less boilerplate at the cost of some text
    include_tables: bool = False
    include_comments: bool = False
    min_chars: int = 1  # fewer extracted characters -> dropped with reason "no_text"


class Extract(Stage[ExtractConfig]):
    name = "extract"
    # trafilatura parses one page at a time in this process: one CPU
    resources = Resources(cpus=1)

    def applies_to(self, source: Source) -> bool:
        return source.is_html

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        cfg = self.config
        texts, metas, reasons = [], [], []
        for html, url, meta in zip(table["text"].to_pylist(), table["url"].to_pylist(), table["metadata"].to_pylist()):
            doc = trafilatura.bare_extraction(
                html,
                url=url,
                with_metadata=True,
                favor_precision=cfg.favor_precision,
                include_tables=cfg.include_tables,
                include_comments=cfg.include_comments,
                include_formatting=False,
                deduplicate=False,
            )
            text = (doc.text if doc is not None else None) or ""
            title = doc.title if doc is not None else None
            m = orjson.loads(meta) if meta else {}
            if title:
                m["title"] = title
            texts.append(text)
            metas.append(orjson.dumps(m, option=orjson.OPT_SORT_KEYS).decode() if m else None)
            reasons.append(None if len(text.strip()) >= cfg.min_chars else "no_text")
        table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts, pa.string()))
        table = table.set_column(table.schema.get_field_index("metadata"), "metadata", pa.array(metas, pa.string()))
        return StageOutput(table, reasons)

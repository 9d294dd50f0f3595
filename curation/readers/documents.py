"""Map native records to rows of the document schema and batch them into Arrow tables.

Every record a reader meets ends here in exactly one of three lists: a document, a read-level rejection
(a record that is valid but is no document: a WARC request, an HTTP 404, an empty text) or a quarantine
entry (a record that cannot be parsed: invalid JSON or UTF-8, a missing text field, a truncated tail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa

from curation.config.manifest import Source
from curation.config.row_filter import MISSING as _MISSING, get_path
from curation.core.schema import DOCUMENT_SCHEMA, QUARANTINE_RAW_CAP, QUARANTINE_SCHEMA
from curation.readers.columns import READ_STAGE, REJECTED_READ_SCHEMA, ColumnMapper, SOURCE_FILTER, metadata_json
from curation.readers.parts import Part

# WARC records carry their id and URL: these are the defaults when the source's fields do not say.
WARC_DEFAULTS = {"id": "id", "url": "url"}


@dataclass
class ReadBatch:
    docs: pa.Table
    rejected: pa.Table
    quarantined: pa.Table
    records: int  # input records this batch accounts for (= docs + rejected + quarantined rows)
    raw_bytes: int  # bytes of those records as read (decompressed)


@dataclass
class DocumentBuilder:
    source: Source
    part: Part
    docs: dict[str, list] = field(default_factory=lambda: {f.name: [] for f in DOCUMENT_SCHEMA})
    rejected: dict[str, list] = field(default_factory=lambda: {f.name: [] for f in REJECTED_READ_SCHEMA})
    quarantined: dict[str, list] = field(default_factory=lambda: {f.name: [] for f in QUARANTINE_SCHEMA})
    records: int = 0
    raw_bytes: int = 0
    tables: list[tuple[pa.Table, pa.Table]] = field(default_factory=list)  # blocks mapped on Arrow columns

    def __post_init__(self) -> None:
        fm = self.source.fields
        warc = self.source.format == "warc"
        self._id = fm.id or (WARC_DEFAULTS["id"] if warc else None)
        self._url = fm.url or (WARC_DEFAULTS["url"] if warc else None)
        # what the Arrow path derives from the source and the file, derived once for both paths
        self.mapper = ColumnMapper(self.source, self.part.relpath)
        self._dir, self._file = self.mapper.dir, self.mapper.file
        self._single_language = self.mapper.single_language
        self._filter = self.mapper.filter
        self._metadata = self.mapper.metadata

    def __len__(self) -> int:
        return self.records

    def _value(self, record: dict, path: str | None) -> Any:
        if path is None:
            return _MISSING
        if path == "{dir}":
            return self._dir
        if path == "{file}":
            return self._file
        return get_path(record, path)

    def add_mapped(self, docs: pa.Table, rejected: pa.Table, records: int, raw_bytes: int) -> None:
        """A block mapped on Arrow columns (columns.ColumnMapper): its documents and read rejections."""
        self._materialize()
        self.tables.append((docs, rejected))
        self.records += records
        self.raw_bytes += raw_bytes

    def text_of(self, record: dict) -> tuple[str | None, str | None]:
        """(text, None) or (None, why the record has no usable text)."""
        fm = self.source.fields
        template = fm.text_template
        values = []
        for path in fm.text_paths:
            v = self._value(record, path)
            if v is _MISSING or v is None:
                if template is not None or len(fm.text_paths) == 1:
                    return None, f"no text: field '{path}' (fields.text) is missing"
                continue
            if not isinstance(v, str):
                return None, f"field '{path}' (fields.text) is a {type(v).__name__}, not a string"
            values.append((path, v))
        if not values:
            return None, f"no text: fields {', '.join(repr(p) for p in fm.text_paths)} (fields.text) are all missing"
        if template is not None:
            found = dict(values)
            return "".join(p if i % 2 == 0 else found[p] for i, p in enumerate(template)), None
        return fm.text_separator.join(v for _, v in values), None

    def add(self, offset: int, record: Any, raw_size: int, reject: str | None = None) -> None:
        """A parsed native record. `reject` marks a valid record that is not a document (reason)."""
        self.records += 1
        self.raw_bytes += raw_size
        if not isinstance(record, dict):
            self.quarantine(offset, f"record is a JSON {type(record).__name__}, not an object", None, count=False)
            return
        text, error = self.text_of(record)
        if reject is None and self._filter is not None and not self._filter(record, self._file, self._dir):
            reject = SOURCE_FILTER  # checked first: a record the source leaves out is no document, text or not
        if reject is None:
            if error is not None:
                self.quarantine(offset, error, orjson.dumps(record, default=str), count=False)
                return
            if not text.strip():
                reject = "empty_text"
        row = self._row(offset, record, text if isinstance(text, str) else "")
        target = self.docs if reject is None else self.rejected
        for k, v in row.items():
            target[k].append(v)
        if reject is not None:
            self.rejected["stage"].append(READ_STAGE)
            self.rejected["reason"].append(reject)

    def _row(self, offset: int, record: dict, text: str) -> dict[str, Any]:
        fm = self.source.fields
        origin = f"{self.part.relpath}:{offset}"
        native_id = self._value(record, self._id)
        doc_id = origin if native_id is _MISSING or native_id is None else str(native_id)
        if "code" in self.source.languages:
            language = "code"
        else:
            label = self._value(record, fm.language)
            language = str(label).lower() if label not in (_MISSING, None) else self._single_language
        score = self._value(record, fm.language_score)
        url = self._value(record, self._url)
        metadata = {}
        for key, path in self._metadata.items():
            v = self._value(record, path)
            if v is not _MISSING:
                metadata[key] = v
        return {
            "id": doc_id,
            "text": text,
            "source": self.source.id,
            "language": language,
            "language_score": float(score) if isinstance(score, (int, float)) else None,
            "url": None if url in (_MISSING, None) else str(url),
            "metadata": metadata_json(metadata),
            "origin": origin,
        }

    def quarantine(self, offset: int, error: str, raw: bytes | None, raw_size: int | None = None, count: bool = True) -> None:
        if count:
            self.records += 1
            self.raw_bytes += raw_size if raw_size is not None else len(raw or b"")
        q = self.quarantined
        q["source"].append(self.source.id)
        q["file"].append(self.part.relpath)
        q["offset"].append(offset)
        q["error"].append(error)
        q["raw"].append(None if raw is None else raw[:QUARANTINE_RAW_CAP])
        q["raw_length"].append(None if raw is None else len(raw))
        q["stage"].append("read")
        q["id"].append(None)

    def _materialize(self) -> None:
        """Rows added one by one become a table, so that documents stay in file order."""
        if self.docs["id"] or self.rejected["id"]:
            self.tables.append((pa.Table.from_pydict(self.docs, schema=DOCUMENT_SCHEMA), pa.Table.from_pydict(self.rejected, schema=REJECTED_READ_SCHEMA)))
            for d in (self.docs, self.rejected):
                for v in d.values():
                    v.clear()

    def flush(self) -> ReadBatch:
        self._materialize()
        docs = [d for d, _ in self.tables]
        rejected = [r for _, r in self.tables]
        batch = ReadBatch(
            docs=pa.concat_tables(docs).combine_chunks() if docs else DOCUMENT_SCHEMA.empty_table(),
            rejected=pa.concat_tables(rejected).combine_chunks() if rejected else REJECTED_READ_SCHEMA.empty_table(),
            quarantined=pa.Table.from_pydict(self.quarantined, schema=QUARANTINE_SCHEMA),
            records=self.records,
            raw_bytes=self.raw_bytes,
        )
        for v in self.quarantined.values():
            v.clear()
        self.tables = []
        self.records = self.raw_bytes = 0
        return batch

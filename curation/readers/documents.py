"""Map native records to rows of the document schema and batch them into Arrow tables.

Every record a reader meets ends here in exactly one of three lists: a document, a read-level rejection
(a record that is valid but is no document: a WARC request, an HTTP 404, an empty text) or a quarantine
entry (a record that cannot be parsed: invalid JSON or UTF-8, a missing text field, a truncated tail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import orjson
import pyarrow as pa

from curation.config.manifest import Source
from curation.config.row_filter import MISSING as _MISSING, RowFilter, get_path
from curation.readers.parts import Part
from curation.core.schema import DOCUMENT_SCHEMA, QUARANTINE_RAW_CAP, QUARANTINE_SCHEMA, REJECTION_FIELDS

READ_STAGE = "read"
SOURCE_FILTER = "source_filter"  # reason of records a source's `filter:` leaves out
REJECTED_READ_SCHEMA = pa.schema(list(DOCUMENT_SCHEMA) + REJECTION_FIELDS)


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

    def __post_init__(self) -> None:
        fm = self.source.fields
        self._dir = PurePosixPath(self.part.relpath).parent.name
        self._file = PurePosixPath(self.part.relpath).name
        self._single_language = self.source.languages[0] if len(self.source.languages) == 1 else None
        self._filter = RowFilter(self.source.filter) if self.source.filter else None
        self._metadata = dict(fm.metadata)
        for name, path in (("title", fm.title), ("programming_language", fm.programming_language)):
            if path:
                self._metadata[name] = path

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

    def add(self, offset: int, record: Any, raw_size: int, reject: str | None = None) -> None:
        """A parsed native record. `reject` marks a valid record that is not a document (reason)."""
        self.records += 1
        self.raw_bytes += raw_size
        if not isinstance(record, dict):
            self.quarantine(offset, f"record is a JSON {type(record).__name__}, not an object", None, count=False)
            return
        fm = self.source.fields
        text = self._value(record, fm.text)
        if reject is None and self._filter is not None and not self._filter(record):
            reject = SOURCE_FILTER  # checked first: a record the source leaves out is no document, text or not
        if reject is None:
            if text is _MISSING or text is None:
                self.quarantine(offset, f"no text: field '{fm.text}' (fields.text) is missing", orjson.dumps(record, default=str), count=False)
                return
            if not isinstance(text, str):
                self.quarantine(offset, f"field '{fm.text}' (fields.text) is a {type(text).__name__}, not a string", orjson.dumps(record, default=str), count=False)
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
        native_id = self._value(record, fm.id)
        doc_id = origin if native_id is _MISSING or native_id is None else str(native_id)
        if "code" in self.source.languages:
            language = "code"
        else:
            label = self._value(record, fm.language)
            language = str(label).lower() if label not in (_MISSING, None) else self._single_language
        score = self._value(record, fm.language_score)
        url = self._value(record, fm.url)
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
            "metadata": orjson.dumps(metadata, option=orjson.OPT_SORT_KEYS, default=str).decode() if metadata else None,
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

    def flush(self) -> ReadBatch:
        batch = ReadBatch(
            docs=pa.Table.from_pydict(self.docs, schema=DOCUMENT_SCHEMA),
            rejected=pa.Table.from_pydict(self.rejected, schema=REJECTED_READ_SCHEMA),
            quarantined=pa.Table.from_pydict(self.quarantined, schema=QUARANTINE_SCHEMA),
            records=self.records,
            raw_bytes=self.raw_bytes,
        )
        for d in (self.docs, self.rejected, self.quarantined):
            for v in d.values():
                v.clear()
        self.records = self.raw_bytes = 0
        return batch

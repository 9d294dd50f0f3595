"""Input parts: the unit of work of the per-document stages.

A part is a whole file or a range of one: a byte range of an uncompressed JSONL file (a line belongs to
the part in which its first byte lies, as Hadoop splits text), a byte range of a .warc.gz (a record
belongs to the part in which its gzip member starts), or a run of parquet row groups. Other compressed
streams (.jsonl.gz/.zst/.xz/.bz2) cannot be entered in the middle and are one part per file.
Part keys depend only on the file's path relative to the source location and the range index, so they
are stable across reruns and independent of the number of workers.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import fsspec

from curation.core.errors import UserError
from curation.config.manifest import Source, expand_location, is_remote

DEFAULT_MAX_PART_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Part:
    source: str
    relpath: str  # path relative to the source location's root: used in ids, origins, output names
    path: str  # where to open it (local path or fsspec URI)
    index: int = 0  # range number within the file
    start: int | None = None  # bytes (jsonl) or first row group (parquet); None = whole file
    end: int | None = None  # exclusive
    size: int = 0

    @property
    def slug(self) -> str:
        """File-system-safe, human-readable, unique within the source."""
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", self.relpath.replace("/", "__"))
        if len(name) > 120:  # keep names short; the hash keeps them unique
            name = name[:100] + "-" + hashlib.sha1(self.relpath.encode()).hexdigest()[:10]
        return f"{name}.{self.index:04d}"

    @property
    def key(self) -> str:
        return f"{self.source}/{self.slug}"

    def describe(self) -> str:
        rng = "" if self.start is None else f" [{self.start}, {self.end})"
        return f"{self.source}: {self.path}{rng}"


def location_root(location: str) -> str:
    """The folder ids are made relative to: a glob's fixed prefix folder, a folder, or a file's folder."""
    if any(c in location for c in "*?["):
        head = re.split(r"[*?\[]", location, maxsplit=1)[0]
        return head.rsplit("/", 1)[0] if "/" in head else ""
    if not is_remote(location) and os.path.isdir(location):
        return location.rstrip("/")
    return location.rsplit("/", 1)[0] if "/" in location else ""


def relative_to_root(path: str, root: str) -> str:
    if root and path.startswith(root):
        rel = path[len(root):].lstrip("/")
        return rel or PurePosixPath(path).name
    return PurePosixPath(path).name


def plan_parts(source: Source, max_part_bytes: int = DEFAULT_MAX_PART_BYTES) -> list[Part]:
    """All parts of a source, in a deterministic order. A location that matches nothing is an error."""
    files = expand_location(source.location)
    if not files:
        raise UserError(f"source '{source.id}': field 'location': no files match {source.location}")
    root = location_root(source.location)
    parts: list[Part] = []
    for path in files:
        rel = relative_to_root(path, root)
        size = _size(path)
        if (source.format == "jsonl" or _gzipped_warc(source, path)) and size > max_part_bytes:
            n = -(-size // max_part_bytes)
            step = -(-size // n)
            for i in range(n):
                parts.append(Part(source.id, rel, path, i, i * step, min(size, (i + 1) * step), size))
        elif source.format == "parquet" and size > max_part_bytes:
            parts.extend(_parquet_parts(source.id, rel, path, max_part_bytes))
        else:
            parts.append(Part(source.id, rel, path, 0, None, None, size))
    return parts


def _gzipped_warc(source: Source, path: str) -> bool:
    """A .warc.gz is gzipped record by record (as crawlers write it), so it can be entered at a member."""
    return source.format == "warc" and path.endswith(".gz")


def unsplittable(parts: list[Part], max_part_bytes: int) -> list[Part]:
    """Whole-file parts larger than max_part_bytes: compressed streams that cannot be entered in the middle
    (.jsonl.gz/.zst/.xz/.bz2, uncompressed .warc). Each is one task however large: worth resharding."""
    return [p for p in parts if p.start is None and p.size > max_part_bytes]


def _size(path: str) -> int:
    if is_remote(path):
        fs, _, (p,) = fsspec.get_fs_token_paths(path)
        return int(fs.size(p) or 0)
    return os.path.getsize(path)


def _parquet_parts(source_id: str, rel: str, path: str, max_part_bytes: int) -> list[Part]:
    import pyarrow.parquet as pq

    with fsspec.open(path, "rb") as f:
        meta = pq.ParquetFile(f).metadata
    parts, start, acc = [], 0, 0
    for rg in range(meta.num_row_groups):
        acc += meta.row_group(rg).total_byte_size
        if acc >= max_part_bytes:
            parts.append(Part(source_id, rel, path, len(parts), start, rg + 1, acc))
            start, acc = rg + 1, 0
    if start < meta.num_row_groups or not parts:
        parts.append(Part(source_id, rel, path, len(parts), start, meta.num_row_groups, acc))
    return parts


def found_locally(location: str) -> str:
    """For `curate sources list`: how many files a location matches, without touching the network."""
    if is_remote(location):
        return "remote"
    n = len([p for p in glob.glob(location, recursive=True) if os.path.isfile(p)]) if any(c in location for c in "*?[") else int(os.path.exists(location))
    return f"{n} file{'s' if n != 1 else ''}" if n else "not found"

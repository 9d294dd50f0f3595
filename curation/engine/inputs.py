"""Input identity: what each input file was when the run read it, and what changed since.

Every documents-phase marker records the identity of the file its part came from: size and mtime (ns)
for a local or shared file system; for an object store, the size and whatever version the store's
fsspec `info` gives (S3 VersionId/ETag, GCS generation/md5, ...); with `--hash-inputs`, also the
sha256 of the content (computed as Ray tasks). A rerun compares the plan's files with the markers:
a file whose identity differs is changed, a marker whose file is gone is removed, and, once the
whole-run phases have run on a complete set of parts, a part without a marker is added. Nothing
that differs is ever reused.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

import fsspec

from curation.config.manifest import is_remote
from curation.engine.executor import run_pending
from curation.readers import Part

# fsspec `info` keys that identify an object's version, by store (compared when both sides have them).
_REMOTE_KEYS = ("VersionId", "version_id", "generation", "ETag", "etag", "md5Hash", "LastModified", "last_modified", "updated", "mtime", "created")
_HASH_CHUNK = 1 << 22


def file_identity(path: str) -> dict[str, Any]:
    if is_remote(path):
        fs, _, (p,) = fsspec.get_fs_token_paths(path)
        info = fs.info(p)
        ident: dict[str, Any] = {"size": int(info.get("size") or 0)}
        for key in _REMOTE_KEYS:
            if info.get(key) is not None:
                ident[key.lower()] = str(info[key])
        return ident
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def content_sha256(path: str) -> str:
    h = hashlib.sha256()
    with fsspec.open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def same_file(recorded: dict[str, Any] | None, current: dict[str, Any]) -> bool:
    """Content hashes decide when both sides have one; otherwise every recorded key must match."""
    if not recorded:
        return False  # a marker from before identities were recorded: never assume it is the same
    if "sha256" in recorded and "sha256" in current:
        return recorded["sha256"] == current["sha256"] and recorded.get("size") == current.get("size")
    keys = set(recorded) - {"sha256"}
    return keys == set(current) - {"sha256"} and all(recorded[k] == current[k] for k in keys)


def _hash_task(part: Part, _ctx: Any) -> dict[str, Any]:
    return {"records": 0, "sha256": content_sha256(part.path)}


def identities(parts: list[Part], markers: Iterable[dict[str, Any]] = (), hash_content: bool = False,
               ray_address: str | None = None, num_cpus: int | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """The identity of every input file of the plan, by (source, relpath). With `hash_content` every file
    is hashed; without, only the files whose size or mtime moved and whose marker has a hash (a run
    made with --hash-inputs), so that a touched file with the same content is not redone. On Ray."""
    first: dict[tuple[str, str], Part] = {}
    for p in parts:
        first.setdefault((p.source, p.relpath), p)
    out = {key: file_identity(p.path) for key, p in first.items()}
    recorded = {(e["source"], e["file"]): e.get("input") or {} for e in markers}
    to_hash = [p for key, p in first.items() if hash_content or ("sha256" in recorded.get(key, {}) and not same_file(recorded[key], out[key]))]
    if to_hash:
        hashes: dict[tuple[str, str], str] = {}
        run_pending(_hash_task, to_hash, None, is_done=lambda p: False, label="hash inputs", unit="files",
                    ray_address=ray_address, num_cpus=num_cpus, on_done=lambda p, r: hashes.__setitem__((p.source, p.relpath), r["sha256"]))
        for key, sha in hashes.items():
            out[key]["sha256"] = sha
    return out


def digest(idents: dict[tuple[str, str], dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for (src, rel), ident in sorted(idents.items()):
        h.update(repr((src, rel, sorted(ident.items()))).encode())
    return h.hexdigest()[:16]


@dataclass
class Changes:
    """Input files that differ from what the run's outputs were made from ("source/relpath")."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)  # markers whose outputs must go

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self, limit: int = 5) -> str:
        out = []
        for label, files in (("changed", self.changed), ("added", self.added), ("removed", self.removed)):
            if files:
                shown = ", ".join(files[:limit]) + (f" and {len(files) - limit} more" if len(files) > limit else "")
                out.append(f"{len(files)} {label} ({shown})")
        return "; ".join(out)


def detect(parts: list[Part], idents: dict[tuple[str, str], dict[str, Any]], markers: Iterable[dict[str, Any]], complete: bool) -> Changes:
    """Compare the plan with the documents-phase markers. `complete`: the whole-run phases have run on
    a complete set of parts, so a part without a marker is a new input, not unfinished work."""
    planned = {p.key for p in parts}
    files_with_markers: set[tuple[str, str]] = set()
    changed: set[tuple[str, str]] = set()
    removed: set[tuple[str, str]] = set()
    stale = []
    for entry in markers:
        key = (entry["source"], entry["file"])
        files_with_markers.add(key)
        if key not in idents:
            removed.add(key)
            stale.append(entry)
        elif entry["part"] not in planned or not same_file(entry.get("input"), idents[key]):
            changed.add(key)
            stale.append(entry)
    added: set[tuple[str, str]] = set()
    if complete:
        for p in parts:
            key = (p.source, p.relpath)
            if key not in changed and key not in files_with_markers:
                added.add(key)
    return Changes(
        added=sorted(f"{s}/{r}" for s, r in added),
        changed=sorted(f"{s}/{r}" for s, r in changed),
        removed=sorted(f"{s}/{r}" for s, r in removed),
        stale=stale,
    )

"""Input identity and change detection (engine/inputs.py), without running anything."""

from __future__ import annotations

import os
from pathlib import Path

import fsspec

from curation.engine.inputs import content_sha256, detect, file_identity, same_file
from curation.readers import Part


def test_local_identity_is_size_and_mtime(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text('{"text": "x"}\n')
    ident = file_identity(str(f))
    assert ident == {"size": f.stat().st_size, "mtime_ns": f.stat().st_mtime_ns}
    assert same_file(ident, file_identity(str(f)))
    os.utime(f, ns=(0, f.stat().st_mtime_ns + 1_000_000))
    assert not same_file(ident, file_identity(str(f)))  # touched: by default, a change


def test_content_hash_decides_when_both_sides_have_one(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text('{"text": "x"}\n')
    before = {**file_identity(str(f)), "sha256": content_sha256(str(f))}
    os.utime(f, ns=(0, 123))
    assert same_file(before, {**file_identity(str(f)), "sha256": content_sha256(str(f))})
    f.write_text('{"text": "y"}\n')  # same size, new content
    os.utime(f, ns=(0, before["mtime_ns"]))  # and the old mtime (rsync -t, a restore from backup)
    assert same_file(before, file_identity(str(f)))  # size + mtime cannot see it ...
    assert not same_file(before, {**file_identity(str(f)), "sha256": content_sha256(str(f))})  # ... the hash does


def test_object_store_identity_uses_the_stores_version() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/integrity/a.jsonl", b'{"text": "x"}\n')
    first = file_identity("memory:///integrity/a.jsonl")
    assert first["size"] == 14 and "created" in first  # the memory store's only version field
    fs.pipe("/integrity/a.jsonl", b'{"text": "xyz"}\n')
    assert not same_file(first, file_identity("memory:///integrity/a.jsonl"))


def test_a_marker_without_identity_is_never_reused() -> None:
    assert not same_file(None, {"size": 1, "mtime_ns": 2})
    assert not same_file({"size": 1}, {"size": 1, "mtime_ns": 2})


def _part(rel: str, index: int = 0) -> Part:
    return Part("src", rel, f"/data/{rel}", index)


def _marker(part: Part, ident: dict) -> dict:
    return {"part": part.key, "source": part.source, "file": part.relpath, "input": ident}


def test_detect_classifies_files() -> None:
    a, b, c, d = _part("a.jsonl"), _part("b.jsonl"), _part("c.jsonl"), _part("d.jsonl")
    old = {"size": 1, "mtime_ns": 1}
    idents = {("src", "a.jsonl"): old, ("src", "b.jsonl"): {"size": 2, "mtime_ns": 5}, ("src", "d.jsonl"): old}
    markers = [_marker(a, old), _marker(b, old), _marker(c, old)]
    changes = detect([a, b, d], idents, markers, complete=True)
    assert (changes.changed, changes.added, changes.removed) == (["src/b.jsonl"], ["src/d.jsonl"], ["src/c.jsonl"])
    assert sorted(e["part"] for e in changes.stale) == [b.key, c.key]
    assert "1 changed (src/b.jsonl); 1 added (src/d.jsonl); 1 removed (src/c.jsonl)" == changes.summary()
    # before the phases ran on a complete set, a part without a marker is unfinished work, not a new file
    assert detect([a, d], idents, [_marker(a, old)], complete=False).added == []
    assert not detect([a], idents, [_marker(a, old)], complete=True)


def test_a_file_that_grew_into_more_parts_is_changed() -> None:
    a0, a1 = _part("a.jsonl", 0), _part("a.jsonl", 1)
    idents = {("src", "a.jsonl"): {"size": 9, "mtime_ns": 9}}
    changes = detect([a0, a1], idents, [_marker(a0, {"size": 1, "mtime_ns": 1})], complete=True)
    assert changes.changed == ["src/a.jsonl"] and changes.added == []


def test_a_touched_file_of_a_hashed_run_is_hashed_again_not_redone(tmp_path: Path, ray_session) -> None:
    from curation.engine.inputs import identities

    f = tmp_path / "a.jsonl"
    f.write_text('{"text": "x"}\n')
    part = Part("src", "a.jsonl", str(f))
    marker = _marker(part, {**file_identity(str(f)), "sha256": content_sha256(str(f))})
    os.utime(f, ns=(0, f.stat().st_mtime_ns + 10**9))  # touched: size and content unchanged
    idents = identities([part], [marker])
    assert idents[("src", "a.jsonl")]["sha256"] == marker["input"]["sha256"]
    assert not detect([part], idents, [marker], complete=True)
    f.write_text('{"text": "changed"}\n')
    idents = identities([part], [marker])
    assert detect([part], idents, [marker], complete=True).changed == ["src/a.jsonl"]
    # files whose size and mtime did not move are not read at all
    untouched = _marker(Part("src", "b.jsonl", str(tmp_path / "b.jsonl")), {})
    assert "sha256" not in identities([part], [untouched])[("src", "a.jsonl")]

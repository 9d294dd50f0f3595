"""`curate audit` without --checksums: structural checks of every .idx and of the manifest."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from curation.reports.audit import audit_run

SHARD = "ca/catalog_train_text_document"


def _idx(run: Path) -> Path:
    return run / "shards" / f"{SHARD}.idx"


def _patch_idx(run: Path, array: str, index: int, value: int) -> None:
    """Overwrite one element of the .idx's pointers or document indices (what Megatron trusts)."""
    data = bytearray(_idx(run).read_bytes())
    sequences, _ = struct.unpack("<QQ", data[18:34])
    start = 34 + 4 * sequences + (0 if array == "pointers" else 8 * sequences)
    data[start + 8 * index : start + 8 * index + 8] = struct.pack("<q", value)
    _idx(run).write_bytes(bytes(data))


def _cli(run: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curation.cli", "audit", str(run), *args], capture_output=True, text=True)


def test_a_sound_run_passes(small_run: Path) -> None:
    assert audit_run(small_run).ok


@pytest.mark.parametrize("damage, expected", [
    ("pointer", f"shard {SHARD}: catalog_train_text_document.idx: 1 pointer(s) differ from the cumulative lengths, first at sequence 7"),
    ("document_index", f"shard {SHARD}: catalog_train_text_document.idx: document indices are not 0..60 (one sequence per document)"),
    ("idx_size", f"shard {SHARD}: catalog_train_text_document.idx is"),
    ("bin_size", f"shard {SHARD}: catalog_train_text_document.bin is"),
    ("totals", "shards/manifest.json: totals.tokens is"),
    ("unlisted", "shards/ca/stray_train_text_document.idx: not listed in shards/manifest.json"),
])
def test_structural_damage_is_one_clear_line(small_run: Path, damage: str, expected: str) -> None:
    if damage == "pointer":
        _patch_idx(small_run, "pointers", 7, 12)
    elif damage == "document_index":
        _patch_idx(small_run, "document_indices", 3, 4)
    elif damage == "idx_size":
        _idx(small_run).write_bytes(_idx(small_run).read_bytes() + b"\0" * 8)
    elif damage == "bin_size":
        bin_file = _idx(small_run).with_suffix(".bin")
        bin_file.write_bytes(bin_file.read_bytes() + b"\0\0")
    elif damage == "totals":
        path = small_run / "shards" / "manifest.json"
        m = json.loads(path.read_text())
        m["totals"]["tokens"] += 5
        path.write_text(json.dumps(m))
    elif damage == "unlisted":
        (small_run / "shards" / "ca" / "stray_train_text_document.idx").write_bytes(_idx(small_run).read_bytes())
    result = audit_run(small_run)  # no checksums: the bytes are not read
    assert not result.ok
    assert any(expected in p for p in result.problems), result.problems
    cli = _cli(small_run)
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    assert any(expected in line for line in cli.stderr.splitlines()), cli.stderr


def test_checksums_see_what_the_structure_cannot(small_run: Path) -> None:
    bin_file = _idx(small_run).with_suffix(".bin")
    data = bytearray(bin_file.read_bytes())
    data[10] ^= 0xFF  # a flipped token: same sizes, same index
    bin_file.write_bytes(bytes(data))
    assert audit_run(small_run).ok
    assert any("does not match its sha256" in p for p in audit_run(small_run, verify_checksums=True).problems)


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ('{"totals": {}}', "not a shard manifest (no 'shards' list)"),
    ('{"shards": [{"name": "x"}]}', "shard #1: missing or invalid field"),
    (None, "no shard manifest: the run has no shards yet"),
])
def test_garbage_or_missing_manifest_is_one_line(small_run: Path, content: str | None, expected: str) -> None:
    path = small_run / "shards" / "manifest.json"
    if content is None:
        path.unlink()
    else:
        path.write_text(content)
    cli = _cli(small_run)
    assert cli.returncode == 2 and cli.stderr.count("\n") == 1, cli.stderr
    assert cli.stderr.startswith(f"error: {path}: ") and expected in cli.stderr, cli.stderr


def test_deleted_manifest_of_finished_shards_says_so(small_run: Path) -> None:
    meta = json.loads((small_run / "run.json").read_text())
    meta["stages"] = {"shards": {"status": "done"}}
    (small_run / "run.json").write_text(json.dumps(meta))
    (small_run / "shards" / "manifest.json").unlink()
    cli = _cli(small_run)
    assert cli.returncode == 2 and "missing, although the shards phase finished" in cli.stderr and "tokenizer" not in cli.stderr

"""The run directory layout (design.md "Run directory") and atomic file writes.

Every path of a run directory is spelled here and nowhere else: code asks `RunDir` for it."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

TMP_MARK = ".tmp-"
LOCK_FILE = "run.lock"
PART_SUFFIX = ".parquet"  # one file per input part under docs/, rejected/, quarantine/: <source>/<slug>.parquet
DEDUP_SUFFIX = ".dedup.parquet"  # rejected/<source>/<slug>.dedup.parquet: the part's rows dedup removed


class RunDir:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def run_json(self) -> Path:
        return self.root / "run.json"

    def ledger(self, phase: str) -> Path:
        return self.root / "ledger" / phase

    def docs(self, source: str | None = None) -> Path:
        return self.root / "docs" / source if source else self.root / "docs"

    def rejected(self, source: str | None = None) -> Path:
        return self.root / "rejected" / source if source else self.root / "rejected"

    def quarantine(self, source: str | None = None) -> Path:
        return self.root / "quarantine" / source if source else self.root / "quarantine"

    def part_docs(self, source: str, slug: str) -> Path:
        return self.docs(source) / f"{slug}{PART_SUFFIX}"

    def part_rejected(self, source: str, slug: str) -> Path:
        return self.rejected(source) / f"{slug}{PART_SUFFIX}"

    def part_dedup_rejected(self, source: str, slug: str) -> Path:
        return self.rejected(source) / f"{slug}{DEDUP_SUFFIX}"

    def part_quarantine(self, source: str, slug: str) -> Path:
        return self.quarantine(source) / f"{slug}{PART_SUFFIX}"

    def part_outputs(self, source: str, slug: str) -> list[Path]:
        """Every file one input part owns in the run (written by the documents phase, or by dedup)."""
        return [self.part_docs(source, slug), self.part_rejected(source, slug), self.part_dedup_rejected(source, slug), self.part_quarantine(source, slug)]

    @property
    def stats(self) -> Path:
        return self.root / "stats"

    # stats/ files
    @property
    def stage_stats(self) -> Path:
        return self.stats / "stages.json"

    @property
    def reconciliation(self) -> Path:
        return self.stats / "reconciliation.json"

    @property
    def timing(self) -> Path:
        return self.stats / "timing.json"

    @property
    def summary_csv(self) -> Path:
        return self.stats / "summary.csv"

    @property
    def dedup_stats(self) -> Path:
        return self.stats / "dedup.json"

    @property
    def token_stats(self) -> Path:
        return self.stats / "tokens.json"

    # whole-run phases
    def work(self, phase: str) -> Path:
        """Scratch space of a phase (deleted or overwritten by a rerun)."""
        return self.root / "work" / phase

    @property
    def dedup(self) -> Path:
        return self.root / "dedup"

    @property
    def dedup_scratch(self) -> Path:
        return self.dedup / "scratch"

    @property
    def dedup_clusters(self) -> Path:
        return self.dedup / "clusters"

    @property
    def tokenizer(self) -> Path:
        return self.root / "tokenizer"

    @property
    def tokenizer_model(self) -> Path:
        return self.tokenizer / "tokenizer.model"

    @property
    def tokenizer_sample(self) -> Path:
        return self.tokenizer / "sample.json"

    @property
    def hf_tokenizer(self) -> Path:
        return self.tokenizer / "hf"

    @property
    def shards(self) -> Path:
        return self.root / "shards"

    @property
    def shards_manifest(self) -> Path:
        return self.shards / "manifest.json"

    @property
    def blend(self) -> Path:
        return self.root / "blend"

    # reports and training
    @property
    def audit(self) -> Path:
        return self.root / "audit"

    @property
    def datasheet(self) -> Path:
        return self.root / "datasheet"

    @property
    def train(self) -> Path:
        return self.root / "train"

    def clean_temporaries(self) -> int:
        """Remove files a killed run left under a temporary name. Returns how many."""
        n = 0
        if self.root.exists():
            for p in self.root.rglob(f"*{TMP_MARK}*"):
                if p.is_file():
                    p.unlink()
                    n += 1
        return n

    @property
    def lock(self) -> Path:
        """Held by the command writing the run (core/runlock.py)."""
        return self.root / LOCK_FILE

    def wipe(self) -> None:
        """Delete the run directory's contents, except the lock of the command that wipes it."""
        if not self.root.exists():
            return
        for p in self.root.iterdir():
            if p.name == LOCK_FILE:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


def tmp_path(final: Path) -> Path:
    """A unique temporary name next to `final`; renamed onto it once complete."""
    return final.with_name(f"{final.name}{TMP_MARK}{uuid.uuid4().hex[:12]}")


def commit(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)


def write_atomic(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:  # a failed write names no file: name it (disk full is reported with its path)
        tmp.unlink(missing_ok=True)
        raise OSError(e.errno, e.strerror, str(path)) from None
    commit(tmp, path)


def write_json(path: Path, obj: Any) -> None:
    """Deterministic JSON (sorted keys, fixed indentation) written atomically."""
    write_atomic(path, json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n")

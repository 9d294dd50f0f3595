"""A full or read-only file system: one line naming the path, no traceback, and a run that resumes
once there is room. The tests mount a small tmpfs (root only; skipped elsewhere). An object-store
--runs-dir is tests/test_runner.py's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import curate, tree_digest


@pytest.fixture
def tiny_fs(tmp_path: Path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("error:", "run failed:"))]


@pytest.mark.slow
def test_disk_full_is_one_line_and_the_run_resumes(small_corpus: Path, tiny_fs: Path) -> None:
    full = curate("run", "pipeline.yaml", "--runs-dir", str(tiny_fs), "--num-cpus", "2", cwd=small_corpus)
    assert full.returncode != 0
    assert "Traceback" not in full.stderr, full.stderr
    errors = _errors(full.stderr)
    assert errors and "no space left on the device" in full.stderr, full.stderr
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_fs)], check=True)
    resumed = curate("run", "pipeline.yaml", "--runs-dir", str(tiny_fs), "--num-cpus", "2", cwd=small_corpus)
    assert resumed.returncode == 0, resumed.stderr
    clean = curate("run", "pipeline.yaml", "--runs-dir", "clean", "--num-cpus", "2", cwd=small_corpus)
    assert clean.returncode == 0, clean.stderr
    assert tree_digest(tiny_fs / "small") == tree_digest(small_corpus / "clean" / "small")


def test_read_only_runs_dir_is_one_line_naming_it(small_corpus: Path, tiny_fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    r = curate("run", "pipeline.yaml", "--runs-dir", str(tiny_fs), cwd=small_corpus)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.splitlines() == [f"error: {tiny_fs / 'small'}: read-only file system"], r.stderr


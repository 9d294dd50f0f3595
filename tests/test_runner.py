"""`curate run` errors a user can cause with remote places: one line, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import curate, write_pipeline


def test_object_store_runs_dir_is_one_line(small_corpus: Path) -> None:
    res = curate("run", "pipeline.yaml", "--runs-dir", "s3://bucket/runs", cwd=small_corpus)
    assert res.returncode == 2
    assert res.stderr.splitlines() == [res.stderr.strip()] and res.stderr.startswith("error: --runs-dir s3://bucket/runs: ")
    assert "object stores are not supported" in res.stderr and res.stdout == ""
    assert not (small_corpus / "s3:").exists()  # nothing written under a local look-alike path


def test_unreachable_hub_location_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("huggingface_hub")
    write_pipeline(tmp_path, """\
        name: hub
        sources:
          - use: fineweb-edu
            location: hf://datasets/HuggingFaceFW/fineweb-edu/data/CC-MAIN-2024-10/*.parquet
        """)
    # offline mode stands for "no network", whether or not this machine has one
    res = curate("run", "pipeline.yaml", env={"HF_HUB_OFFLINE": "1"}, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("error: pipeline.yaml:4: source 'fineweb-edu': field 'location': cannot list hf://datasets/")
    assert res.stdout == ""  # no summary: the run never started

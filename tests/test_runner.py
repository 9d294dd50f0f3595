"""`curate run`: errors a user can cause with remote places (one line, exit 2, no traceback); the run
fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import curate, write_pipeline

from curation import runner
from curation.config.pipeline import demo_pipeline_path, load_pipeline


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


def test_demo_fingerprint_does_not_depend_on_where_the_package_is(monkeypatch: pytest.MonkeyPatch) -> None:
    rp = load_pipeline(demo_pipeline_path())
    here = runner.fingerprint(rp)
    sample = str(runner.sample_dir())
    assert all(s.location.startswith(sample) for s in rp.sources)
    # the same demo resolved in another clone: every location under that clone's sample folder
    elsewhere = "/elsewhere/clone/curation/sample"
    moved = rp.model_copy(update={"sources": [s.model_copy(update={"location": elsewhere + s.location[len(sample):]}) for s in rp.sources]})
    monkeypatch.setattr(runner, "sample_dir", lambda: Path(elsewhere))
    assert runner.fingerprint(moved) == here
    # a source read from anywhere else is still part of the fingerprint
    other = rp.model_copy(update={"sources": [rp.sources[0].model_copy(update={"location": "/data/oscar/*.jsonl.zst"}), *rp.sources[1:]]})
    assert runner.fingerprint(other) != here

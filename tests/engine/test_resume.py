"""The Ray engine: reconciliation, determinism, retries, and byte-identical resume after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import curate, tree_digest
from curation.runner import run_pipeline


def test_small_run_reconciles(small_corpus: Path, ray_session) -> None:
    result = run_pipeline(small_corpus / "pipeline.yaml", runs_dir=small_corpus / "runs", log=lambda m: None)
    rec = result.reconciliation
    assert rec["ok"]
    src = rec["sources"]["colossal-oscar"]
    # 4 files x 300 records + 1 invalid JSON line + 1 invalid UTF-8 line; the blank line is no record
    assert src["records"] == 1202
    # whatever the filter stages decide, each readable record is either kept or rejected
    assert src["quarantined"] == 2 and src["kept"] + src["rejected"] == 1200
    run = result.run
    quarantine = pq.read_table(run.quarantine("colossal-oscar")).to_pylist()
    errors = sorted(q["error"].split(":")[0] for q in quarantine)
    assert errors == ["invalid JSON", "invalid UTF-8 at byte 17 of the record (invalid start byte)"]
    stages = json.loads((run.stats / "stages.json").read_text())
    assert stages["order"][0] == "read" and "normalize" in stages["order"]
    assert stages["stages"]["read"]["colossal-oscar"]["es"]["docs_out"] == 1200
    # a second invocation resumes: nothing left to do, same outputs
    before = tree_digest(run.root)
    again = run_pipeline(small_corpus / "pipeline.yaml", runs_dir=small_corpus / "runs", log=lambda m: None)
    assert again.skipped == again.parts and tree_digest(run.root) == before


def test_reconciliation_detects_a_lost_file(small_corpus: Path, ray_session) -> None:
    result = run_pipeline(small_corpus / "pipeline.yaml", runs_dir=small_corpus / "runs", log=lambda m: None)
    victim = sorted([*result.run.docs("colossal-oscar").glob("*.parquet"), *result.run.rejected("colossal-oscar").glob("*.parquet")])[0]
    victim.unlink()
    again = run_pipeline(small_corpus / "pipeline.yaml", runs_dir=small_corpus / "runs", log=lambda m: None)
    assert not again.reconciliation["ok"]
    assert not again.reconciliation["sources"]["colossal-oscar"]["ok"]


def test_changed_config_refuses_to_resume(small_corpus: Path, ray_session) -> None:
    from curation.core.errors import UserError

    run_pipeline(small_corpus / "pipeline.yaml", runs_dir=small_corpus / "runs", log=lambda m: None)
    p = small_corpus / "pipeline.yaml"
    p.write_text(p.read_text() + "stages:\n  normalize: {nfc: false}\n")
    with pytest.raises(UserError, match="different pipeline configuration"):
        run_pipeline(p, runs_dir=small_corpus / "runs", log=lambda m: None)
    forced = run_pipeline(p, runs_dir=small_corpus / "runs", force=True, log=lambda m: None)
    assert forced.reconciliation["ok"]


def test_outputs_do_not_depend_on_workers_or_splitting(small_corpus: Path) -> None:
    """Same input, different worker counts: byte-identical outputs (fresh Ray per run)."""
    one = curate("run", "pipeline.yaml", "--runs-dir", "r1", "--num-cpus", "1", cwd=small_corpus)
    assert one.returncode == 0, one.stderr
    two = curate("run", "pipeline.yaml", "--runs-dir", "r2", "--num-cpus", "2", cwd=small_corpus)
    assert two.returncode == 0, two.stderr
    assert tree_digest(small_corpus / "r1" / "small") == tree_digest(small_corpus / "r2" / "small")


class _Run:
    """A `curate run` in the background, with every process it starts findable.

    Ray puts each worker in a process group of its own, so a worker outlives a killed driver's group
    for a moment and may finish a part (and write its marker) after the driver is gone. The run's
    processes all inherit a unique tag in their environment; the tests kill and wait on those, so
    that nothing writes to the run directory once it is counted.
    """

    def __init__(self, cwd: Path, runs: str, env: dict):
        self.tag = uuid.uuid4().hex
        self.log = cwd / f"{runs}.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "curation.cli", "run", "pipeline.yaml", "--runs-dir", runs, "--num-cpus", "2"],
                cwd=cwd, env={**os.environ, **env, "CURATION_TEST_RUN_TAG": self.tag}, stdout=log, stderr=log,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def pids(self) -> list[int]:
        needle = f"CURATION_TEST_RUN_TAG={self.tag}".encode()
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
                except OSError:  # gone, or not ours
                    continue
                if needle in environ:
                    found.append(int(entry))
        return found

    def kill_all(self) -> None:
        """SIGKILL the driver, then every process of the run until none is left (a bound, not a wait)."""
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=60)
        deadline = time.monotonic() + 120
        while pids := self.pids():
            assert time.monotonic() < deadline, f"processes of the killed run still alive: {pids}"
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)


def _wait_for(path: Path, timeout: float = 120) -> None:
    """Wait on a marker file (the timeout only bounds a hung test; no result depends on it)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the run's processes through /proc")
def test_resume_after_driver_kill_is_byte_identical(small_corpus: Path) -> None:
    clean = curate("run", "pipeline.yaml", "--runs-dir", "clean", cwd=small_corpus)
    assert clean.returncode == 0, clean.stderr
    marker = small_corpus / "paused"
    run = _Run(small_corpus, "killed", {"CURATION_TEST_PAUSE": f"es_part_2:600:{marker}"})
    try:
        _wait_for(marker)  # part 2 is in flight (its worker sleeps); how far the others got does not matter
    finally:
        run.kill_all()  # the driver first, mid-run; then whatever of the run is still alive
    ledger = small_corpus / "killed" / "small" / "ledger" / "documents"
    done_before = sorted(p.name for p in ledger.rglob("*.json"))  # nothing of the killed run writes any more
    assert not [n for n in done_before if "es_part_2" in n], "the paused part cannot have finished"
    resumed = curate("run", "pipeline.yaml", "--runs-dir", "killed", cwd=small_corpus)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(done_before)} already done)" in resumed.stderr
    root = small_corpus / "killed" / "small"
    assert not list(root.rglob("*.tmp-*"))
    assert tree_digest(root) == tree_digest(small_corpus / "clean" / "small")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the run's processes through /proc")
def test_worker_kill_is_retried_and_byte_identical(small_corpus: Path) -> None:
    clean = curate("run", "pipeline.yaml", "--runs-dir", "clean", cwd=small_corpus)
    assert clean.returncode == 0, clean.stderr
    marker = small_corpus / "paused"
    run = _Run(small_corpus, "workerkill", {"CURATION_TEST_PAUSE": f"es_part_1:600:{marker}"})
    try:
        _wait_for(marker)
        os.kill(int(marker.read_text()), signal.SIGKILL)  # the worker running that part
        assert run.proc.wait(timeout=300) == 0, run.log.read_text()
    finally:
        run.kill_all()
    assert tree_digest(small_corpus / "workerkill" / "small") == tree_digest(small_corpus / "clean" / "small")


def test_failing_part_is_retried_then_reported(small_corpus: Path) -> None:
    res = curate("run", "pipeline.yaml", env={"CURATION_TEST_FAIL": "es_part_3"}, cwd=small_corpus)
    assert res.returncode == 1
    assert "1 of 5 parts failed after retries" in res.stderr
    assert "es_part_3.jsonl.zst" in res.stderr and "injected failure" in res.stderr
    assert "Traceback" not in res.stderr.split("run failed:")[-1]
    meta = json.loads((small_corpus / "runs" / "small" / "run.json").read_text())
    assert meta["stages"]["documents"]["status"] == "failed"
    # the other parts are done: a rerun without the fault only does the failed one
    res2 = curate("run", "pipeline.yaml", cwd=small_corpus)
    assert res2.returncode == 0 and "(4 already done)" in res2.stderr


def test_bad_location_and_mixture_fail_before_any_work(small_corpus: Path) -> None:
    from curation.core.errors import UserError

    p = small_corpus / "pipeline.yaml"
    p.write_text(p.read_text().replace("data/*.jsonl.zst", "nowhere/*.jsonl.zst"))
    with pytest.raises(UserError, match=r"pipeline\.yaml:5: source 'colossal-oscar': field 'location': no files match"):
        run_pipeline(p, runs_dir=small_corpus / "runs", log=lambda m: None)
    p.write_text(p.read_text().replace("nowhere/*.jsonl.zst", "data/*.jsonl.zst") + "mixture: no-such-recipe\n")
    with pytest.raises(UserError, match=r"pipeline\.yaml:7: field 'mixture': no-such-recipe: no such mixture file"):
        run_pipeline(p, runs_dir=small_corpus / "runs", log=lambda m: None)
    assert not (small_corpus / "runs").exists()  # validated before the run directory is made

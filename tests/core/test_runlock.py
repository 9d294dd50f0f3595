"""The run-directory lock: one holder, a clear refusal, stale locks taken over only on their own host."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.core.rundir import LOCK_FILE
from curation.core.runlock import RunLock


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _plant(root: Path, **holder) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    record = {"pid": os.getpid(), "host": socket.gethostname(), "pid_start": None, "command": "curate run", "started": "2026-01-01T00:00:00+0000", "token": "t", **holder}
    path = root / LOCK_FILE
    path.write_text(json.dumps(record))
    return path


def test_held_for_the_block_and_released(tmp_path: Path) -> None:
    root = tmp_path / "run"
    with RunLock(root, "curate run") as lock:
        holder = json.loads((root / LOCK_FILE).read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname() and holder["started"]
        assert lock.held
    assert not (root / LOCK_FILE).exists()


def test_a_live_holder_is_named_in_one_line(tmp_path: Path) -> None:
    root = tmp_path / "run"
    _plant(root, pid=os.getppid(), command="curate run", started="2026-01-01T00:00:00+0000")
    with pytest.raises(UserError) as e:
        RunLock(root, "curate run").acquire()
    msg = str(e.value)
    assert len(msg.splitlines()) == 1
    assert f"pid {os.getppid()} on host {socket.gethostname()}" in msg and "2026-01-01T00:00:00" in msg and "in use" in msg
    assert (root / LOCK_FILE).exists()  # untouched


def test_stale_lock_on_this_host_is_taken_over_with_a_message(tmp_path: Path) -> None:
    root = tmp_path / "run"
    dead = _dead_pid()
    _plant(root, pid=dead)
    said: list[str] = []
    with RunLock(root, "curate run", log=said.append):
        assert json.loads((root / LOCK_FILE).read_text())["pid"] == os.getpid()
    assert len(said) == 1 and f"pid {dead}" in said[0] and "no longer running" in said[0]


def test_reused_pid_is_stale(tmp_path: Path) -> None:
    """Our own pid, recorded with another start time: the process that took the lock is gone."""
    root = tmp_path / "run"
    _plant(root, pid=os.getpid(), pid_start="1")
    said: list[str] = []
    with RunLock(root, "curate run", log=said.append):
        pass
    assert said and "no longer running" in said[0]


def test_another_hosts_lock_is_never_broken_automatically(tmp_path: Path) -> None:
    root = tmp_path / "run"
    _plant(root, pid=_dead_pid(), host="some-other-node")
    with pytest.raises(UserError, match="on host some-other-node.*--break-lock"):
        RunLock(root, "curate run").acquire()
    said: list[str] = []
    with RunLock(root, "curate run", break_lock=True, log=said.append):
        assert json.loads((root / LOCK_FILE).read_text())["host"] == socket.gethostname()
    assert "--break-lock" in said[0]


def test_empty_lock_file_asks_for_break_lock_once_old(tmp_path: Path) -> None:
    root = tmp_path / "run"
    root.mkdir()
    path = root / LOCK_FILE
    path.write_text("")
    os.utime(path, (0, 0))
    with pytest.raises(UserError, match="unreadable lock file.*--break-lock"):
        RunLock(root, "curate run").acquire()
    with RunLock(root, "curate run", break_lock=True, log=lambda m: None):
        pass


def test_wipe_keeps_the_lock(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "run")
    with RunLock(run.root, "curate run"):
        (run.root / "docs" / "x").mkdir(parents=True)
        (run.root / "run.json").write_text("{}")
        run.wipe()
        assert [p.name for p in run.root.iterdir()] == [LOCK_FILE]


_CONTENDER = """
import sys, time
from pathlib import Path
from curation.core.errors import UserError
from curation.core.runlock import RunLock
root, out = Path(sys.argv[1]), Path(sys.argv[2])
lock = RunLock(root, "curate run", log=lambda m: None)
try:
    lock.acquire()
except UserError as e:
    out.write_text("lost " + str(e))
    sys.exit(0)
out.write_text("won")
while not (root.parent / "release").exists():
    time.sleep(0.05)
lock.release()
"""


def test_contenders_for_a_stale_lock_have_one_winner(tmp_path: Path) -> None:
    root = tmp_path / "run"
    _plant(root, pid=_dead_pid())
    outs = [tmp_path / f"result-{i}" for i in range(4)]
    procs = [subprocess.Popen([sys.executable, "-c", _CONTENDER, str(root), str(o)]) for o in outs]
    try:
        while not all(o.exists() and o.read_text() for o in outs):  # each says whether it won (a marker, not a timer)
            import time

            time.sleep(0.05)
        results = [o.read_text() for o in outs]
        assert sum(r == "won" for r in results) == 1, results
        assert all("in use by" in r for r in results if r != "won"), results
    finally:
        (tmp_path / "release").write_text("")
        for p in procs:
            p.wait(timeout=60)
    assert not (root / LOCK_FILE).exists()


def test_mix_and_tokenizer_train_respect_a_running_run(small_run: Path) -> None:
    """The other commands that write into a run wait their turn too."""
    from conftest import curate

    _plant(small_run, pid=os.getppid())
    for args in (["mix", str(small_run), "--mixture", "demo"], ["tokenizer", "train", str(small_run)]):
        r = curate(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "is in use by `curate run`" in r.stderr, r.stderr
    assert not (small_run / "blend").exists()

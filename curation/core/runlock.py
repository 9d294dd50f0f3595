"""One writer per run directory: `RUN/run.lock`, held for as long as a command writes there.

What it relies on, so that it also holds on the shared file systems of cluster runs:
- creating a file with O_CREAT|O_EXCL is atomic: POSIX locally, and on NFSv3 and later (the server
  checks existence), Lustre and GPFS. No fcntl/flock: their NFS behaviour depends on lockd and mount options.
- the lock file names its holder: pid, host, process start time, command, a random token.
- staleness is decided only on the holder's own host: a lock whose pid is not running there (or is
  running but started at another time: the pid was reused) is stale and is taken over, with a message.
  A lock from another host is never broken automatically (that host may be alive with a slow or
  partitioned file system); `--break-lock` removes it by hand.
- taking over goes through a second O_EXCL file (`run.lock.break`), so two processes that both find
  a stale lock cannot both win.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from curation.core.errors import UserError
from curation.core.rundir import LOCK_FILE, RunDir

UNREADABLE_GRACE_S = 5.0  # an empty lock file younger than this is being written by its holder


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22 of proc(5), counted after the command name


def _alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    now = _start_time(pid)
    return start is None or now is None or now == start


def describe(holder: dict[str, Any]) -> str:
    return f"`{holder.get('command', 'curate')}` (pid {holder.get('pid')} on host {holder.get('host')}, started {holder.get('started')})"


class RunLock:
    """`with RunLock(root, command): ...` holds RUN/run.lock; raises UserError if another process does."""

    def __init__(self, root: Path, command: str, *, break_lock: bool = False, create: bool = True, log: Callable[[str], None] = print):
        self.root = Path(root)
        self.path = RunDir(self.root).lock
        self.command = command
        self.break_lock = break_lock
        self.create = create  # False: a command on an existing run (no lock, no directory, if it is not one)
        self.log = log
        self.token = uuid.uuid4().hex
        self.held = False

    def _record(self) -> dict[str, Any]:
        pid = os.getpid()
        return {"pid": pid, "host": socket.gethostname(), "pid_start": _start_time(pid), "command": self.command,
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "token": self.token}

    def _create(self, path: Path, record: dict[str, Any]) -> bool:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return True

    def _read(self, path: Path) -> dict[str, Any] | None:
        """The holder named in a lock file; {} if unreadable (being written, or garbage); None if gone."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            holder = json.loads(text)
        except ValueError:
            return {}
        return holder if isinstance(holder, dict) else {}

    def _stale(self, holder: dict[str, Any]) -> bool:
        if holder.get("host") != socket.gethostname() or not isinstance(holder.get("pid"), int):
            return False
        return not _alive(holder["pid"], holder.get("pid_start"))

    def acquire(self) -> None:
        if not self.create and not (self.root / "run.json").is_file():
            raise UserError(f"{self.root}: not a run directory (no run.json); make one with `curate run`")
        self.root.mkdir(parents=True, exist_ok=True)
        for _ in range(50):
            if self._create(self.path, self._record()):
                self.held = True
                return
            holder = self._read(self.path)
            if holder is None:
                continue  # released meanwhile: try again
            if not holder:  # being written this instant, or left empty by a crash at that instant
                if self.break_lock or _age(self.path) > UNREADABLE_GRACE_S:
                    if not self.break_lock:
                        raise UserError(f"{self.path}: unreadable lock file; if no command is using {self.root}, rerun with --break-lock")
                    self.log(f"breaking the unreadable lock file {self.path} (--break-lock)")
                    self._take_over(holder)
                else:
                    time.sleep(0.05)
                continue
            if self.break_lock:
                self.log(f"breaking the lock of {self.root} held by {describe(holder)} (--break-lock)")
                self._take_over(holder)
            elif self._stale(holder):
                self.log(f"taking over the lock of {self.root}: {describe(holder)} is no longer running")
                self._take_over(holder)
            else:
                hint = "wait for it to finish" + ("" if holder.get("host") == socket.gethostname() else "; if it is gone, rerun with --break-lock")
                raise UserError(f"{self.root} is in use by {describe(holder)}; {hint}")
        raise UserError(f"{self.path}: could not take the lock (it keeps changing hands)")

    def _take_over(self, holder: dict[str, Any]) -> None:
        """Remove the lock file of `holder` if it is still the one in place; one process at a time."""
        breaker = self.path.with_name(LOCK_FILE + ".break")
        if not self._create(breaker, self._record()):
            other = self._read(breaker)
            if other and self._stale(other):  # a breaker died in the middle: rare, and harmless to remove
                breaker.unlink(missing_ok=True)
            time.sleep(0.05)
            return
        try:
            if self._read(self.path) == holder:
                self.path.unlink(missing_ok=True)
        finally:
            breaker.unlink(missing_ok=True)

    def release(self) -> None:
        if self.held and (self._read(self.path) or {}).get("token") == self.token:
            self.path.unlink(missing_ok=True)
        self.held = False

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

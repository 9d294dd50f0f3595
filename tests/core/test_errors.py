"""OS errors a user can fix, as one line naming the path."""

from __future__ import annotations

import errno

from curation.core.errors import storage_error


def test_disk_full_names_the_path_and_says_the_run_resumes() -> None:
    msg = storage_error(OSError(errno.ENOSPC, "No space left on device", "/runs/r/docs/x.parquet"))
    assert msg is not None and msg.startswith("/runs/r/docs/x.parquet: no space left") and "resumes" in msg


def test_pyarrow_errors_without_errno_are_recognised() -> None:
    e = OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")
    assert e.errno is None
    assert "no space left" in (storage_error(e) or "")


def test_permission_and_read_only_are_recognised_other_errors_are_not() -> None:
    assert storage_error(PermissionError(errno.EACCES, "Permission denied", "/x")) == "/x: permission denied"
    assert storage_error(OSError(errno.EROFS, "Read-only file system", "/y")) == "/y: read-only file system"
    assert storage_error(OSError(errno.EIO, "I/O error", "/z")) is None
    assert storage_error(FileNotFoundError(errno.ENOENT, "No such file", "/w")) is None

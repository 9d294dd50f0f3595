"""Errors a user can cause. The CLI prints them as one line and exits non-zero, never a traceback."""

import errno
import re


class UserError(Exception):
    """A mistake in a file, flag or input that the user can fix. `str()` is the one line shown."""

    exit_code = 2


# OS errors a user meets on a file system and can fix, with what to do about them.
_STORAGE = {
    errno.ENOSPC: "no space left on the device; free some and rerun the same command (the run resumes where it stopped)",
    errno.EDQUOT: "disk quota exceeded; free some space and rerun the same command (the run resumes where it stopped)",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
}


def storage_error(e: OSError) -> str | None:
    """One line for a disk-full or permission error (Python's or pyarrow's, which may carry no errno),
    naming the path when the error knows it; None for any other OS error."""
    code = e.errno
    if code is None:  # pyarrow: "... Detail: [errno 28] No space left on device"
        found = re.search(r"\[errno (\d+)\]", str(e), re.IGNORECASE)
        code = int(found.group(1)) if found else None
    if code not in _STORAGE:
        return None
    path = e.filename or ""
    return f"{path}: {_STORAGE[code]}" if path else f"{_STORAGE[code]} ({' '.join(str(e).split())[:300]})"


class RunFailed(Exception):
    """The run itself did not succeed (failed parts, reconciliation mismatch). Exit code 1."""

    exit_code = 1

"""Errors a user can cause. The CLI prints them as one line and exits non-zero, never a traceback."""


class UserError(Exception):
    """A mistake in a file, flag or input that the user can fix. `str()` is the one line shown."""

    exit_code = 2


class RunFailed(Exception):
    """The run itself did not succeed (failed parts, reconciliation mismatch). Exit code 1."""

    exit_code = 1

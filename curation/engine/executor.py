"""Run parts as Ray tasks: local Ray by default, an existing cluster with `--ray-address`, one code path.

Tasks are submitted through a bounded window (the driver never holds more than a few thousand futures),
retried by Ray on worker death and on exceptions, and, when retries are spent, reported with the input
part and the error. Progress is a live bar on a terminal and a line every few seconds otherwise.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

from curation.readers import Part

log = logging.getLogger("curation")


@dataclass
class PartFailure:
    part: Part
    error: str


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    kwargs: dict[str, Any] = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=True)
    if address:
        ray.init(address=address, **kwargs)
    else:
        # A local, single-user instance: no token handshake (it only prints a warning here).
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        # A small object store: tasks exchange only small stats dicts; the data goes through files.
        ray.init(num_cpus=num_cpus, object_store_memory=128 * 1024 * 1024, **kwargs)


def run_tasks(
    fn: Callable[..., dict[str, Any]],
    parts: list[Part],
    context: Any,
    *,
    max_retries: int = 3,
    label: str = "parts",
    on_done: Callable[[Part, dict[str, Any]], None] | None = None,
) -> list[PartFailure]:
    """Run `fn(part, context)` for every part on Ray. Returns the parts that failed after retries."""
    import ray

    if not parts:
        return []
    remote = ray.remote(fn).options(num_cpus=1, max_retries=max_retries, retry_exceptions=True)
    ctx_ref = ray.put(context)
    window = max(4, 4 * int(ray.cluster_resources().get("CPU", 1)))
    pending: dict[Any, Part] = {}
    todo = iter(parts)
    failures: list[PartFailure] = []
    progress = _Progress(label, len(parts))

    def submit() -> None:
        for part in todo:
            pending[remote.remote(part, ctx_ref)] = part
            if len(pending) >= window:
                return

    submit()
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1, timeout=5.0)
        for ref in done:
            part = pending.pop(ref)
            records = 0
            try:
                result = ray.get(ref)
            except Exception as e:  # retries exhausted: a worker died every time, or the task kept raising
                failures.append(PartFailure(part, _one_line(e)))
            else:
                if result.get("error"):
                    failures.append(PartFailure(part, result["error"]))
                else:
                    records = int(result.get("records", 0))
                    if on_done:
                        on_done(part, result)
            progress.advance(records)
        submit()
        progress.refresh()
    progress.close(len(failures))
    return failures


def _one_line(e: Exception) -> str:
    cause = getattr(e, "cause", None) or e
    text = f"{type(cause).__name__}: {cause}"
    lines = [ln for ln in str(text).splitlines() if ln.strip()]
    return lines[-1] if len(lines) > 1 and lines[-1].startswith(type(cause).__name__) else " ".join(lines)[:500]


class _Progress:
    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.records = label, total, 0, 0
        self.t0 = self.last = time.monotonic()
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[records]} records"), TimeElapsedColumn(), transient=False)
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, records=0)

    def advance(self, records: int) -> None:
        self.done += 1
        self.records += records

    def refresh(self) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, records=self.records)
        elif time.monotonic() - self.last >= 5 or self.done == self.total:
            self.last = time.monotonic()
            print(f"  {self.label}: {self.done}/{self.total} parts, {self.records} records, {self.last - self.t0:.0f}s", file=sys.stderr, flush=True)

    def close(self, failed: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, records=self.records)
            self.bar.stop()

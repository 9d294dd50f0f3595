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
from pathlib import Path
from typing import Any, Callable, Generic, Protocol, Sequence, TypeVar

from curation.core.errors import RunFailed, storage_error
from curation.core.resources import Resources
from curation.engine.ledger import Ledger

log = logging.getLogger("curation")


class WorkItem(Protocol):
    """A unit of work of a Ray task: an input part, a docs file, a dedup job, a shard job..."""

    def describe(self) -> str: ...


class KeyedItem(WorkItem, Protocol):
    @property
    def key(self) -> str: ...  # its marker's name in a ledger folder


ItemT = TypeVar("ItemT", bound=WorkItem)
KeyedT = TypeVar("KeyedT", bound=KeyedItem)


@dataclass
class TaskFailure(Generic[ItemT]):
    item: ItemT
    error: str


class TasksFailed(RunFailed):
    """Some tasks failed after their retries; the message lists the first 20, `failures` has them all."""

    def __init__(self, label: str, failures: list[TaskFailure], total: int, unit: str = "tasks"):
        lines = [f"{unit.rstrip('s')} {f.item.describe()}: {f.error}" for f in failures[:20]]
        more = f"\n... and {len(failures) - 20} more (see run.json)" if len(failures) > 20 else ""
        super().__init__(f"{label}: {len(failures)} of {total} {unit} failed after retries; rerun to retry them:\n" + "\n".join(lines) + more)
        self.failures = failures


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
    fn: Callable[[ItemT, Any], dict[str, Any]],
    items: Sequence[ItemT],
    context: Any,
    *,
    resources: Resources = Resources(),
    max_retries: int = 3,
    label: str = "parts",
    on_done: Callable[[ItemT, dict[str, Any]], None] | None = None,
) -> list[TaskFailure[ItemT]]:
    """Run `fn(item, context)` for every item on Ray. Returns the items that failed after retries."""
    import ray

    if not items:
        return []
    remote = ray.remote(_storage_guarded).options(**resources.ray_options(), max_retries=max_retries, retry_exceptions=True)
    ctx_ref = ray.put((fn, context))
    window = max(4, 4 * int(ray.cluster_resources().get("CPU", 1)))
    pending: dict[Any, ItemT] = {}
    todo = iter(items)
    failures: list[TaskFailure[ItemT]] = []
    progress = _Progress(label, len(items))

    def submit() -> None:
        for item in todo:
            pending[remote.remote(item, ctx_ref)] = item
            if len(pending) >= window:
                return

    submit()
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1, timeout=5.0)
        for ref in done:
            item = pending.pop(ref)
            records = 0
            try:
                result = ray.get(ref)
            except Exception as e:  # retries exhausted: a worker died every time, or the task kept raising
                failures.append(TaskFailure(item, _one_line(e)))
            else:
                if result.get("error"):
                    failures.append(TaskFailure(item, result["error"]))
                else:
                    records = int(result.get("records", 0))
                    if on_done:
                        on_done(item, result)
            progress.advance(records)
        submit()
        progress.refresh()
    progress.close(len(failures))
    return failures


def _storage_guarded(item: Any, fn_ctx: tuple[Callable[[Any, Any], dict[str, Any]], Any]) -> dict[str, Any]:
    """A disk-full or permission error is returned as one line naming the path (retries cannot help,
    and Ray would print a traceback per attempt); any other exception raises and is retried."""
    fn, ctx = fn_ctx
    try:
        return fn(item, ctx)
    except OSError as e:
        message = storage_error(e)
        if message is None:
            raise
        return {"error": message, "retryable": False}


def run_pending(
    fn: Callable[[ItemT, Any], dict[str, Any]],
    items: Sequence[ItemT],
    context: Any,
    *,
    is_done: Callable[[ItemT], bool],
    label: str,
    resources: Resources = Resources(),
    ray_address: str | None = None,
    num_cpus: int | None = None,
    on_done: Callable[[ItemT, dict[str, Any]], None] | None = None,
    unit: str = "tasks",
) -> int:
    """The one resumable map of the engine: skip the items `is_done` says are finished (their ledger
    marker exists), run the rest as Ray tasks, and raise TasksFailed if any failed after its retries.
    Returns how many items ran."""
    todo = [it for it in items if not is_done(it)]
    if todo:
        ensure_ray(ray_address, num_cpus)
        failures = run_tasks(fn, todo, context, resources=resources, label=label, on_done=on_done)
        if failures:
            raise TasksFailed(label, failures, len(items), unit)
    return len(todo)


@dataclass(frozen=True)
class _Marked:
    fn: Callable[[Any, Any], dict[str, Any]]
    ctx: Any
    ledger: str
    fingerprint: str


def _run_marked(item: Any, m: _Marked) -> dict[str, Any]:
    # The marker is written by the task, after its outputs: a driver killed meanwhile loses nothing.
    result = {**m.fn(item, m.ctx), "fingerprint": m.fingerprint}
    Ledger(Path(m.ledger)).mark_done(item.key, result)
    return result


def map_resumable(
    fn: Callable[[KeyedT, Any], dict[str, Any]],
    items: Sequence[KeyedT],
    ctx: Any,
    ledger_dir: Path,
    fingerprint: str,
    *,
    label: str,
    resources: Resources = Resources(),
    ray_address: str | None = None,
    num_cpus: int | None = None,
) -> dict[str, dict[str, Any]]:
    """`run_pending` for tasks that do not write their own marker: each result is recorded under
    `item.key` in `ledger_dir` with `fingerprint`; a marker of another fingerprint is redone.
    Returns every item's result by key (fresh or from its marker)."""
    ledger = Ledger(ledger_dir)
    results: dict[str, dict[str, Any]] = {}

    def is_done(item: KeyedT) -> bool:
        if ledger.is_done(item.key):
            entry = ledger.read(item.key)
            if entry.get("fingerprint") == fingerprint:
                results[item.key] = entry
                return True
        return False

    run_pending(_run_marked, items, _Marked(fn, ctx, str(ledger_dir), fingerprint), is_done=is_done, label=label,
                resources=resources, ray_address=ray_address, num_cpus=num_cpus,
                on_done=lambda it, r: results.__setitem__(it.key, r))
    return results


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

"""The one timing rule of the benchmarks: best time of `repeat` calls (the least disturbed by other work on
the machine), with the last call's result. Wall clock by default; `clock=time.process_time` gives the CPU
seconds of all the process's threads, for per-core rates where a reference library decodes on helper threads
(pyarrow.parquet.read_table does, even with use_threads=False)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def best_of(repeat: int, fn: Callable[[], T], clock: Callable[[], float] = time.perf_counter, min_seconds: float = 0.0) -> tuple[float, T]:
    """At least `repeat` calls, and more until `min_seconds` of wall clock are spent (a call of a few
    milliseconds is at the mercy of page faults and caches: its best of three is noise)."""
    start = time.perf_counter()
    t0 = clock()
    out = fn()
    best = clock() - t0
    calls = 1
    while calls < repeat or time.perf_counter() - start < min_seconds:
        t0 = clock()
        out = fn()
        best = min(best, clock() - t0)
        calls += 1
    return best, out

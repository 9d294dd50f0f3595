"""Token bucket rate limiter.

A small, thread-safe implementation suitable for throttling outbound API
calls. Tokens are refilled lazily whenever ``acquire`` is called, so no
background thread is required.
"""

import threading
import time


class TokenBucket:
    """Allow up to ``capacity`` operations, refilling at ``rate`` per second."""

    def __init__(self, rate: float, capacity: int, clock=time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.rate = float(rate)
        self.capacity = capacity
        self._clock = clock
        self._tokens = float(capacity)
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._last
        self._last = now
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)

    def try_acquire(self, tokens: int = 1) -> bool:
        """Take ``tokens`` if available without blocking."""
        with self._lock:
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return True
            return False

    def acquire(self, tokens: int = 1, timeout: float | None = None) -> bool:
        """Block until ``tokens`` are available or ``timeout`` expires."""
        if tokens > self.capacity:
            raise ValueError("cannot acquire more tokens than the bucket holds")
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= tokens:
                    self._tokens -= tokens
                    return True
                missing = tokens - self._tokens
                wait = missing / self.rate
            if deadline is not None:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    return False
                wait = min(wait, remaining)
            time.sleep(wait)

    @property
    def available(self) -> float:
        with self._lock:
            self._refill()
            return self._tokens


if __name__ == "__main__":
    bucket = TokenBucket(rate=5, capacity=5)
    start = time.monotonic()
    for i in range(12):
        bucket.acquire()
        print(f"request {i:2d} at t={time.monotonic() - start:.2f}s")

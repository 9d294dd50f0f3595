import functools
import logging
import random
import time

log = logging.getLogger(__name__)


class RetryError(Exception):
    """Raised when all retry attempts have been exhausted."""

    def __init__(self, attempts, last_exc):
        super().__init__(f"gave up after {attempts} attempts: {last_exc!r}")
        self.attempts = attempts
        self.last_exc = last_exc


def retry(
    exceptions=(Exception,),
    attempts=3,
    base_delay=0.5,
    max_delay=30.0,
    jitter=True,
    sleep=time.sleep,
):
    """Retry the decorated function with exponential backoff.

    Example::

        @retry((ConnectionError, TimeoutError), attempts=5)
        def fetch(url):
            ...
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            last_exc = None
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions as exc:
                    last_exc = exc
                    if attempt == attempts:
                        break
                    delay = min(max_delay, base_delay * 2 ** (attempt - 1))
                    if jitter:
                        delay = random.uniform(0, delay)
                    log.warning(
                        "%s failed (attempt %d/%d): %s; retrying in %.2fs",
                        func.__qualname__, attempt, attempts, exc, delay,
                    )
                    sleep(delay)
            raise RetryError(attempts, last_exc) from last_exc

        return wrapper

    return decorator


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    calls = {"n": 0}

    @retry(ZeroDivisionError, attempts=4, base_delay=0.1)
    def flaky():
        calls["n"] += 1
        if calls["n"] < 3:
            return 1 / 0
        return "ok"

    print(flaky(), "after", calls["n"], "calls")

"""In-process publish/subscribe event bus with sync and async handlers."""

import asyncio
import inspect
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable, Union

Handler = Callable[[Any], Union[None, Awaitable[None]]]
logger = logging.getLogger(__name__)


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, topic: str, handler: Handler | None = None):
        """Register ``handler`` for ``topic``. Usable as a decorator."""
        def register(fn: Handler) -> Handler:
            self._handlers[topic].append(fn)
            return fn

        return register(handler) if handler is not None else register

    def unsubscribe(self, topic: str, handler: Handler) -> bool:
        try:
            self._handlers[topic].remove(handler)
            return True
        except ValueError:
            return False

    def _matching(self, topic: str) -> list[Handler]:
        handlers = list(self._handlers.get(topic, ()))
        # support simple wildcard subscriptions such as "user.*"
        prefix = topic.rsplit(".", 1)[0] + ".*" if "." in topic else None
        if prefix:
            handlers += self._handlers.get(prefix, ())
        handlers += self._handlers.get("*", ())
        return handlers

    async def publish(self, topic: str, payload: Any = None) -> int:
        """Deliver ``payload`` to every matching handler; returns the count."""
        delivered = 0
        pending = []
        for handler in self._matching(topic):
            try:
                result = handler(payload)
                if inspect.isawaitable(result):
                    pending.append(result)
                delivered += 1
            except Exception:
                logger.exception("handler %r failed for %s", handler, topic)
        for outcome in await asyncio.gather(*pending, return_exceptions=True):
            if isinstance(outcome, Exception):
                logger.error("async handler failed for %s: %s", topic, outcome)
        return delivered


bus = EventBus()


@bus.subscribe("user.created")
def send_welcome(user):
    print(f"welcome email -> {user['email']}")


@bus.subscribe("user.*")
async def audit(user):
    await asyncio.sleep(0.01)
    print(f"audit log: {user}")


if __name__ == "__main__":
    n = asyncio.run(bus.publish("user.created", {"id": 7, "email": "ada@example.org"}))
    print(f"delivered to {n} handlers")

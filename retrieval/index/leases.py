"""Which collection each request reads, so a full re-index drops the old one only when idle."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class CollectionLeases:
    """Which collection each request is reading. Resolving the active collection and counting
    the reader happen under one lock, so a switch can wait for the old collection's readers."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers: Counter[str] = Counter()

    @contextmanager
    def hold(self, resolve: Callable[[], str]) -> Iterator[str]:
        with self._condition:
            name = resolve()
            self._readers[name] += 1
        try:
            yield name
        finally:
            with self._condition:
                self._readers[name] -= 1
                if self._readers[name] <= 0:
                    del self._readers[name]
                    self._condition.notify_all()

    def switch(self, publish: Callable[[], None]) -> None:
        """Publish a new active collection: no reader resolves in between."""
        with self._condition:
            publish()

    def wait_idle(self, name: str, timeout: float) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self._readers[name] <= 0, timeout)

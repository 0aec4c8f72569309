"""Which collection each request reads, so a full re-index drops the old one only when idle: in
this process (a counter under a condition) and in every process (file locks)."""

from __future__ import annotations

import fcntl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


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


class FileLeases:
    """The same guarantee across processes (the bot, and a CLI `ingest --full` beside it): a
    request holds a shared `flock` on its collection's lock file while it reads; a drop takes it
    exclusively first, so it waits for every reader in every process. An open and a lock a
    request: no write, nothing to clean up after a kill (the kernel releases the lock)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, collection: str) -> Path:
        return self.directory / f"{collection}.lock"

    @contextmanager
    def shared(self, collection: str) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self._path(collection), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def exclusive(self, collection: str, timeout: float) -> Iterator[bool]:
        """Held while the collection is dropped; yields whether every reader left within
        `timeout` (if not, the caller decides whether to drop anyway)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(collection)
        with open(path, "a") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    got = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        got = False
                        break
                    time.sleep(0.02)  # a reader's request takes seconds; no event crosses processes
            try:
                yield got
            finally:
                if got:
                    # Readers that open the path from now on lock a new file, and find the
                    # collection gone from the state when they check.
                    path.unlink(missing_ok=True)
                    fcntl.flock(handle, fcntl.LOCK_UN)

"""Which collection readers search, and the lifecycle of the others.

One collection is active. A full re-index or a re-embed builds a new one, switches readers to
it in one step, and drops the old one once the requests reading it are done. The new
collection is on record while it is built and the old one while it is retired, so a job killed
at any point leaves nothing the next job does not drop. One job at a time changes the index: a
lock in this process and an advisory file lock across processes (the bot and a CLI `ingest`).
"""

from __future__ import annotations

import fcntl
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from retrieval.core.errors import ConfigError, IndexBusyError, NewsbotError
from retrieval.core.records import IndexReport
from retrieval.embed.active import ActiveEmbedder
from retrieval.embed.protocol import Embedder
from retrieval.index.catalog import Catalog
from retrieval.index.identity import IndexIdentity
from retrieval.index.leases import CollectionLeases, FileLeases
from retrieval.index.lexical import LexicalIndex
from retrieval.index.state import IndexState
from retrieval.index.store import VectorStore
from retrieval.index.stories import StoryIndex

logger = logging.getLogger(__name__)
# After a switch, requests still reading the old collection get this long to finish before it
# is dropped anyway (a request takes seconds; an LLM answer a minute).
DRAIN_TIMEOUT_S = 300.0
RESOLVE_TRIES = 5


@dataclass(frozen=True)
class IndexView:
    """One request's hold on the index: the collection it searches (not dropped until the
    request is done), the identity of that collection's vectors, the model version in use, and
    the name of the model pinned for the request. Taken once a request and handed down."""

    collection: str
    identity: IndexIdentity | None
    model_version: str
    empty: bool
    model: IndexIdentity  # the pinned model (chunk sizes are not compared)

    def stale_reason(self) -> str | None:
        """Why this collection's vectors cannot be searched with the pinned model's queries
        (another model or backend made them), or None when they can."""
        return stale_reason(self.identity, self.model)


def stale_reason(identity: IndexIdentity | None, model: IndexIdentity) -> str | None:
    """Why vectors of `identity` cannot be searched with `model`'s queries, or None."""
    if identity is None or identity.same_vectors(model):
        return None
    return (
        f"the index was embedded as {identity.describe()} and this process embeds as "
        f"{model.describe()}: re-embed with `newsbot ingest --full SOURCES` (or "
        "/reindex full) or `newsbot model use original` (or /adapt use original), or set "
        "NEWSBOT_EMBEDDING_BACKEND or NEWSBOT_EMBEDDING_MODEL back"
    )


class Collections:
    def __init__(
        self,
        *,
        state: IndexState,
        catalog: Catalog,
        store: VectorStore,
        lexical: LexicalIndex,
        embedder: ActiveEmbedder,
        stories: StoryIndex,
        drain_timeout_s: float = DRAIN_TIMEOUT_S,
    ) -> None:
        self.state = state
        self.stories = stories
        self.catalog = catalog
        self.store = store
        self.lexical = lexical
        self.embedder = embedder
        self.drain_timeout_s = drain_timeout_s
        self.leases = CollectionLeases()
        self.file_leases = FileLeases(catalog.path.parent / "leases")
        self._busy = threading.Lock()
        self._lock_path = catalog.path.with_name(catalog.path.name + ".sync-lock")

    @property
    def active(self) -> str:
        return self.state.active()

    @property
    def running(self) -> bool:
        """Whether a job (sync, full re-index, re-embed) is changing the index now."""
        return self._busy.locked()

    # -- readers ----------------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[IndexView]:
        """The active collection, held for one request; the model that embedded it is pinned
        for the request meanwhile (both resolved under the switch's lock)."""
        found: list[tuple[IndexView, Embedder]] = []

        def resolve() -> str:
            model = self.embedder.latest
            request = self.state.for_request()
            view = IndexView(
                request.collection,
                request.identity,
                request.model_version,
                self.catalog.articles.is_empty(request.collection),
                IndexIdentity.of(model.name, 0, 0),
            )
            found.append((view, model))
            return request.collection

        for _ in range(RESOLVE_TRIES):
            found.clear()
            stack = ExitStack()
            name = stack.enter_context(self.leases.hold(resolve))
            stack.enter_context(self.file_leases.shared(name))
            # Locked after a drop in another process: the collection is gone, resolve again.
            if name in (self.state.active(), self.state.retired()):
                break
            stack.close()
        else:
            raise IndexBusyError("the index kept switching collections; ask again")
        with stack:
            view, model = found[-1]
            with self.embedder.pin(model):
                yield view

    def stale_reason(self) -> str | None:
        """Why the active collection's vectors cannot be searched with the model in use. Read
        from the index's state alone (no collection is read, so no reader's lease is taken):
        inside a job, which no switch can interleave with, it is the job's own collection."""
        active = self.active
        model = IndexIdentity.of(self.embedder.latest.name, 0, 0)
        return stale_reason(self.state.identity(active), model)

    def refuse_if_stale(self) -> None:
        """Vectors of another model or backend are replaced by a full re-index only: it builds a
        new collection (of another dimension, if need be) and switches to it when complete,
        where re-embedding in place would leave readers a mix of the two meanwhile."""
        reason = self.stale_reason()
        if reason:
            raise ConfigError(reason)

    # -- jobs that change the index ---------------------------------------------------------
    @contextmanager
    def job(self, busy_message: str) -> Iterator[None]:
        """This process's lock, then an advisory file lock that another process's job holds
        (released with the file handle, also when the process is killed); then whatever an
        interrupted job left behind is dropped: collections half built or retired, and lexical
        build directories (no other live job can be writing one while this lock is held)."""
        if not self._busy.acquire(blocking=False):
            raise IndexBusyError(busy_message)
        try:
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self._lock_path, "w") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise IndexBusyError(
                        busy_message + " (another newsbot process is indexing)"
                    ) from None
                self.drop_orphans()
                self.lexical.sweep()
                yield
        finally:
            self._busy.release()

    def drop_orphans(self) -> None:
        """A job killed before its switch left a half-built collection, one killed after it the
        collection it replaced: drop them."""
        active = self.active
        for orphan, forget in (
            (self.state.building(), lambda: self.state.set_building(None)),
            (self.state.retired(), lambda: self.state.set_retired(None)),
        ):
            if orphan and orphan != active:
                with self.file_leases.exclusive(orphan, 0.0) as idle:
                    if not idle:  # a request in another process still reads it
                        continue  # kept on record: tried again at the next job
                    logger.info("dropping %s, left by an interrupted full re-index", orphan)
                    if not self.drop(orphan):
                        continue
            if orphan:
                forget()

    def replace(
        self, build: Callable[[str], IndexReport], also: Callable[[], None] = lambda: None
    ) -> IndexReport:
        """Build a new collection, switch readers to it (running `also` in the same step), then
        drop the old one once its readers are done."""
        old = self.active
        new = f"{self.state.base}-{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.state.set_building(new)
        try:
            report = build(new)
        except BaseException:
            logger.warning("building %s failed; dropping it", new)
            if self.drop(new):  # else the next job drops it (the store may be down now)
                self.state.set_building(None)
            raise
        self.state.set_retired(old)

        def publish() -> None:
            self.state.set_active(new)
            also()

        self.leases.switch(publish)
        self.state.set_building(None)
        # Requests that resolved the old collection finish on it, in this process and in
        # others (the bot beside a CLI `ingest --full`); then it goes.
        if not self.leases.wait_idle(old, self.drain_timeout_s):
            logger.warning("readers still on %s after %ss", old, self.drain_timeout_s)
        with self.file_leases.exclusive(old, self.drain_timeout_s) as idle:
            if not idle:
                logger.warning(
                    "another process still reads %s after %ss", old, self.drain_timeout_s
                )
            if self.drop(old):
                self.state.set_retired(None)
        return report

    def drop(self, collection: str) -> bool:
        """Drop a collection everywhere; False (and nothing dropped) if the store is down."""
        try:
            self.store.drop(collection)
        except NewsbotError as exc:
            logger.warning("could not drop collection %s: %s", collection, exc)
            return False
        self.catalog.articles.drop(collection)
        self.stories.drop(collection)
        self.lexical.drop(collection)
        self.state.forget(collection)
        return True

    def swap_model(self, embedder: Embedder) -> None:
        """Only inside `replace`'s `also`: readers get the new model with the new collection."""
        self.embedder.swap(embedder)

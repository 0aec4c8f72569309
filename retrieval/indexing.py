"""Keeping the index in step with the sources: incremental, idempotent, resumable."""

from __future__ import annotations

import fcntl
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from retrieval.catalog import Catalog, StoredArticle, date_to_int
from retrieval.chunking import ChunkingConfig, chunk_article
from retrieval.embeddings import Embedder
from retrieval.errors import ConfigError, IndexBusyError, NewsbotError
from retrieval.leases import CollectionLeases
from retrieval.lexical import LexicalIndex
from retrieval.loaders import HttpFetcher, Skipped, load_sources
from retrieval.models import Article, Chunk, IndexReport, IndexStats
from retrieval.store import VectorStore
from retrieval.switching import ActiveEmbedder

logger = logging.getLogger(__name__)
# progress(stage, done, total): stages are "reading", "embedding", "lexical", "done".
Progress = Callable[[str, int, int], None]
EMBED_BATCH_CHUNKS = 512
# After a full re-index switches collections, requests still reading the old one get this long
# to finish before it is dropped anyway (a request takes seconds; an LLM answer a minute).
DRAIN_TIMEOUT_S = 300.0


def no_progress(stage: str, done: int, total: int) -> None:
    return None


class IndexService:
    def __init__(
        self,
        *,
        embedder: Embedder,
        store: VectorStore,
        catalog: Catalog,
        lexical: LexicalIndex,
        base_collection: str,
        chunking: ChunkingConfig,
        fetcher: HttpFetcher | None = None,
        embed_batch: int = EMBED_BATCH_CHUNKS,
    ) -> None:
        self.embed_batch = embed_batch
        # Swappable: a re-embed with another model switches readers to it with the collection.
        self.embedder = (
            embedder if isinstance(embedder, ActiveEmbedder) else ActiveEmbedder(embedder)
        )
        self.store = store
        self.catalog = catalog
        self.lexical = lexical
        self.base_collection = base_collection
        self.chunking = chunking
        self.fetcher = fetcher or HttpFetcher()
        self._busy = threading.Lock()
        self.leases = CollectionLeases()
        # One sync at a time across processes too (the bot and a CLI `ingest` on one data dir).
        self._lock_path = catalog.path.with_name(catalog.path.name + ".sync-lock")

    # -- which collection readers use ------------------------------------------------------
    @property
    def active_collection(self) -> str:
        key = f"active:{self.base_collection}"
        return self.catalog.get_state(key) or self.base_collection

    @contextmanager
    def reading(self) -> Iterator[str]:
        """The active collection, held for one request: not dropped until released. The model
        that embedded it is pinned for the request meanwhile (both resolved under one lock)."""
        model: list[Embedder] = []

        def resolve() -> str:
            model.append(self.embedder.latest)
            return self.active_collection

        with self.leases.hold(resolve) as name, self.embedder.pin(model[0]):
            yield name

    def stale_vectors(self) -> str | None:
        """Why the stored vectors cannot be searched with this process's embedder (another
        model or backend made them), or None when they can."""
        with self.reading() as collection:
            stored = self.catalog.get_state(f"signature:{collection}")
            model = self.embedder.name  # the model pinned with the collection
        # Only the embedder counts here: a new chunk size re-embeds in place (same vectors).
        if stored is None or stored.rsplit("|", 3)[0] == model:
            return None
        return (
            f"the index was embedded as {stored.split('|')[0]!r}{_backend_of(stored)} and this "
            f"process embeds as {self.embedder.name.split('|')[0]!r}{_backend_of(self.signature)}"
            ": re-embed with `newsbot ingest --full SOURCES` (or /reindex full) or `newsbot model "
            "use original` (or /adapt use original), or set NEWSBOT_EMBEDDING_BACKEND or "
            "NEWSBOT_EMBEDDING_MODEL back"
        )

    def _refuse_if_stale(self) -> None:
        """Vectors of another model or backend are replaced by a full re-index only: it builds
        a new collection (of another dimension, if need be) and switches to it when complete,
        where re-embedding in place would leave readers a mix of the two meanwhile."""
        stale = self.stale_vectors()
        if stale:
            raise ConfigError(stale)

    def is_empty(self) -> bool:
        with self.reading() as collection:
            return not self.catalog.has_articles(collection)

    @property
    def signature(self) -> str:
        """What the stored vectors depend on besides the articles themselves."""
        return self._signature(self.embedder.latest)

    def _signature(self, embedder: Embedder) -> str:
        chunking = self.chunking
        return f"{embedder.name}|{chunking.max_tokens}|{chunking.overlap_tokens}|chunker-1"

    @property
    def running(self) -> bool:
        return self._busy.locked()

    # -- sync -------------------------------------------------------------------------------
    def sync(
        self,
        sources: Sequence[str | Path],
        *,
        full: bool = False,
        prune: bool = False,
        progress: Progress | None = None,
    ) -> IndexReport:
        """Bring the index in line with `sources`.

        Incremental by default: unchanged articles cost nothing, changed ones are re-embedded
        and their old chunks removed. `prune` also deletes the articles of these sources that
        are no longer in them (never those of other sources or of feeds). `full` rebuilds the
        whole archive into a fresh collection (the articles of other sources and feeds from
        their stored text, these sources as read now) and switches readers to it only when it
        is complete, so nobody ever searches a half-built index.
        """
        started = time.monotonic()
        progress = progress or no_progress
        with self._exclusive("a re-index is already running; try again when it has finished"):
            self._drop_orphans()
            report = IndexReport()
            articles = self._read(sources, report, progress)
            roots = source_roots(sources) if prune else None
            if full:
                report = self._rebuild(articles, report, progress, prune_roots=roots)
            else:
                self._refuse_if_stale()
                collection = self.active_collection
                report = self._sync(
                    collection, articles, report, prune_roots=roots, progress=progress
                )
            self.catalog.log_arrivals(report.added_ids)
        report.seconds = time.monotonic() - started
        return report

    def add_articles(
        self,
        articles: Sequence[Article],
        *,
        origin_kind: str = "feed",
        progress: Progress | None = None,
    ) -> IndexReport:
        """Index articles read elsewhere (a feed poll), incrementally: new ones are added,
        changed ones re-embedded, unchanged ones cost nothing, nothing is pruned."""
        started = time.monotonic()
        with self._exclusive("a re-index is running; try again when it has finished"):
            self._drop_orphans()
            report = IndexReport()
            self._refuse_if_stale()
            unique = [replace(a, origin_kind=origin_kind) for a in _unique(articles, report)]
            collection = self.active_collection
            report = self._sync(
                collection, unique, report, prune_roots=None, progress=progress or no_progress
            )
            self.catalog.log_arrivals(report.added_ids)
        report.seconds = time.monotonic() - started
        return report

    def arrivals_after(self, seq: int, limit: int = 500) -> list[tuple[int, str]]:
        """Articles new to the archive since arrival `seq` (for followed topics)."""
        return self.catalog.arrivals_after(seq, limit)

    def last_arrival(self) -> int:
        return self.catalog.last_arrival()

    @contextmanager
    def _exclusive(self, busy_message: str) -> Iterator[None]:
        """This process's lock, then an advisory file lock that another process's sync holds."""
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
                yield  # the lock goes with the file handle, also when the process is killed
        finally:
            self._busy.release()

    def _drop_orphans(self) -> None:
        """A full re-index killed before its switch left a half-built collection, one killed
        after it the collection it replaced: drop them."""
        for kind in ("building", "retired"):
            key = f"{kind}:{self.base_collection}"
            orphan = self.catalog.get_state(key)
            if orphan and orphan != self.active_collection:
                logger.info("dropping %s, left by an interrupted full re-index", orphan)
                if not self._drop(orphan):
                    continue  # kept on record: tried again at the next sync
            if orphan:
                self.catalog.delete_state(key)

    def _rebuild(
        self,
        articles: list[Article],
        report: IndexReport,
        progress: Progress,
        *,
        prune_roots: list[str] | None,
    ) -> IndexReport:
        """The whole archive into a new collection, then readers switch to it and the old one
        goes. The articles read now win; every other article the archive holds (from feeds, a
        page URL, other paths, or sources that no longer hold it) is rebuilt from its stored
        text, except those of the pruned sources."""
        old = self.active_collection
        stored = self.catalog.articles(old)
        for article in articles:
            previous = stored.get(article.id)
            if previous is None:
                report.added += 1
                report.added_ids.append(article.id)
            elif previous.content_hash != article.content_hash:
                report.updated += 1
            else:
                report.unchanged += 1
        read = {a.id for a in articles}
        rest = [i for i in stored if i not in read]
        if prune_roots is not None:
            gone = {i for i in rest if belongs_to(stored[i].origin, prune_roots)}
            rest = [i for i in rest if i not in gone]
            report.deleted = len(gone)
        carried, legacy = self.catalog.stored_articles(old, rest)
        report.kept = len(rest)

        def build(new: str) -> IndexReport:
            if legacy:  # recorded before whole texts were kept: their passages as they are
                self.catalog.copy_collection(old, new, legacy)
                report.chunks += self._embed_stored(new, legacy, self.embedder, progress)
            added = list(report.added_ids)
            built = self._sync(
                new, articles + carried, IndexReport(), prune_roots=None, progress=progress
            )
            report.chunks += built.chunks
            report.collection = new
            report.added_ids = added
            return report

        return self._replace_collection(build)

    def reembed(
        self,
        embedder: Embedder,
        *,
        publish: Callable[[], None] = lambda: None,
        progress: Progress | None = None,
    ) -> IndexReport:
        """Every stored passage embedded again with `embedder` (another model) into a new
        collection, from the catalog's own text (no source is read again). Readers switch to
        the new collection and to `embedder` at once when it is complete; `publish` runs in
        that same step (to record which model is in use)."""
        progress = progress or no_progress
        started = time.monotonic()
        with self._exclusive("a re-index is already running; try again when it has finished"):
            self._drop_orphans()
            old = self.active_collection

            def build(new: str) -> IndexReport:
                report = IndexReport(collection=new)
                self.catalog.copy_collection(old, new)
                ids = sorted(self.catalog.articles(new))
                report.chunks = self._embed_stored(new, ids, embedder, progress)
                report.unchanged = len(ids)
                progress("lexical", 0, 1)
                self.lexical.build(new, self.catalog.chunk_rows(new))
                progress("lexical", 1, 1)
                self.catalog.set_state(f"signature:{new}", self._signature(embedder))
                return report

            def switch() -> None:
                self.embedder.swap(embedder)
                publish()

            report = self._replace_collection(build, also=switch)
        progress("done", 1, 1)
        report.seconds = time.monotonic() - started
        return report

    def _embed_stored(
        self, collection: str, ids: list[str], embedder: Embedder, progress: Progress
    ) -> int:
        """Embed the catalog's passages of these articles (already recorded under
        `collection`) into the store; the number of passages."""
        progress("embedding", 0, len(ids))
        chunks = 0
        for start in range(0, len(ids), 50):
            rows = self.catalog.chunk_records(collection, ids[start : start + 50])
            vectors = embedder.embed_documents([r.embed_text for r in rows])
            self.store.upsert(
                collection,
                [r.chunk_id for r in rows],
                vectors,
                [r.text for r in rows],
                [r.metadata() for r in rows],
            )
            chunks += len(rows)
            progress("embedding", min(start + 50, len(ids)), len(ids))
        return chunks

    def _replace_collection(
        self, build: Callable[[str], IndexReport], also: Callable[[], None] = lambda: None
    ) -> IndexReport:
        """Build a new collection, switch readers to it (and run `also` in the same step),
        then drop the old one once its readers are done. The new collection is on record while
        it is built, the old one while it is retired, so a run killed at any point leaves
        nothing the next sync does not drop."""
        old = self.active_collection
        new = f"{self.base_collection}-{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        building = f"building:{self.base_collection}"
        self.catalog.set_state(building, new)
        try:
            report = build(new)
        except BaseException:
            logger.warning("building %s failed; dropping it", new)
            if self._drop(new):  # else the next sync drops it (the store may be down now)
                self.catalog.delete_state(building)
            raise
        retired = f"retired:{self.base_collection}"
        self.catalog.set_state(retired, old)

        def publish() -> None:
            self.catalog.set_state(f"active:{self.base_collection}", new)
            also()

        self.leases.switch(publish)
        self.catalog.delete_state(building)
        # Requests that resolved the old collection finish on it; then it goes.
        if not self.leases.wait_idle(old, DRAIN_TIMEOUT_S):
            logger.warning("readers still on %s after %ss", old, DRAIN_TIMEOUT_S)
        if self._drop(old):
            self.catalog.delete_state(retired)
        return report

    def _sync(
        self,
        collection: str,
        articles: list[Article],
        report: IndexReport,
        *,
        prune_roots: list[str] | None,
        progress: Progress,
    ) -> IndexReport:
        """Bring one collection in line with `articles` (incrementally); with `prune_roots`,
        also delete the stored articles read from those sources that `articles` lacks."""
        report.collection = collection
        stored = self.catalog.articles(collection)
        signature = self.signature
        # Another model or chunk size makes every stored vector stale, whatever the articles say.
        stale = self.catalog.get_state(f"signature:{collection}", signature) != signature
        todo: list[Article] = []
        for article in articles:
            previous = stored.get(article.id)
            unchanged = previous is not None and previous.content_hash == article.content_hash
            if unchanged and not stale:
                report.unchanged += 1
            else:
                todo.append(article)
                if previous is None:
                    report.added += 1
                    report.added_ids.append(article.id)
                else:
                    report.updated += 1
        seen = {a.id for a in articles}
        gone = (
            [i for i, a in stored.items() if i not in seen and belongs_to(a.origin, prune_roots)]
            if prune_roots is not None
            else []
        )
        dirty_key = f"lexical-dirty:{collection}"
        if todo or gone:
            self.catalog.set_state(dirty_key, "1")
        report.chunks = self._embed_and_store(collection, todo, progress)
        # Only now: a run killed before this point finds the old signature and redoes it all.
        self.catalog.set_state(f"signature:{collection}", signature)
        if gone:
            self.store.delete_articles(collection, gone)
            self.catalog.forget(collection, gone)
            report.deleted = len(gone)
        if (
            self.catalog.get_state(dirty_key) == "1"
            or not (self.lexical.directory / collection).exists()
        ):
            progress("lexical", 0, 1)
            self.lexical.build(collection, self.catalog.chunk_rows(collection))
            self.catalog.set_state(dirty_key, "0")
            progress("lexical", 1, 1)
        self.catalog.set_state(
            f"last-sync:{self.base_collection}", datetime.now(UTC).isoformat(timespec="seconds")
        )
        progress("done", 1, 1)
        logger.info("sync into %s: %s", collection, report.summary())
        return report

    def _read(
        self, sources: Sequence[str | Path], report: IndexReport, progress: Progress
    ) -> list[Article]:
        """Every article once: later copies of an id, URL or body are reported, not indexed.
        Each is marked with how it came (a page or feed URL, or a file)."""
        read: list[Article] = []
        for source in sources:
            kind = "url" if str(source).startswith(("http://", "https://")) else "file"
            for item in load_sources([source], fetcher=self.fetcher):
                if isinstance(item, Skipped):
                    report.skipped.append((item.origin, item.reason))
                    continue
                read.append(replace(item, origin_kind=kind))
                if len(read) % 200 == 0:
                    progress("reading", len(read), 0)
        articles = _unique(read, report)
        progress("reading", len(articles), len(articles))
        return articles

    def _embed_and_store(self, collection: str, todo: list[Article], progress: Progress) -> int:
        total_articles = len(todo)
        done_chunks = 0
        progress("embedding", 0, total_articles)
        batch: list[tuple[Article, list[Chunk]]] = []
        batch_chunks = 0
        for position, article in enumerate(todo, start=1):
            chunks = chunk_article(article, self.embedder, self.chunking)
            batch.append((article, chunks))
            batch_chunks += len(chunks)
            if batch_chunks >= self.embed_batch or position == total_articles:
                self._write_batch(collection, batch)
                done_chunks += batch_chunks
                batch, batch_chunks = [], 0
                progress("embedding", position, total_articles)
        return done_chunks

    def _write_batch(self, collection: str, batch: list[tuple[Article, list[Chunk]]]) -> None:
        chunks = [c for _, cs in batch for c in cs]
        vectors = self.embedder.embed_documents([c.embed_text for c in chunks])
        by_id = {a.id: a for a, _ in batch}
        # Old chunks first: a changed article may now have fewer chunks than before.
        self.store.delete_articles(collection, list(by_id))
        if chunks:
            self.store.upsert(
                collection,
                [c.id for c in chunks],
                vectors,
                [c.text for c in chunks],
                [_metadata(by_id[c.article_id], c) for c in chunks],
            )
        # Recorded only once the vectors are in: a run killed here re-does this batch.
        self.catalog.record(collection, batch)

    # -- other admin operations -------------------------------------------------------------
    def delete(self, key: str) -> StoredArticle | None:
        """Remove one article by id or URL; None when the index has no such article."""
        collection = self.active_collection
        stored = self.catalog.articles(collection)
        found = stored.get(key) or next((a for a in stored.values() if a.url == key), None)
        if found is None:
            return None
        with self._exclusive("a re-index is running; delete again when it has finished"):
            self.store.delete_articles(collection, [found.id])
            self.catalog.forget(collection, [found.id])
            self.lexical.build(collection, self.catalog.chunk_rows(collection))
        return found

    def stats(self) -> IndexStats:
        collection = self.active_collection
        articles, chunks, first, last = self.catalog.counts(collection)
        return IndexStats(
            articles=articles,
            chunks=chunks,
            first_published=first,
            last_published=last,
            model=self.embedder.name,
            store=getattr(self.store, "description", "?"),
            collection=collection,
            last_sync=self.catalog.get_state(f"last-sync:{self.base_collection}"),
        )

    def latest(self, limit: int = 10) -> list[StoredArticle]:
        return self.catalog.latest(self.active_collection, limit)

    def _drop(self, collection: str) -> bool:
        """Drop a collection everywhere; False (and nothing dropped) if the store is down."""
        try:
            self.store.drop(collection)
        except NewsbotError as exc:
            logger.warning("could not drop collection %s: %s", collection, exc)
            return False
        self.catalog.drop(collection)
        self.lexical.drop(collection)
        for key in (f"signature:{collection}", f"lexical-dirty:{collection}"):
            self.catalog.delete_state(key)
        return True


def source_roots(sources: Sequence[str | Path]) -> list[str]:
    """The sources as articles record their origin: URLs as given, paths resolved."""
    roots = []
    for source in sources:
        text = str(source)
        if text.startswith(("http://", "https://")):
            roots.append(text)
        else:
            roots.append(str(Path(text).expanduser().resolve()))
    return roots


def belongs_to(origin: str, roots: Sequence[str]) -> bool:
    """Whether an article read from `origin` came from one of these sources: the file or URL
    itself, a record or entry of it (`file.jsonl:3`, `feed#2`), or a file under a directory."""
    for root in roots:
        if origin == root or origin.startswith(root + "#"):
            return True
        is_url = root.startswith(("http://", "https://"))
        if not is_url and origin.startswith((root.rstrip("/") + "/", root + ":")):
            return True
    return False


def _backend_of(signature: str) -> str:
    """ " (onnx-int8)" from a signature whose embedder name carries a backend, else ""."""
    parts = signature.split("|")
    return f" ({parts[1]})" if len(parts) > 4 else ""


def _unique(articles: Sequence[Article], report: IndexReport) -> list[Article]:
    """The first of each id, URL and body; later copies are reported as skipped."""
    unique: list[Article] = []
    by_id: dict[str, str] = {}
    by_url: dict[str, str] = {}
    by_text: dict[str, str] = {}
    for item in articles:
        duplicate_of = (
            by_id.get(item.id)
            or (by_url.get(item.url) if item.url else None)
            or by_text.get(item.text_hash)
        )
        if duplicate_of:
            report.skipped.append((item.origin, f"duplicate of {duplicate_of}"))
            continue
        by_id[item.id] = by_text[item.text_hash] = item.origin
        if item.url:
            by_url[item.url] = item.origin
        unique.append(item)
    return unique


def _metadata(article: Article, chunk: Chunk) -> dict[str, str | int]:
    return {
        "article_id": article.id,
        "chunk": chunk.number,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": date_to_int(article.published),
    }

"""Keeping the index in step with the sources: incremental, idempotent, resumable; a full
re-index rebuilds the whole archive, whatever source each article came from. What the sources
hold is read by retrieval/ingest/reading.py; this compares it with the catalog, in the job."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from retrieval import metrics
from retrieval.core.errors import IndexBusyError
from retrieval.core.records import Article, IndexReport, IndexStats, Progress, no_progress
from retrieval.core.version import newsbot_version
from retrieval.index.catalog.arrivals import ArrivalLog
from retrieval.index.catalog.articles import ArticleStore, RecordKey, StoredArticle
from retrieval.index.collections import Collections
from retrieval.index.state import IndexState
from retrieval.index.writing import CollectionWriter
from retrieval.ingest.dedupe import same_story, unique_articles
from retrieval.ingest.reading import Sources, as_read_now

logger = logging.getLogger(__name__)
BUSY = "a re-index is already running; try again when it has finished"


class SyncService:
    def __init__(
        self,
        *,
        collections: Collections,
        writer: CollectionWriter,
        articles: ArticleStore,
        arrivals: ArrivalLog,
        state: IndexState,
    ) -> None:
        self.collections = collections
        self.writer = writer
        self.articles = articles
        self.arrivals = arrivals
        self.state = state

    def sync(
        self,
        sources: Sources,
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
        progress = progress or no_progress

        def work(report: IndexReport) -> IndexReport:
            pruned = sources if prune else None
            if full:
                nothing: dict[str, StoredArticle] = {}
                read = sources.read(report, progress, nothing)
                articles = [a for a in read if isinstance(a, Article)]
                return self._rebuild(articles, report, progress, pruned=pruned)
            self.collections.refuse_if_stale()
            collection = self.collections.active
            # Compared as they are read: an unchanged article is counted and let go, so a sync
            # of an unchanged archive holds no article's text (only what the catalog records).
            # A record read before, under the same reading rules, is not even parsed.
            stored = self.articles.in_collection(collection)
            # Another chunking makes every stored passage stale: all are written again.
            stale = self.state.identity(collection) not in (None, self.writer.identity())
            by_key = {} if stale else {a.record_key: a for a in stored.values() if a.record_key}
            seen: set[str] = set()
            todo: list[Article] = []
            keys: list[RecordKey] = []  # unchanged, with a new key or place
            for article in sources.read(report, progress, by_key):
                seen.add(article.id)
                if isinstance(article, StoredArticle):
                    report.unchanged += 1
                    continue
                previous = stored.get(article.id)
                if (
                    not stale
                    and previous is not None
                    and previous.content_hash == article.content_hash
                ):
                    report.unchanged += 1
                    if (article.record_key, article.origin) != (
                        previous.record_key,
                        previous.origin,
                    ):
                        keys.append(RecordKey(article.id, article.record_key, article.origin))
                else:
                    todo.append(article)
            gone = self._vanished(collection, seen, pruned, stored)
            del stored, by_key
            self.articles.set_record_keys(collection, keys)
            return self.writer.sync(collection, todo, report, delete=gone, progress=progress)

        return self._job(BUSY, work, "full re-index" if full else "sync")

    def add_articles(
        self,
        articles: Sequence[Article],
        *,
        origin_kind: str = "feed",
        progress: Progress | None = None,
    ) -> IndexReport:
        """Index articles read elsewhere (a feed poll), incrementally: new ones are added,
        changed ones re-embedded, unchanged ones cost nothing, nothing is pruned."""

        def work(report: IndexReport) -> IndexReport:
            self.collections.refuse_if_stale()
            unique = [
                replace(a, origin_kind=origin_kind) for a in unique_articles(articles, report)
            ]
            collection = self.collections.active
            return self.writer.sync(collection, unique, report, progress=progress or no_progress)

        return self._job("a re-index is running; try again when it has finished", work, "sync")

    def delete(self, key: str) -> StoredArticle | None:
        """Remove one article by id or URL; None when the index has no such article."""
        stored = self.articles.in_collection(self.collections.active)
        found = stored.get(key) or next((a for a in stored.values() if a.url == key), None)
        if found is None:
            return None

        def work(report: IndexReport) -> IndexReport:
            collection = self.collections.active
            self.writer.delete(collection, [found.id])
            report.deleted = 1
            return report

        self._job("a re-index is running; delete again when it has finished", work, "delete")
        return found

    def catch_up_words(self) -> bool:
        """Write the words the active collection lacks: all of them for an index an older
        newsbot wrote (before Tantivy), or the articles a killed sync left pending. Cheap when
        nothing is missing; run when the engine opens. False when another job holds the lock
        (its own sync catches up)."""
        collection = self.collections.active
        with self.collections.reading() as view:
            if view.empty:
                return True
        lexical = self.writer.lexical
        if lexical.exists(collection) and not self.articles.lexical_pending(collection):
            return True
        logger.info("writing the missing words of %s into the lexical index", collection)

        def work(report: IndexReport) -> IndexReport:
            self.writer.catch_up_lexical(self.collections.active, no_progress)
            return report

        try:
            self._job("another job is indexing", work, "lexical")
        except IndexBusyError:
            return False
        return True

    def catch_up_stories(self) -> bool:
        """Group the articles of the active collection that no story holds yet: all of them
        for an index an older newsbot wrote, or grouped with another threshold. Cheap when
        nothing is missing; run when the engine opens. False when another job holds the lock
        (its own sync catches up)."""
        collection = self.collections.active
        stories = self.writer.stories
        recorded = self.state.story_grouping(collection)
        if recorded == stories.config.identity() and stories.in_step(collection):
            return True

        def work(report: IndexReport) -> IndexReport:
            self.writer.catch_up_stories(self.collections.active)
            return report

        try:
            self._job("another job is indexing", work, "stories")
        except IndexBusyError:
            return False
        return True

    def _job(self, busy: str, work: Callable[[IndexReport], IndexReport], kind: str) -> IndexReport:
        """The one wrapper every job that changes the index runs in: one at a time (across
        processes too), orphans of an interrupted job dropped, timed, arrivals logged."""
        started = time.monotonic()
        try:
            with self.collections.job(busy):
                report = work(IndexReport())
                self.arrivals.log(report.added_ids)
        except Exception as exc:
            metrics.count_error(type(exc).__name__)
            raise
        report.seconds = time.monotonic() - started
        metrics.observe_job(kind, report.seconds)
        return report

    def _vanished(
        self,
        collection: str,
        seen: set[str],
        pruned: Sources | None,
        stored: dict[str, StoredArticle] | None = None,
    ) -> list[str]:
        """Stored articles read from the `pruned` sources that they no longer hold (`seen`:
        the ids read now)."""
        if pruned is None:
            return []
        stored = stored if stored is not None else self.articles.in_collection(collection)
        return [i for i, a in stored.items() if i not in seen and pruned.holds(a.origin)]

    def _rebuild(
        self,
        articles: list[Article],
        report: IndexReport,
        progress: Progress,
        *,
        pruned: Sources | None,
    ) -> IndexReport:
        """The whole archive into a new collection, then readers switch to it and the old one
        goes. The articles read now win; every other article the archive holds (from feeds, a
        page URL, other paths, or sources that no longer hold it) is rebuilt from its stored
        text, except those of the pruned sources."""
        old = self.collections.active
        stored = self.articles.in_collection(old)
        find = same_story(stored)
        replaced: set[str] = set()  # stored ids an article read now takes the place of
        for article in articles:
            previous = find(article)
            if previous is None:
                report.added += 1
                report.added_ids.append(article.id)
                continue
            replaced.add(previous.id)
            if previous.content_hash != article.content_hash:
                report.updated += 1
            else:
                report.unchanged += 1
        gone = set(self._vanished(old, {a.id for a in articles}, pruned, stored)) - replaced
        rest = [i for i in stored if i not in replaced and i not in gone]
        report.deleted = len(gone)
        carried, legacy = self.articles.whole(old, rest)
        carried = [as_read_now(article) for article in carried]
        report.kept = len(rest)

        def build(new: str) -> IndexReport:
            if legacy:  # recorded before whole texts were kept: their passages as they are
                self.articles.copy(old, new, legacy)
                report.chunks += self.writer.embed_stored(
                    new, legacy, self.collections.embedder.latest, progress
                )
            built = self.writer.sync(new, articles + carried, IndexReport(), progress=progress)
            report.chunks += built.chunks
            report.collection = new
            return report

        return self.collections.replace(build)

    # -- what the index holds ---------------------------------------------------------------
    def stats(self) -> IndexStats:
        collection = self.collections.active
        counts = self.articles.counts(collection)
        grouped, stories = self.writer.stories.counts(collection)
        return IndexStats(
            articles=counts.articles,
            # An article no story holds yet (an index still being grouped) is one of its own.
            stories=counts.articles - (grouped - stories),
            chunks=counts.passages,
            first_published=counts.first_published,
            last_published=counts.last_published,
            model=self.collections.embedder.name,
            store=getattr(self.collections.store, "description", "?"),
            collection=collection,
            last_sync=self.state.last_sync(),
            version=newsbot_version(),
        )

    def latest(self, limit: int = 10) -> list[StoredArticle]:
        return self.articles.latest(self.collections.active, limit)

"""The archive's feed subscriptions: polled on a schedule, conditionally, indexed incrementally.

A poll sends the validators of the last one (ETag / Last-Modified), reads only entries that are
new or edited since (each entry's fingerprint is kept), completes teasers from their pages, and
hands the articles to `SyncService.add_articles`. A failing feed waits twice as long after each
failure (up to `backoff_max_s`); a feed is never polled twice at once, and no feed is polled
while a re-index runs (the poll is put off, not failed).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from retrieval import metrics
from retrieval.core.errors import IndexBusyError, NewsbotError, SourceError
from retrieval.core.settings import FeedSettings
from retrieval.core.sqlite import migrate, statements, transaction
from retrieval.index.collections import Collections
from retrieval.index.sync import SyncService
from retrieval.ingest.loaders.common import LoadError, without_boilerplate
from retrieval.ingest.loaders.fetch import HttpFetcher, check_destination
from retrieval.ingest.loaders.rss import entry_article, read_feed

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, interval_s INTEGER NOT NULL,
    added_by INTEGER NOT NULL DEFAULT 0, added_at REAL NOT NULL,
    etag TEXT NOT NULL DEFAULT '', last_modified TEXT NOT NULL DEFAULT '',
    next_due REAL NOT NULL DEFAULT 0, last_poll REAL NOT NULL DEFAULT 0,
    last_ok REAL NOT NULL DEFAULT 0, last_new INTEGER NOT NULL DEFAULT 0,
    total_new INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_id INTEGER NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, seen REAL NOT NULL,
    PRIMARY KEY (feed_id, key)
);
"""
# Forward-only; append a step to change a table (retrieval/core/sqlite.py).
MIGRATIONS = [statements(SCHEMA)]
DURATION = re.compile(r"^(\d+)\s*([smhd]?)$", re.IGNORECASE)
UNITS = {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> int:
    """`30m`, `2h`, `1d`, `90s`, or a bare number of minutes, as seconds."""
    match = DURATION.match(text.strip())
    if not match:
        raise SourceError(f"{text!r} is not an interval: write e.g. 30m, 2h or 1d")
    return int(match.group(1)) * UNITS[match.group(2).lower()]


def describe_interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    interval_s: int
    etag: str
    last_modified: str
    next_due: float
    last_poll: float
    last_ok: float
    last_new: int
    total_new: int
    failures: int
    last_error: str


class PollStatus(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"  # 304, or nothing new
    FAILED = "failed"
    POSTPONED = "postponed"  # a re-index was running: the next tick polls it
    BUSY = "busy"  # another poll of it was running


@dataclass
class PollResult:
    feed: Feed
    status: PollStatus
    added_ids: list[str] = field(default_factory=list)
    updated: int = 0
    skipped: int = 0
    error: str = ""
    failures: int = 0  # consecutive, after this poll


class FeedRegistry:
    """The feeds and the entries seen of each, in `feeds.sqlite` under the data dir."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        migrate(path, MIGRATIONS, what="feeds")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.path) as db:
            yield db

    def add(self, url: str, interval_s: int, added_by: int = 0) -> Feed:
        with self._db() as db:
            db.execute(
                "INSERT INTO feeds (url, interval_s, added_by, added_at) VALUES (?, ?, ?, ?)",
                (url, interval_s, added_by, time.time()),
            )
        feed = self.by_url(url)
        assert feed is not None
        return feed

    def by_url(self, url: str) -> Feed | None:
        return next((f for f in self.all() if f.url == url), None)

    def get(self, feed_id: int) -> Feed | None:
        return next((f for f in self.all() if f.id == feed_id), None)

    def all(self) -> list[Feed]:
        with self._db() as db:
            rows = db.execute(
                "SELECT id, url, interval_s, etag, last_modified, next_due, last_poll, last_ok,"
                " last_new, total_new, failures, last_error FROM feeds ORDER BY id"
            ).fetchall()
        return [Feed(*row) for row in rows]

    def remove(self, feed_id: int) -> Feed | None:
        feed = self.get(feed_id)
        if feed is not None:
            with self._db() as db:
                db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
                db.execute("DELETE FROM feed_entries WHERE feed_id = ?", (feed_id,))
        return feed

    def fingerprints(self, feed_id: int) -> dict[str, str]:
        with self._db() as db:
            rows = db.execute(
                "SELECT key, fingerprint FROM feed_entries WHERE feed_id = ?", (feed_id,)
            ).fetchall()
        return dict(rows)

    def succeeded(
        self,
        feed: Feed,
        *,
        etag: str,
        last_modified: str,
        entries: dict[str, str],
        new: int,
    ) -> None:
        now = time.time()
        with self._db() as db:
            db.executemany(
                "INSERT OR REPLACE INTO feed_entries VALUES (?, ?, ?, ?)",
                [(feed.id, key, fp, now) for key, fp in entries.items()],
            )
            db.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, next_due = ?, last_poll = ?,"
                " last_ok = ?, last_new = ?, total_new = total_new + ?, failures = 0,"
                " last_error = '' WHERE id = ?",
                (etag, last_modified, now + feed.interval_s, now, now, new, new, feed.id),
            )

    def failed(self, feed: Feed, error: str, backoff_max_s: int) -> int:
        """Record a failure; the next poll waits interval x 2^failures. Returns failures."""
        now = time.time()
        failures = feed.failures + 1
        wait = min(feed.interval_s * 2**failures, max(backoff_max_s, feed.interval_s))
        with self._db() as db:
            db.execute(
                "UPDATE feeds SET next_due = ?, last_poll = ?, failures = ?, last_error = ?"
                " WHERE id = ?",
                (now + wait, now, failures, error[:500], feed.id),
            )
        return failures


class FeedService:
    """What front ends call: list, add, remove, poll."""

    def __init__(
        self,
        *,
        registry: FeedRegistry,
        sync: SyncService,
        collections: Collections,
        settings: FeedSettings,
        allow_private: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._registry = registry
        self._sync = sync
        self._collections = collections
        self._settings = settings
        self._allow_private = allow_private
        self._clock = clock
        self._fetcher = HttpFetcher(
            timeout_s=settings.timeout_s, max_bytes=settings.max_bytes, allow_private=allow_private
        )
        self._polling: set[int] = set()  # feeds being polled now, in this process
        self._lock = threading.Lock()

    def all(self) -> list[Feed]:
        return self._registry.all()

    def add(self, url: str, interval_s: int | None = None, *, added_by: int = 0) -> Feed:
        """Subscribe to a feed; it is first polled at the next scheduler tick."""
        url = url.strip()
        if not re.match(r"https?://\S+$", url, re.IGNORECASE):
            raise SourceError(f"{url!r} is not an http(s) URL")
        check_destination(url, allow_private=self._allow_private)
        interval = interval_s or self._settings.default_interval_s
        if interval < self._settings.min_interval_s:
            raise SourceError(
                f"polling more often than every {describe_interval(self._settings.min_interval_s)}"
                " is not allowed"
            )
        if self._registry.by_url(url):
            raise SourceError(f"{url} is already on the list")
        return self._registry.add(url, interval, added_by)

    def remove(self, feed_id: int) -> Feed | None:
        return self._registry.remove(feed_id)

    def due(self) -> list[Feed]:
        now = self._clock()
        return [f for f in self._registry.all() if f.next_due <= now]

    def poll_due(self) -> list[PollResult]:
        return [self.poll(feed) for feed in self.due()]

    def poll_all(self) -> list[PollResult]:
        return [self.poll(feed) for feed in self._registry.all()]

    def poll(self, feed: Feed) -> PollResult:
        """Poll one feed now (whether due or not)."""
        with self._lock:
            busy = feed.id in self._polling
            self._polling.add(feed.id)
        if busy:
            metrics.count_feed_poll("busy")
            return PollResult(feed, PollStatus.BUSY)
        try:
            result = (
                PollResult(feed, PollStatus.POSTPONED)
                if self._collections.running
                else self._poll(feed)
            )
        finally:
            with self._lock:
                self._polling.discard(feed.id)
        metrics.count_feed_poll(result.status)
        return result

    def _poll(self, feed: Feed) -> PollResult:
        try:
            page = self._fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
            if page.status == 304:
                self._registry.succeeded(
                    feed, etag=feed.etag, last_modified=feed.last_modified, entries={}, new=0
                )
                return PollResult(feed, PollStatus.UNCHANGED)
            parsed = read_feed(page.content)
        except (SourceError, LoadError) as exc:
            return self._failure(feed, str(exc))
        seen = self._registry.fingerprints(feed.id)
        fresh = [e for e in parsed.entries[: self._settings.max_entries] if e.key]
        todo = [e for e in fresh if seen.get(e.key) != e.fingerprint]
        articles, skipped = [], 0
        for number, entry in enumerate(todo, start=1):
            try:
                where = f"{feed.url}#{number}"
                article = entry_article(entry, parsed, where, fetcher=self._fetcher)
                articles.append(without_boilerplate(article))  # as `load_sources` does
            except LoadError as exc:
                skipped += 1
                logger.info("feed %s entry %s skipped: %s", feed.url, entry.key, exc)
        try:
            report = self._sync.add_articles(articles) if articles else None
        except IndexBusyError:
            return PollResult(
                feed, PollStatus.POSTPONED
            )  # nothing recorded: the next tick redoes it
        except NewsbotError as exc:
            return self._failure(feed, str(exc))
        added = report.added_ids if report else []
        self._registry.succeeded(
            feed,
            etag=page.etag,
            last_modified=page.last_modified,
            entries={e.key: e.fingerprint for e in todo},
            new=len(added),
        )
        logger.info("feed %s: %d new, %d entries read", feed.url, len(added), len(todo))
        return PollResult(
            feed,
            PollStatus.NEW if added else PollStatus.UNCHANGED,
            added_ids=added,
            updated=report.updated if report else 0,
            skipped=skipped + (len(report.skipped) if report else 0),
        )

    def _failure(self, feed: Feed, error: str) -> PollResult:
        failures = self._registry.failed(feed, error, self._settings.backoff_max_s)
        logger.warning("feed %s failed (%d in a row): %s", feed.url, failures, error)
        return PollResult(feed, PollStatus.FAILED, error=error, failures=failures)

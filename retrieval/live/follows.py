"""Followed topics: readers' topics and what has been pushed to them (`follows.sqlite`, which
survives restarts), and the service that matches each arrival against every topic once.

Readers are identified by the front end's user and chat ids; a reader who blocked the bot is
dropped whole. The front end only sends what `FollowService.next_deliveries` hands it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from retrieval.answer.log import PUSH_PREFIX, AnswerLog
from retrieval.core.analysis import key_terms
from retrieval.core.errors import QuestionError
from retrieval.core.records import Answer, Citation
from retrieval.core.settings import FollowSettings
from retrieval.core.sqlite import migrate, statements, transaction
from retrieval.index.catalog.arrivals import ArrivalLog
from retrieval.live.topics import TopicMatch, TopicMatcher

SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, chat_id INTEGER NOT NULL,
    words TEXT NOT NULL, created REAL NOT NULL, UNIQUE (user_id, words)
);
CREATE TABLE IF NOT EXISTS pushed (
    user_id INTEGER NOT NULL, article_id TEXT NOT NULL, topic_id INTEGER NOT NULL,
    at REAL NOT NULL, digest INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (user_id, article_id)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Forward-only; append a step to change a table (retrieval/core/sqlite.py).
MIGRATIONS = [statements(SCHEMA)]
HOUR_S = 3600.0
MAX_TOPIC_CHARS = 100


@dataclass(frozen=True)
class Topic:
    id: int
    user_id: int
    chat_id: int
    words: str
    created: float


class FollowStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        migrate(path, MIGRATIONS, what="followed topics")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock, transaction(self.path) as db:
            yield db

    # -- topics -----------------------------------------------------------------------------
    def follow(self, user_id: int, chat_id: int, words: str) -> Topic | None:
        """The new topic; None if the reader already follows these words."""
        with self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO topics (user_id, chat_id, words, created)"
                " VALUES (?, ?, ?, ?)",
                (user_id, chat_id, words, time.time()),
            )
            if not cursor.rowcount:
                return None
            row = db.execute(
                "SELECT id, user_id, chat_id, words, created FROM topics WHERE id = ?",
                (cursor.lastrowid,),
            ).fetchone()
        return Topic(*row)

    def topics(self, user_id: int | None = None) -> list[Topic]:
        """One reader's topics (all readers' with None), oldest first."""
        query = "SELECT id, user_id, chat_id, words, created FROM topics"
        args: tuple[int, ...] = ()
        if user_id is not None:
            query += " WHERE user_id = ?"
            args = (user_id,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY id", args).fetchall()
        return [Topic(*row) for row in rows]

    def unfollow(self, user_id: int, topic_id: int) -> Topic | None:
        topic = next((t for t in self.topics(user_id) if t.id == topic_id), None)
        if topic is not None:
            with self._db() as db:
                db.execute("DELETE FROM topics WHERE id = ?", (topic_id,))
        return topic

    def drop_user(self, user_id: int) -> int:
        """Forget a reader's topics and what was pushed to them (they blocked the bot, or asked
        to be forgotten). Returns how many topics."""
        with self._db() as db:
            db.execute("DELETE FROM pushed WHERE user_id = ?", (user_id,))
            return db.execute("DELETE FROM topics WHERE user_id = ?", (user_id,)).rowcount

    # -- pushes -----------------------------------------------------------------------------
    def claim(self, user_id: int, article_id: str, topic_id: int, *, digest: bool) -> bool:
        """Record a push before it is sent; False if this article already went to this user."""
        with self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO pushed VALUES (?, ?, ?, ?, ?)",
                (user_id, article_id, topic_id, time.time(), int(digest)),
            )
        return bool(cursor.rowcount)

    def pushed_since(self, user_id: int, seconds: float = HOUR_S) -> int:
        """Separate pushes (not digest lines) this reader got in the last `seconds`."""
        with self._db() as db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM pushed WHERE user_id = ? AND digest = 0 AND at > ?",
                (user_id, time.time() - seconds),
            ).fetchone()
        return int(count)

    # -- where matching got to --------------------------------------------------------------
    def cursor(self) -> int | None:
        with self._db() as db:
            row = db.execute("SELECT value FROM state WHERE key = 'arrivals'").fetchone()
        return int(row[0]) if row else None

    def set_cursor(self, seq: int) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO state VALUES ('arrivals', ?)", (str(seq),))


@dataclass(frozen=True)
class Push:
    """One matching article for one reader, claimed (never sent to them again) and logged like
    an answer so its 👍/👎 land with the other feedback."""

    topic: Topic
    match: TopicMatch
    answer_id: int


@dataclass(frozen=True)
class Delivery:
    """What one reader gets from one batch of arrivals: separate pushes up to the hourly limit,
    the rest as one digest."""

    user_id: int
    chat_id: int
    pushes: list[Push]
    digest: list[tuple[Topic, TopicMatch]]


class FollowService:
    """Followed topics: readers follow a few words; every article that arrives afterwards (a
    feed poll, a re-index, an ingest) is matched against every topic, and each match goes to its
    reader once. Front ends send what `next_deliveries` returns."""

    def __init__(
        self,
        *,
        store: FollowStore,
        arrivals: ArrivalLog,
        matcher: TopicMatcher,
        log: AnswerLog,
        settings: FollowSettings,
    ) -> None:
        self._store = store
        self._arrivals = arrivals
        self._matcher = matcher
        self._log = log
        self._settings = settings

    def follow(self, user_id: int, chat_id: int, words: str) -> Topic:
        """The new topic; a `QuestionError` says why words cannot be followed."""
        words = " ".join(words.split())
        limit = MAX_TOPIC_CHARS
        if not words or not key_terms(words) or len(words) > limit:
            raise QuestionError(
                f"tell me what to follow in a few words (at most {limit} characters), "
                "e.g. /follow Ukraine grain deal"
            )
        most = self._settings.max_topics
        if len(self._store.topics(user_id)) >= most:
            raise QuestionError(f"you already follow {most} topics: unfollow one first")
        topic = self._store.follow(user_id, chat_id, words)
        if topic is None:
            raise QuestionError(f"you already follow “{words}”")
        return topic

    def topics(self, user_id: int) -> list[Topic]:
        return self._store.topics(user_id)

    def unfollow(self, user_id: int, topic_id: int) -> Topic | None:
        return self._store.unfollow(user_id, topic_id)

    def reader_gone(self, user_id: int) -> int:
        """A reader blocked the bot or asked to be forgotten: forget their topics and pushes.
        Returns how many topics."""
        return self._store.drop_user(user_id)

    def start_from_now(self) -> None:
        """On the first start, matching begins with what arrives next: the archive's history
        is pushed to nobody."""
        if self._store.cursor() is None:
            self._store.set_cursor(self._arrivals.last())

    def next_deliveries(self, batch: int = 500) -> list[Delivery] | None:
        """Match the next batch of arrivals since the last call against every topic, claim
        what goes to whom, advance the cursor; None when nothing new has arrived. An article
        published before a topic was followed is not news to its follower."""
        cursor = self._store.cursor() or 0
        arrivals = self._arrivals.after(cursor, batch)
        if not arrivals:
            return None
        article_ids = [a.article_id for a in arrivals]
        per_user: dict[int, dict[str, tuple[Topic, TopicMatch]]] = defaultdict(dict)
        for topic in self._store.topics():
            since = datetime.fromtimestamp(topic.created).date()
            for match in self._matcher.match(topic.words, article_ids):
                published = match.passage.published
                if published is not None and published < since:
                    continue
                best = per_user[topic.user_id].get(match.article_id)
                if best is None or match.score > best[1].score:
                    per_user[topic.user_id][match.article_id] = (topic, match)
        deliveries = [
            self._deliver(user_id, list(found.values())) for user_id, found in per_user.items()
        ]
        self._store.set_cursor(arrivals[-1].seq)
        return [d for d in deliveries if d.pushes or d.digest]

    def _deliver(self, user_id: int, items: list[tuple[Topic, TopicMatch]]) -> Delivery:
        items.sort(key=lambda item: item[1].score, reverse=True)
        room = self._settings.pushes_per_hour - self._store.pushed_since(user_id)
        pushes: list[Push] = []
        digest: list[tuple[Topic, TopicMatch]] = []
        for topic, match in items:
            separate = room > 0
            if not self._store.claim(user_id, match.article_id, topic.id, digest=not separate):
                continue  # already went to this reader
            if separate:
                pushes.append(Push(topic, match, self._log_push(topic, match)))
                room -= 1
            else:
                digest.append((topic, match))
        chat_id = items[0][0].chat_id if items else 0
        return Delivery(user_id, chat_id, pushes, digest)

    def _log_push(self, topic: Topic, match: TopicMatch) -> int:
        passage = match.passage
        citation = Citation(
            1,
            passage.article_id,
            passage.title,
            passage.source,
            passage.published,
            passage.url,
            passage.text,
            match.score,
            passage.language,
        )
        answer = Answer(f"New on {topic.words}: {passage.title} [1]", [citation])
        return self._log.record(topic.chat_id, topic.user_id, PUSH_PREFIX + topic.words, answer)

"""Readers' followed topics and what has been pushed to them, in `follows.sqlite`.

Kept by the bot (the readers are Telegram users); the matching itself is the engine's
(`services.topics`). Survives restarts; a reader who blocked the bot is dropped whole.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from retrieval.sqlite import migrate, statements, transaction

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
# Forward-only; append a step to change a table (retrieval/sqlite.py).
MIGRATIONS = [statements(SCHEMA)]
HOUR_S = 3600.0


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
        """Forget a reader's topics (they blocked the bot). Returns how many."""
        with self._db() as db:
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

"""The bot's own state: conversations, per-user limits, and answers with their feedback."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.models import Answer, Citation
from retrieval.sqlite import migrate, statements, transaction

Key = tuple[int, int]  # (chat id, forum thread id or 0)

PUSH_PREFIX = "/follow "  # how a push to a topic's followers is logged


@dataclass
class Conversations:
    """Recent (question, answer) turns per chat and thread, bounded in turns and in time."""

    max_turns: int = 4
    ttl_s: float = 1800.0
    clock: Callable[[], float] = time.monotonic
    _turns: dict[Key, list[tuple[float, str, str]]] = field(default_factory=dict)

    def history(self, key: Key) -> list[tuple[str, str]]:
        now = self.clock()
        turns = [t for t in self._turns.get(key, []) if now - t[0] <= self.ttl_s]
        self._turns[key] = turns
        return [(q, a) for _, q, a in turns]

    def add(self, key: Key, question: str, answer: str) -> None:
        if self.max_turns == 0:
            return
        turns = [*self._turns.get(key, []), (self.clock(), question, answer)]
        self._turns[key] = turns[-self.max_turns :]

    def reset(self, key: Key) -> None:
        self._turns.pop(key, None)


@dataclass
class UserLimiter:
    """A token bucket per user (a burst of `per_minute`) and one question in flight each."""

    per_minute: int = 6
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[int, tuple[float, float]] = field(default_factory=dict)
    _in_flight: set[int] = field(default_factory=set)

    def try_acquire(self, user_id: int) -> str | None:
        """None when the user may ask now; otherwise the reason, for a friendly reply."""
        if user_id in self._in_flight:
            return "busy"
        now = self.clock()
        tokens, last = self._buckets.get(user_id, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
        if tokens < 1.0:
            self._buckets[user_id] = (tokens, now)
            return "rate"
        self._buckets[user_id] = (tokens - 1.0, now)
        self._in_flight.add(user_id)
        return None

    def release(self, user_id: int) -> None:
        self._in_flight.discard(user_id)


SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
    question TEXT NOT NULL, answer TEXT NOT NULL, refused INTEGER NOT NULL,
    citations TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id INTEGER NOT NULL, user_id INTEGER NOT NULL, vote INTEGER NOT NULL,
    question TEXT NOT NULL, answer TEXT NOT NULL, article_ids TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);
"""
# Forward-only; append a step to change a table (retrieval/sqlite.py).
MIGRATIONS = [statements(SCHEMA)]


class AnswerLog:
    """Answers given (so Sources and feedback buttons can refer to them) and the votes on them,
    in a small SQLite file under the data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        migrate(path, MIGRATIONS, what="answers and feedback")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock, transaction(self.path) as db:
            yield db

    def record(self, chat_id: int, user_id: int, question: str, answer: Answer) -> int:
        citations = json.dumps([c.to_dict() for c in answer.citations], ensure_ascii=False)
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO answers (chat_id, user_id, question, answer, refused, citations,"
                " created) VALUES (?,?,?,?,?,?,?)",
                (
                    chat_id,
                    user_id,
                    question,
                    answer.text,
                    int(answer.refused),
                    citations,
                    time.time(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def citations(self, answer_id: int) -> list[Citation] | None:
        with self._db() as db:
            row = db.execute("SELECT citations FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        from datetime import date

        return [
            Citation(
                n=c["n"],
                article_id=c["article_id"],
                title=c["title"],
                source=c["source"],
                published=date.fromisoformat(c["published"]) if c["published"] else None,
                url=c["url"],
                quote=c["quote"],
                score=c.get("score", 0.0),
            )
            for c in json.loads(row[0])
        ]

    def vote(self, answer_id: int, user_id: int, up: bool) -> bool:
        """Record (or change) a user's vote; False when the answer is unknown."""
        with self._db() as db:
            row = db.execute(
                "SELECT question, answer, citations FROM answers WHERE id = ?", (answer_id,)
            ).fetchone()
            if row is None:
                return False
            article_ids = json.dumps([c["article_id"] for c in json.loads(row[2])])
            db.execute(
                "INSERT OR REPLACE INTO feedback VALUES (?,?,?,?,?,?,?)",
                (answer_id, user_id, 1 if up else -1, row[0], row[1], article_ids, time.time()),
            )
        return True

    def counts(self) -> tuple[int, int, int]:
        """(questions answered, thumbs up, thumbs down); pushes to followers are not questions."""
        with self._db() as db:
            (answered,) = db.execute(
                "SELECT COUNT(*) FROM answers WHERE question NOT LIKE ?", (PUSH_PREFIX + "%",)
            ).fetchone()
            up, down = db.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback"
            ).fetchone()
        return int(answered), int(up), int(down)

    def pushes(self) -> int:
        """Items pushed to followers of a topic (logged so that their buttons work)."""
        with self._db() as db:
            (pushed,) = db.execute(
                "SELECT COUNT(*) FROM answers WHERE question LIKE ?", (PUSH_PREFIX + "%",)
            ).fetchone()
        return int(pushed)

    def feedback_rows(self) -> list[tuple[int, int, int, str, str, list[str]]]:
        with self._db() as db:
            rows = db.execute(
                "SELECT answer_id, user_id, vote, question, answer, article_ids FROM feedback"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

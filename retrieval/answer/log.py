"""Answers given (so Sources and feedback buttons can refer to them) and readers' votes on
them, in bot.sqlite under the data dir."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from retrieval.core.records import Answer, Citation
from retrieval.core.sqlite import migrate, statements, transaction

PUSH_PREFIX = "/follow "  # how a push to a topic's followers is logged


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


# Forward-only; append a step to change a table (retrieval/core/sqlite.py).
MIGRATIONS = [statements(SCHEMA)]


@dataclass(frozen=True)
class Asked:
    """A reader's question as the log keeps it, with no reader id: what a newsroom may see."""

    at: str  # ISO 8601, UTC
    question: str
    outcome: str  # "answered", or "refused" (no passage answers it, or only partly)
    up: int  # 👍 on its answer
    down: int  # 👎


@dataclass(frozen=True)
class Vote:
    answer_id: int
    user_id: int
    up: bool
    question: str
    answer: str
    at: str  # ISO 8601, UTC
    citations: list[dict[str, object]]


class AnswerLog:
    """Answers given (so Sources and feedback buttons can refer to them) and the votes on them,
    in a small SQLite file under the data directory."""

    def __init__(self, path: Path) -> None:
        self._path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        migrate(path, MIGRATIONS, what="answers and feedback")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock, transaction(self._path) as db:
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
                language=c.get("language", "en"),
                also_reported_by=tuple(c.get("also_reported_by", ())),
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

    def counts(self, since: float = 0.0) -> tuple[int, int, int]:
        """(questions answered, thumbs up, thumbs down) since a time (epoch seconds; 0: ever);
        pushes to followers are not questions."""
        with self._db() as db:
            (answered,) = db.execute(
                "SELECT COUNT(*) FROM answers WHERE question NOT LIKE ? AND created >= ?",
                (PUSH_PREFIX + "%", since),
            ).fetchone()
            up, down = db.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback"
                " WHERE created >= ?",
                (since,),
            ).fetchone()
        return int(answered), int(up), int(down)

    def votes(self, since: float = 0.0) -> list[Vote]:
        """Every 👍/👎 since a time (epoch seconds), oldest first, with the question, the answer
        and the citations it was given on."""
        with self._db() as db:
            rows = db.execute(
                "SELECT f.answer_id, f.user_id, f.vote, f.question, f.answer, f.created,"
                " COALESCE(a.citations, '[]') FROM feedback f LEFT JOIN answers a"
                " ON a.id = f.answer_id WHERE f.created >= ? ORDER BY f.created",
                (since,),
            ).fetchall()
        return [
            Vote(
                answer_id=r[0],
                user_id=r[1],
                up=r[2] > 0,
                question=r[3],
                answer=r[4],
                at=datetime.fromtimestamp(r[5], UTC).isoformat(timespec="seconds"),
                citations=json.loads(r[6]),
            )
            for r in rows
        ]

    def asked(
        self, since: float = 0.0, *, refused: bool = False, disliked: bool = False
    ) -> list[Asked]:
        """Readers' questions since a time (epoch seconds), oldest first, with their outcome and
        votes; only refused ones, or only ones with a 👎, when asked. Pushes are not questions."""
        with self._db() as db:
            rows = db.execute(
                "SELECT a.created, a.question, a.refused,"
                " COALESCE(SUM(f.vote = 1), 0), COALESCE(SUM(f.vote = -1), 0)"
                " FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id"
                " WHERE a.created >= ? AND a.question NOT LIKE ?"
                " GROUP BY a.id ORDER BY a.created",
                (since, PUSH_PREFIX + "%"),
            ).fetchall()
        found = [
            Asked(
                at=datetime.fromtimestamp(r[0], UTC).isoformat(timespec="seconds"),
                question=r[1],
                outcome="refused" if r[2] else "answered",
                up=int(r[3]),
                down=int(r[4]),
            )
            for r in rows
        ]
        return [
            a
            for a in found
            if (not refused or a.outcome == "refused") and (not disliked or a.down > 0)
        ]

    def daily(self, days: int, *, now: float | None = None) -> list[tuple[str, int, int]]:
        """(day YYYY-MM-DD UTC, answered, refused) for each of the last `days` days, oldest
        first, days without questions included. Pushes are not questions."""
        end = now if now is not None else time.time()
        first = datetime.fromtimestamp(end - (days - 1) * 86400, UTC).date()
        with self._db() as db:
            rows = db.execute(
                "SELECT date(created, 'unixepoch'), SUM(refused = 0), SUM(refused = 1)"
                " FROM answers WHERE created >= ? AND question NOT LIKE ? GROUP BY 1",
                (
                    datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp(),
                    PUSH_PREFIX + "%",
                ),
            ).fetchall()
        counts = {day: (int(a), int(r)) for day, a, r in rows}
        result = []
        for n in range(days):
            day = (first + timedelta(days=n)).isoformat()
            answered, refused = counts.get(day, (0, 0))
            result.append((day, answered, refused))
        return result

    def held_for(self, user_id: int) -> tuple[int, int]:
        """(questions, votes) kept of one reader: what /forget would delete."""
        with self._db() as db:
            (questions,) = db.execute(
                "SELECT COUNT(*) FROM answers WHERE user_id = ? AND question NOT LIKE ?",
                (user_id, PUSH_PREFIX + "%"),
            ).fetchone()
            (votes,) = db.execute(
                "SELECT COUNT(*) FROM feedback WHERE user_id = ?", (user_id,)
            ).fetchone()
        return int(questions), int(votes)

    def forget_user(self, user_id: int) -> tuple[int, int]:
        """Delete one reader's questions (with what was answered and pushed to them), their
        votes, and others' votes on their answers (those repeat their question). Returns
        (questions, votes) of theirs deleted."""
        held = self.held_for(user_id)
        with self._db() as db:
            db.execute(
                "DELETE FROM feedback WHERE user_id = ? OR answer_id IN"
                " (SELECT id FROM answers WHERE user_id = ?)",
                (user_id, user_id),
            )
            db.execute("DELETE FROM answers WHERE user_id = ?", (user_id,))
        return held

    def forget_older(self, days: float, *, now: float | None = None) -> int:
        """Delete questions, answers and votes older than `days` (the retention). Returns the
        rows deleted."""
        cutoff = (now if now is not None else time.time()) - days * 86400
        with self._db() as db:
            votes = db.execute("DELETE FROM feedback WHERE created < ?", (cutoff,)).rowcount
            # A vote younger than its answer keeps no text of it once the answer is gone:
            # it repeats the question, so it goes with it.
            votes += db.execute(
                "DELETE FROM feedback WHERE answer_id IN"
                " (SELECT id FROM answers WHERE created < ?)",
                (cutoff,),
            ).rowcount
            answers = db.execute("DELETE FROM answers WHERE created < ?", (cutoff,)).rowcount
        return int(votes + answers)

    def pushes(self) -> int:
        """Items pushed to followers of a topic (logged so that their buttons work)."""
        with self._db() as db:
            (pushed,) = db.execute(
                "SELECT COUNT(*) FROM answers WHERE question LIKE ?", (PUSH_PREFIX + "%",)
            ).fetchone()
        return int(pushed)

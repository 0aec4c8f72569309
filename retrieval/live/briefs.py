"""The daily briefing: the day's (or the week's) biggest stories, ranked by how many outlets
carry them and how recent they are, one cited sentence each; and the readers who get it every
morning at their own hour in their own timezone (`briefs.sqlite`, which survives restarts).

A story is the group of wire copies and rewrites of one report the index keeps (the story id
of each article); an article with no other copy is a story of one. The front end schedules the
morning sends and calls `BriefService.claim` before each, so a reader gets one a day at most.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from retrieval.answer.extractive import quotable
from retrieval.core.analysis import key_terms
from retrieval.core.errors import QuestionError
from retrieval.core.records import Article, Citation
from retrieval.core.sentences import split_sentences
from retrieval.core.sqlite import migrate, statements, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS briefs (
    user_id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, at TEXT NOT NULL DEFAULT '',
    tz TEXT NOT NULL DEFAULT 'UTC', language TEXT NOT NULL DEFAULT 'en',
    topic TEXT NOT NULL DEFAULT '', last_sent TEXT NOT NULL DEFAULT '', changed REAL NOT NULL
);
"""
# Forward-only; append a step to change a table (retrieval/core/sqlite.py).
MIGRATIONS = [statements(SCHEMA)]
CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
STORIES = 5  # a briefing's length
MAX_TOPIC_CHARS = 100


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True)
class BriefStory:
    """One line of a briefing: the cited sentence of the story's first report, and every
    outlet that carries the story."""

    citation: Citation
    outlets: list[str]
    copies: int


@dataclass(frozen=True)
class Briefing:
    period: Period
    start: date
    end: date
    topic: str
    stories: list[BriefStory]


@dataclass(frozen=True)
class Subscription:
    user_id: int
    chat_id: int
    at: day_time | None  # None: no morning briefing (the timezone is kept)
    tz: str
    language: str
    topic: str
    last_sent: str  # the reader's own date of the last briefing sent, ISO


def parse_clock(text: str) -> day_time:
    """08:00, 8:30, 7.45, 07h15 as a time of day."""
    match = CLOCK.match(text.strip())
    if not match:
        raise QuestionError(f"{text!r} is not a time of day: write it as 08:00")
    return day_time(int(match.group(1)), int(match.group(2)))


def check_timezone(name: str) -> str:
    """An IANA timezone name (Asia/Baku, Europe/London, UTC), as the tz database spells it."""
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise QuestionError(
            f"{name!r} is not a timezone I know: write it as Asia/Baku or Europe/London"
        ) from None
    return name.strip()


class BriefStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        migrate(path, MIGRATIONS, what="briefings")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock, transaction(self.path) as db:
            yield db

    def get(self, user_id: int) -> Subscription | None:
        with self._db() as db:
            row = db.execute(
                "SELECT user_id, chat_id, at, tz, language, topic, last_sent FROM briefs"
                " WHERE user_id = ?",
                (user_id,),
            ).fetchone()
        return _subscription(row) if row else None

    def subscribed(self) -> list[Subscription]:
        """Every reader with a morning briefing."""
        with self._db() as db:
            rows = db.execute(
                "SELECT user_id, chat_id, at, tz, language, topic, last_sent FROM briefs"
                " WHERE at != '' ORDER BY user_id"
            ).fetchall()
        return [_subscription(row) for row in rows]

    def save(self, user_id: int, chat_id: int, **values: str) -> Subscription:
        """Create the reader's row or change the given columns (at, tz, language, topic)."""
        with self._db() as db:
            db.execute(
                "INSERT OR IGNORE INTO briefs (user_id, chat_id, changed) VALUES (?, ?, ?)",
                (user_id, chat_id, time.time()),
            )
            columns = ", ".join(f"{name} = ?" for name in values)
            db.execute(
                f"UPDATE briefs SET chat_id = ?, changed = ?{', ' if values else ''}{columns}"
                " WHERE user_id = ?",
                (chat_id, time.time(), *values.values(), user_id),
            )
        found = self.get(user_id)
        assert found is not None
        return found

    def update(self, user_id: int, **values: str) -> Subscription | None:
        """Change the given columns of the reader's row; None when they have none."""
        columns = ", ".join(f"{name} = ?" for name in values)
        with self._db() as db:
            db.execute(
                f"UPDATE briefs SET changed = ?, {columns} WHERE user_id = ?",
                (time.time(), *values.values(), user_id),
            )
        return self.get(user_id)

    def claim(self, user_id: int, day: str) -> bool:
        """Mark today's briefing as sent before it is sent; False if it already went today."""
        with self._db() as db:
            cursor = db.execute(
                "UPDATE briefs SET last_sent = ? WHERE user_id = ? AND at != '' AND last_sent < ?",
                (day, user_id, day),
            )
        return bool(cursor.rowcount)

    def drop_user(self, user_id: int) -> int:
        """Forget the reader's briefing (they blocked the bot, or asked to be forgotten)."""
        with self._db() as db:
            return db.execute("DELETE FROM briefs WHERE user_id = ?", (user_id,)).rowcount


def _subscription(row: Sequence[object]) -> Subscription:
    user_id, chat_id, at, tz, language, topic, last_sent = row
    return Subscription(
        user_id=int(str(user_id)),
        chat_id=int(str(chat_id)),
        at=day_time.fromisoformat(str(at)) if at else None,
        tz=str(tz),
        language=str(language),
        topic=str(topic),
        last_sent=str(last_sent),
    )


def own_stories(article_ids: Sequence[str]) -> dict[str, str]:
    """Each article a story of its own (an index that groups no copies)."""
    return {a: a for a in article_ids}


class BriefService:
    """Briefings from the archive (`published_between` reads the articles of a window,
    `stories` says each one's story), and the readers' morning subscriptions."""

    def __init__(
        self,
        store: BriefStore,
        published_between: Callable[[date, date], list[Article]],
        stories: Callable[[Sequence[str]], dict[str, str]] = own_stories,
        today: Callable[[], date] = date.today,
    ) -> None:
        self._store = store
        self._published_between = published_between
        self._stories = stories
        self._today = today

    # -- the briefing ---------------------------------------------------------------------
    def briefing(
        self, period: Period = Period.DAY, topic: str = "", *, today: date | None = None
    ) -> Briefing:
        """The period's biggest stories (on `topic`, when given): those most outlets carry
        first, then the most recent; one cited sentence each. A day is today and yesterday (a
        morning briefing would otherwise be nearly empty), a week the last seven days."""
        end = today or self._today()
        start = end - timedelta(days=1 if period is Period.DAY else 6)
        articles = self._published_between(start, end)
        wanted = key_terms(topic)
        if wanted:  # every word of the topic, in the headline or the text
            articles = [a for a in articles if wanted <= key_terms(f"{a.title} {a.text}")]
        story_of = self._stories([a.id for a in articles])
        by_story: dict[str, list[Article]] = defaultdict(list)
        for article in articles:
            by_story[story_of.get(article.id, article.id)].append(article)
        ranked = sorted(by_story.values(), key=_rank)
        stories: list[BriefStory] = []
        for members in ranked:
            line = _line(members, len(stories) + 1)
            if line is not None:
                stories.append(line)
            if len(stories) == STORIES:
                break
        return Briefing(period, start, end, topic, stories)

    # -- the readers ------------------------------------------------------------------------
    def subscription(self, user_id: int) -> Subscription | None:
        return self._store.get(user_id)

    def subscribed(self) -> list[Subscription]:
        return self._store.subscribed()

    def subscribe(
        self, user_id: int, chat_id: int, at: str, language: str, topic: str = ""
    ) -> Subscription:
        """The morning briefing at `at` (HH:MM) in the reader's timezone (UTC until set)."""
        clock = parse_clock(at)
        if len(topic) > MAX_TOPIC_CHARS:
            raise QuestionError(f"a topic is {MAX_TOPIC_CHARS} characters at most")
        return self._store.save(
            user_id, chat_id, at=clock.strftime("%H:%M"), language=language, topic=topic.strip()
        )

    def unsubscribe(self, user_id: int) -> Subscription | None:
        """No more morning briefings (the row, with its timezone, stays until /forget)."""
        return self._store.update(user_id, at="")

    def set_timezone(self, user_id: int, chat_id: int, name: str) -> Subscription:
        return self._store.save(user_id, chat_id, tz=check_timezone(name))

    def claim(self, subscription: Subscription, now: datetime | None = None) -> date | None:
        """The reader's own today, when their briefing is not yet sent today (in their
        timezone), and claims it; None when it was. Called by the scheduled job before it
        sends. Their today is the archive's (`today`) moved by the day their timezone is ahead
        of or behind UTC now (Tokyo's 08:00 is the day before in UTC)."""
        utc = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo("UTC"))
        local = utc.astimezone(ZoneInfo(subscription.tz))
        if not self._store.claim(subscription.user_id, local.date().isoformat()):
            return None
        return self._today() + (local.date() - utc.date())

    def reader_gone(self, user_id: int) -> int:
        return self._store.drop_user(user_id)


def _rank(members: list[Article]) -> tuple[int, float]:
    outlets = {a.source.casefold() for a in members}
    newest = max((a.published for a in members if a.published), default=date.min)
    return (-len(outlets), -newest.toordinal())


def _line(members: list[Article], n: int) -> BriefStory | None:
    """The story's first report (the earliest, then the first indexed) and its first sentence
    fit to quote; None when it has none."""
    first = min(members, key=lambda a: (a.published or date.max, a.id))
    sentence = next(
        (s for s in (quotable(w) for w in split_sentences(first.text)) if s is not None), None
    )
    if sentence is None:
        return None
    outlets: list[str] = []
    for article in sorted(members, key=lambda a: (a.published or date.max, a.id)):
        if article.source and article.source.casefold() not in map(str.casefold, outlets):
            outlets.append(article.source)
    citation = Citation(
        n=n,
        article_id=first.id,
        title=first.title,
        source=first.source,
        published=first.published,
        url=first.url,
        quote=sentence,
        language=first.language,
        also_reported_by=tuple(o for o in outlets if o.casefold() != first.source.casefold()),
    )
    return BriefStory(citation, outlets, len(members))

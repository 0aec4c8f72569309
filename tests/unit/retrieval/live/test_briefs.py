"""The briefing's ranking (outlets first, then recency), its topic filter and cited sentence, and
the morning subscriptions: a time and a timezone checked, one briefing a day at most in the
reader's own day, kept across restarts, dropped with the reader."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path

import pytest

from retrieval.core.errors import QuestionError
from retrieval.core.records import Article
from retrieval.live.briefs import BriefService, BriefStore, Period

TODAY = date(2025, 6, 20)


def article(id: str, source: str, published: date, text: str) -> Article:
    return Article(
        id=id,
        title=f"Headline {id}",
        text=text,
        published=published,
        source=source,
        url=f"https://example.org/{id}",
    )


BRIDGE = "The new bridge over the Kura river opened to traffic on Friday, the ministry said."
PORT = "The port of Alat handled a record two million tonnes of cargo in May, officials said."
FAIR = "The city's book fair drew forty thousand visitors over the weekend, organisers said."
OLD = "The council approved a new budget for the coming year after a long debate on Monday."
ARCHIVE = [
    article("b1", "Trend", date(2025, 6, 19), BRIDGE),
    article("b2", "APA", date(2025, 6, 20), BRIDGE + " Drivers welcomed it."),
    article("b3", "Report", date(2025, 6, 20), BRIDGE),
    article("p1", "Trend", date(2025, 6, 20), PORT),
    article("p2", "AzerNews", date(2025, 6, 20), PORT),
    article("f1", "Trend", date(2025, 6, 20), FAIR),
    article("o1", "Trend", date(2025, 6, 10), OLD),
    article("n1", "Trend", date(2025, 6, 20), "Photos."),  # nothing fit to quote
]
STORIES = {"b1": "bridge", "b2": "bridge", "b3": "bridge", "p1": "port", "p2": "port"}


def window(start: date, end: date) -> list[Article]:
    return [a for a in ARCHIVE if a.published and start <= a.published <= end]


def stories(article_ids: Sequence[str]) -> dict[str, str]:
    return {a: STORIES.get(a, a) for a in article_ids}


def briefs(folder: Path) -> BriefService:
    return BriefService(BriefStore(folder / "briefs.sqlite"), window, stories, lambda: TODAY)


@pytest.fixture
def service(tmp_path: Path) -> BriefService:
    return briefs(tmp_path)


def test_stories_most_outlets_carry_come_first_each_cited_once(service: BriefService) -> None:
    briefing = service.briefing()
    assert (briefing.start, briefing.end) == (date(2025, 6, 19), TODAY)
    assert [s.citation.article_id for s in briefing.stories] == ["b1", "p1", "f1"]
    bridge = briefing.stories[0]
    assert bridge.outlets == ["Trend", "APA", "Report"] and bridge.copies == 3
    assert bridge.citation.quote == BRIDGE and bridge.citation.n == 1  # the first report's
    assert [s.citation.n for s in briefing.stories] == [1, 2, 3]


def test_a_week_reaches_back_seven_days_and_a_topic_narrows_it(service: BriefService) -> None:
    week = service.briefing(Period.WEEK)
    assert week.start == date(2025, 6, 14)
    assert "o1" not in {s.citation.article_id for s in week.stories}
    assert [s.citation.article_id for s in service.briefing(Period.WEEK, "bridge").stories] == [
        "b1"
    ]
    month_ago = service.briefing(Period.WEEK, "council budget", today=date(2025, 6, 12))
    assert [s.citation.article_id for s in month_ago.stories] == ["o1"]
    assert [s.citation.article_id for s in service.briefing(topic="port cargo").stories] == ["p1"]


def test_a_morning_briefing_needs_a_time_and_a_timezone_the_database_knows(
    service: BriefService,
) -> None:
    for wrong in ("25:00", "8", "noon"):
        with pytest.raises(QuestionError, match="not a time of day"):
            service.subscribe(1, 10, wrong, "en")
    with pytest.raises(QuestionError, match="not a timezone"):
        service.set_timezone(1, 10, "Mars/Olympus")
    subscription = service.subscribe(1, 10, "7.30", "ru", "bridge")
    assert subscription.at == day_time(7, 30) and subscription.tz == "UTC"
    assert service.set_timezone(1, 10, "Asia/Baku").at == day_time(7, 30)
    assert [s.user_id for s in service.subscribed()] == [1]
    off = service.unsubscribe(1)
    assert off is not None and off.at is None and off.tz == "Asia/Baku"  # the row stays
    assert service.subscribed() == []
    assert service.unsubscribe(2) is None  # /brief off from a stranger keeps nothing


def test_one_briefing_a_day_in_the_reader_s_own_day(tmp_path: Path) -> None:
    service = briefs(tmp_path)
    service.subscribe(1, 10, "08:00", "en")
    service.set_timezone(1, 10, "Asia/Baku")  # UTC+4
    subscription = service.subscription(1)
    assert subscription is not None
    evening = datetime(2025, 6, 20, 19, 0, tzinfo=UTC)  # 23:00 on the 20th in Baku
    assert service.claim(subscription, evening) == TODAY
    assert service.claim(subscription, evening) is None
    late = datetime(2025, 6, 20, 20, 30, tzinfo=UTC)  # 00:30 on the 21st in Baku
    assert service.claim(subscription, late) == date(2025, 6, 21)  # the reader's today
    # Kept across a restart (a new store on the same file), and dropped with the reader.
    again = briefs(tmp_path)
    assert again.subscription(1) == service.subscription(1)
    assert again.claim(subscription, late) is None
    assert again.reader_gone(1) == 1 and again.subscription(1) is None
    assert again.claim(subscription, datetime(2025, 6, 22, tzinfo=UTC)) is None

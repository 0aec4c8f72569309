"""Feed subscriptions against a loopback feed server that changes between polls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from retrieval.core.errors import SourceError
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.live.subscriptions import parse_interval
from tests.conftest import SAMPLE_TODAY, make_settings
from tests.fakes.feed_server import FeedItem, FeedServer, Route
from tests.unit.retrieval.ingest.test_boilerplate import HARBOR_STORY, removed_texts, text_of
from tests.unit.retrieval.ingest.test_boilerplate import fixture as story_fixture

LONG = (
    "The harbour authority in Port Elsin approved a new breakwater on Monday after a decade of "
    "storms that flooded the old quay. Engineers said the wall would be 740 metres long. "
)


def item(n: int, title: str = "", summary: str = "") -> FeedItem:
    return FeedItem(
        link=f"http://example.org/story-{n}",
        title=title or f"Story number {n} about the harbour",
        summary=summary or f"{LONG} Story {n} adds that the mayor spoke to reporters. " * 3,
    )


@pytest.fixture
def server() -> Iterator[FeedServer]:
    fake = FeedServer()
    fake.start()
    yield fake
    fake.stop()


def feeds_engine(data_dir: Path, **feeds: object) -> Engine:
    settings = make_settings(data_dir, fetch_allow_private=True)
    group = settings.feeds.model_copy(update={"timeout_s": 1.0, "max_bytes": 200_000, **feeds})
    return build_engine(
        settings.model_copy(update={"feeds": group}),
        embedder=HashEmbedder(),
        today=lambda: SAMPLE_TODAY,
    )


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return feeds_engine(tmp_path / "data")


def test_new_entries_are_indexed_once_and_unchanged_feeds_cost_a_304(
    server: FeedServer, engine: Engine
) -> None:
    url = server.feed("/news.rss", "Harbour Daily", [item(1), item(2)])
    feed = engine.services.feeds.add(url, 1800)
    first = engine.services.feeds.poll(feed)
    assert first.status == "new" and len(first.added_ids) == 2
    assert engine.services.index.stats().articles == 2
    again = engine.services.feeds.poll(engine.services.feeds.all()[0])
    assert again.status == "unchanged" and again.added_ids == []
    assert server.not_modified["/news.rss"] == 1  # the validators were sent back
    assert [a.article_id for a in engine.catalog.arrivals.after(0)] == first.added_ids
    stored = engine.services.feeds.all()[0]
    assert stored.total_new == 2 and stored.failures == 0 and stored.last_poll > 0


def test_an_atom_feed_is_polled_and_its_entries_indexed(server: FeedServer, engine: Engine) -> None:
    """docs/cli.md and telegram.md: RSS or Atom. Atom's entries are dated by <updated> and
    hold their text as HTML <content>; a second poll finds nothing new."""
    url = server.feed("/news.atom", "Harbour Daily", [item(1), item(2)], kind="atom")
    result = engine.services.feeds.poll(engine.services.feeds.add(url, 1800))
    assert result.status == "new" and len(result.added_ids) == 2
    stored = {a.url: a for a in engine.services.index.latest(10)}
    assert set(stored) == {"http://example.org/story-1", "http://example.org/story-2"}
    assert {(a.source, a.published) for a in stored.values()} == {
        ("Harbour Daily", date(2023, 3, 6))
    }
    answer = engine.services.qa.answer("How long will the new breakwater in Port Elsin be?")
    assert "740 metres" in answer.text and not answer.refused
    assert engine.services.feeds.poll(engine.services.feeds.all()[0]).status == "unchanged"


def test_edited_entries_are_re_embedded_and_unchanged_ones_are_not_fetched_again(
    server: FeedServer, engine: Engine
) -> None:
    # Teasers: each entry's page is fetched to complete it.
    pages = {n: server.page(f"/p{n}", f"Page {n}", [LONG * 2, f"Detail {n}."]) for n in (1, 2)}
    teaser = [FeedItem(pages[n], f"Teaser {n} on the harbour", "Short teaser.") for n in (1, 2)]
    url = server.feed("/t.rss", "Harbour Daily", teaser)
    feed = engine.services.feeds.add(url, 1800)
    assert len(engine.services.feeds.poll(feed).added_ids) == 2
    assert server.hits["/p1"] == 1 and server.hits["/p2"] == 1
    # Entry 2 is edited, entry 3 is new; entry 1 is as it was.
    server.page("/p3", "Page 3", [LONG * 2, "Detail 3."])
    edited = FeedItem(pages[2], "Teaser 2 on the harbour, updated", "Short teaser.")
    server.feed(
        "/t.rss", "Harbour Daily", [teaser[0], edited, FeedItem(server.url("/p3"), "T3", "x")]
    )
    result = engine.services.feeds.poll(engine.services.feeds.all()[0])
    assert len(result.added_ids) == 1 and result.updated == 1
    assert server.hits["/p1"] == 1  # unchanged: not fetched again
    assert server.hits["/p2"] == 2 and server.hits["/p3"] == 1
    titles = {a.title for a in engine.services.index.latest(10)}
    assert (
        "Teaser 2 on the harbour, updated" in titles and engine.services.index.stats().articles == 3
    )


def test_a_failing_feed_backs_off_and_recovers(server: FeedServer, engine: Engine) -> None:
    url = server.feed("/bad.rss", "Flaky", [item(1)])
    server.routes["/bad.rss"].status = 500
    feed = engine.services.feeds.add(url, 600)
    waits = []
    for expected in (1, 2, 3):
        result = engine.services.feeds.poll(engine.services.feeds.all()[0])
        assert result.status == "failed" and result.failures == expected
        assert "HTTP 500" in result.error
        stored = engine.services.feeds.all()[0]
        waits.append(stored.next_due - stored.last_poll)
    assert waits == pytest.approx([1200, 2400, 4800], abs=1)  # doubles each time
    assert engine.services.feeds.due() == []
    server.routes["/bad.rss"].status = 200
    assert engine.services.feeds.poll(feed).status == "new"
    stored = engine.services.feeds.all()[0]
    assert stored.failures == 0 and stored.last_error == ""
    assert stored.next_due - stored.last_poll == pytest.approx(600, abs=1)


@pytest.mark.parametrize(
    ("cap", "interval", "expected"),
    [
        # docs/telegram.md: "up to NEWSBOT_FEEDS_BACKOFF_MAX_S, a day" (the default).
        (None, 600, [1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400, 86400]),
        (3000, 600, [1200, 2400, 3000, 3000]),
        (3000, 7200, [7200, 7200]),  # never sooner than the feed's own interval
    ],
    ids=["a-day-by-default", "set", "below-the-interval"],
)
def test_a_failing_feeds_wait_stops_doubling_at_the_cap(
    server: FeedServer, tmp_path: Path, cap: int | None, interval: int, expected: list[int]
) -> None:
    engine = feeds_engine(tmp_path / "data", **({} if cap is None else {"backoff_max_s": cap}))
    url = server.feed("/down.rss", "Flaky", [item(1)])
    server.routes["/down.rss"].status = 500
    engine.services.feeds.add(url, interval)
    waits = []
    for _ in expected:
        assert engine.services.feeds.poll(engine.services.feeds.all()[0]).status == "failed"
        stored = engine.services.feeds.all()[0]
        waits.append(stored.next_due - stored.last_poll)
    assert waits == pytest.approx(expected, abs=1)


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route(b"<rss><channel><item><title>broken", "application/rss+xml"), "not a readable"),
        (Route(b"<?xml version='1.0'?><rss>" + b"x" * 300_000), "larger than"),
        (Route(b"", stall=threading.Event()), "could not be fetched"),
    ],
    ids=["malformed-xml", "huge", "slow"],
)
def test_bad_feeds_fail_with_a_reason_and_lose_nothing(
    server: FeedServer, engine: Engine, route: Route, message: str
) -> None:
    good = engine.services.feeds.add(server.feed("/good.rss", "Good", [item(1)]), 1800)
    assert engine.services.feeds.poll(good).status == "new"
    server.routes["/bad.rss"] = route
    bad = engine.services.feeds.add(server.url("/bad.rss"), 1800)
    result = engine.services.feeds.poll(bad)
    assert result.status == "failed" and message in result.error
    assert engine.services.index.stats().articles == 1
    if route.stall is not None:
        route.stall.set()


def test_no_poll_while_a_re_index_runs_and_one_poll_of_a_feed_at_a_time(
    server: FeedServer, engine: Engine
) -> None:
    url = server.feed("/news.rss", "Harbour Daily", [item(1)])
    feed = engine.services.feeds.add(url, 1800)
    with engine.collections.job("busy"):  # what a running sync holds
        result = engine.services.feeds.poll(feed)
    assert result.status == "postponed" and server.hits["/news.rss"] == 0
    assert engine.services.feeds.all()[0].last_poll == 0  # nothing recorded: still due
    # A poll stalled at the server; a second poll of the same feed is refused meanwhile.
    server.routes["/news.rss"].stall = stall = threading.Event()
    results = []
    worker = threading.Thread(target=lambda: results.append(engine.services.feeds.poll(feed)))
    worker.start()
    assert server.arrived.wait(30)
    assert engine.services.feeds.poll(feed).status == "busy"
    stall.set()
    worker.join(30)
    assert results[0].status == "new"


def test_adding_feeds_checks_what_it_is_given(server: FeedServer, tmp_path: Path) -> None:
    engine = build_engine(make_settings(tmp_path / "d"), embedder=HashEmbedder())
    with pytest.raises(SourceError, match="not public"):
        engine.services.feeds.add(server.url("/news.rss"))  # loopback, without allow-private
    with pytest.raises(SourceError, match="not an http"):
        engine.services.feeds.add("file:///etc/passwd")
    open_engine = build_engine(
        make_settings(tmp_path / "e", fetch_allow_private=True), embedder=HashEmbedder()
    )
    url = server.url("/news.rss")
    with pytest.raises(SourceError, match="more often"):
        open_engine.services.feeds.add(url, 60)
    assert open_engine.services.feeds.add(url).interval_s == 1800  # the default
    with pytest.raises(SourceError, match="already"):
        open_engine.services.feeds.add(url)
    assert parse_interval("30m") == 1800 and parse_interval("2h") == 7200
    assert parse_interval("1d") == 86400 and parse_interval("45") == 2700
    with pytest.raises(SourceError):
        parse_interval("soon")


def test_a_feed_entry_is_indexed_without_its_boilerplate(
    server: FeedServer, engine: Engine
) -> None:
    # The entry is a teaser: its page, with the article's lines as paragraphs, is fetched.
    title, paragraphs = story_fixture("harbor-seawall")
    page = server.page("/seawall", title, paragraphs)
    url = server.feed("/news.rss", "Harbor Daily", [FeedItem(page, title, "Teaser.")])
    result = engine.services.feeds.poll(engine.services.feeds.add(url, 1800))
    assert result.status == "new"
    [stored] = engine.catalog.passages.article_texts(engine.collections.active).values()
    for paragraph in HARBOR_STORY.split("\n\n"):
        assert paragraph in stored
    for piece in removed_texts(text_of(*paragraphs)):
        assert piece not in stored

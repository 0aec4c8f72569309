"""Feeds managed and polled through Telegram, and followed topics pushed to readers, driven
through the fake Bot API with a loopback feed server that changes between polls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from retrieval.live.follows import FollowStore
from tests.fakes.feed_server import FeedItem, FeedServer
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.telegram import ADMIN, BotHarness, SampleIndex, bot_settings, say, serving

NOW = formatdate(usegmt=True)
READER, OTHER = 5, 6
TOPIC = "Port Elsin breakwater"


def breakwater(n: int, published: str = NOW, extra: str = "") -> FeedItem:
    text = (
        f"The Port Elsin breakwater project reached stage {n} this week, the harbour authority "
        "said. Engineers said the breakwater would protect the old quay from winter storms. "
        f"{extra} "
    ) * 4
    return FeedItem(f"http://example.org/breakwater-{n}", f"Breakwater update {n}", text, published)


def cheese(n: int) -> FeedItem:
    text = "The annual cheese festival in Valbonne drew record crowds to the market square. " * 6
    return FeedItem(f"http://example.org/cheese-{n}", f"Cheese festival {n}", text, NOW)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def follow_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def live(
    tmp_path: Path, api: FakeBotAPI, sample_index: SampleIndex, follow_overrides: dict[str, Any]
) -> AsyncIterator[BotHarness]:
    settings = bot_settings(tmp_path, api, sample_index)
    settings = settings.model_copy(
        update={
            "fetch_allow_private": True,
            "follow": settings.follow.model_copy(update={"threshold": 0.3, **follow_overrides}),
            "feeds": settings.feeds.model_copy(update={"alert_after": 2, "timeout_s": 2.0}),
        }
    )
    async with serving(settings, api, sample_index) as harness:
        yield harness


async def poll_now(h: BotHarness) -> str:
    """`/feeds poll`: the status message is edited with the results once followers are served."""
    return await say(h, "/feeds poll")


def pushes(h: BotHarness, chat_id: int) -> list[Any]:
    return [c for c in h.api.sent(chat_id=chat_id) if c.text.startswith("🔔")]


async def test_admins_manage_feeds_and_nobody_else_can(live: BotHarness, feeds: FeedServer) -> None:
    url = feeds.feed("/news.rss", "Harbour Daily", [breakwater(1), cheese(1)])
    refused = await say(live, f"/feeds add {url}", user_id=READER)
    assert "only for the archive's admins" in refused
    assert await say(live, "/feeds poll", user_id=READER) == refused
    assert live.services.feeds.all() == []
    assert "Added" in await say(live, f"/feeds add {url} every 30m")
    listing = await say(live, "/feeds")
    assert url in listing and "every 30m" in listing and "last poll never" in listing
    assert "2 new" in await poll_now(live)
    assert "2 new last time, 2 in all" in await say(live, "/stats")
    assert "Sorry" in await say(live, f"/feeds add {url}")  # already there
    assert "There is no feed 7" in await say(live, "/feeds remove 7")
    assert "Removed" in await say(live, "/feeds remove 1")
    assert live.services.feeds.all() == []
    assert "Usage" in await say(live, "/feeds frobnicate")


async def test_followers_get_each_matching_article_once(
    live: BotHarness, feeds: FeedServer
) -> None:
    assert "Following" in await say(live, f"/follow {TOPIC}", user_id=READER)
    assert "Following" in await say(live, "/follow volcanic eruption Iceland", user_id=OTHER)
    url = feeds.feed("/news.rss", "Harbour Daily", [breakwater(1), cheese(1)])
    await say(live, f"/feeds add {url}")
    await poll_now(live)
    [push] = pushes(live, READER)
    assert TOPIC in push.text and "Breakwater update 1" in push.text
    assert 'href="http://example.org/breakwater-1"' in push.text
    assert "Harbour Daily" in push.text and "<blockquote>" in push.text
    buttons = [b["callback_data"] for b in push.params["reply_markup"]["inline_keyboard"][0]]
    assert buttons[0].startswith("fb:") and buttons[2].startswith("unf:")
    assert pushes(live, OTHER) == []
    # The entry is edited (re-embedded) and polled again: never pushed twice.
    feeds.feed("/news.rss", "Harbour Daily", [breakwater(1, extra="Costs rose."), cheese(1)])
    assert "1 updated" in await poll_now(live)
    assert len(pushes(live, READER)) == 1
    # 👍 on a push is recorded like feedback on an answer; 🔕 unfollows from the push.
    message = {"message_id": 1, "date": 0, "chat": {"id": READER, "type": "private"}}
    live.api.press(buttons[0], message, user_id=READER)
    live.api.press(buttons[2], message, user_id=READER)
    await live.api.wait_for(lambda: not _topics(live, READER))
    await live.api.wait_for(lambda: live.services.feedback.counts()[1] == 1)
    assert "You follow no topics" in await say(live, "/following", user_id=READER)
    # /stats counts the push as a push, not as a question answered.
    stats = await say(live, "/stats")
    assert "Questions answered:</b> 0" in stats and "Pushed to followers:</b> 1" in stats
    assert "Last 7 days:</b> 0 answered · 👍 1 · 👎 0" in stats  # the 👍 on the push, this week


def _topics(h: BotHarness, user_id: int) -> list[Any]:
    return h.services.follows.topics(user_id)


@pytest.mark.parametrize("follow_overrides", [{"pushes_per_hour": 1}])
async def test_pushes_beyond_the_hourly_limit_come_as_one_digest(
    live: BotHarness, feeds: FeedServer
) -> None:
    await say(live, f"/follow {TOPIC}", user_id=READER)
    url = feeds.feed("/news.rss", "Harbour Daily", [breakwater(n) for n in (1, 2, 3)])
    await say(live, f"/feeds add {url}")
    await poll_now(live)
    sent = pushes(live, READER)
    assert len(sent) == 2
    assert sent[0].text.startswith("🔔 New on")
    assert "2 more new articles" in sent[1].text
    assert sum(f"Breakwater update {n}" in sent[1].text for n in (1, 2, 3)) == 2


async def test_old_articles_are_not_pushed_and_blocked_readers_are_dropped(
    live: BotHarness, feeds: FeedServer
) -> None:
    await say(live, f"/follow {TOPIC}", user_id=READER)
    await say(live, f"/follow {TOPIC}", user_id=OTHER)
    old = breakwater(1, published="Mon, 06 Mar 2023 09:00:00 GMT")
    url = feeds.feed("/news.rss", "Harbour Daily", [old])
    await say(live, f"/feeds add {url}")
    assert "1 new" in await poll_now(live)
    assert pushes(live, READER) == [] and pushes(live, OTHER) == []  # older than the topic
    live.api.blocked.add(OTHER)
    feeds.feed("/news.rss", "Harbour Daily", [old, breakwater(2)])
    await poll_now(live)
    assert len(pushes(live, READER)) == 1
    assert _topics(live, OTHER) == [] and len(_topics(live, READER)) == 1


@pytest.mark.parametrize("follow_overrides", [{"max_topics": 2}])
async def test_topic_commands_check_what_they_are_given(live: BotHarness) -> None:
    assert "Tell me what to follow" in await say(live, "/follow", user_id=READER)
    assert "Tell me what to follow" in await say(live, "/follow the of", user_id=READER)
    assert "Following" in await say(live, "/follow harbour storms", user_id=READER)
    assert "already follow" in await say(live, "/follow harbour   storms", user_id=READER)
    assert "Following" in await say(live, "/follow city budget", user_id=READER)
    assert "already follow 2 topics" in await say(live, "/follow cheese", user_id=READER)
    listing = await say(live, "/following", user_id=READER)
    assert "1. harbour storms" in listing and "2. city budget" in listing
    assert "Usage" in await say(live, "/unfollow 9", user_id=READER)
    assert "Stopped following “harbour storms”" in await say(live, "/unfollow 1", user_id=READER)
    # Topics live in the data dir: a restarted bot has them.
    store = FollowStore(live.settings.data_dir / "follows.sqlite")
    assert [t.words for t in store.topics(READER)] == ["city budget"]


async def test_the_job_queue_polls_due_feeds_and_admins_hear_of_failing_ones(
    live: BotHarness, feeds: FeedServer
) -> None:
    [job] = live.app.job_queue.get_jobs_by_name("feeds")
    assert job.trigger.interval.total_seconds() == live.settings.feeds.tick_s
    url = feeds.feed("/news.rss", "Harbour Daily", [breakwater(1)])
    await say(live, f"/feeds add {url}")
    await job.run(live.app)  # what the scheduler does every tick
    assert live.services.feeds.all()[0].total_new == 1
    feeds.routes["/news.rss"].status = 500
    assert "failed" in await poll_now(live)
    assert [c for c in live.api.sent(chat_id=ADMIN) if c.text.startswith("⚠️")] == []
    await poll_now(live)  # the second failure in a row: alert_after = 2
    [alert] = [c for c in live.api.sent(chat_id=ADMIN) if c.text.startswith("⚠️")]
    assert "failed 2 times in a row" in alert.text and "HTTP 500" in alert.text
    assert "2 failures in a row" in await say(live, "/feeds")

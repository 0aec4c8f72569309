"""Telegram HTML for the live archive: feed lists and poll results, pushes and digests."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

from bot.render_html import link
from retrieval.core.records import Passage
from retrieval.live.follows import Topic
from retrieval.live.subscriptions import Feed, PollResult, describe_interval
from retrieval.live.topics import TopicMatch

QUOTE_CHARS = 600


def _ago(timestamp: float, now: float) -> str:
    if not timestamp:
        return "never"
    seconds = max(0, int(now - timestamp))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def feed_line(number: int, feed: Feed, now: float | None = None) -> str:
    now = now or time.time()
    parts = [
        f"every {describe_interval(feed.interval_s)}",
        f"last poll {_ago(feed.last_poll, now)}",
        f"{feed.last_new} new last time, {feed.total_new} in all",
    ]
    if feed.failures:
        parts.append(
            f"⚠️ {feed.failures} failure{'s' if feed.failures > 1 else ''} in a row: "
            f"{html.escape(feed.last_error[:200])}"
        )
    return f"{number}. {link(feed.url, html.escape(feed.url))}\n    " + " · ".join(parts)


def render_feeds(feeds: Sequence[Feed]) -> str:
    if not feeds:
        return (
            "No feeds yet. Add one with <code>/feeds add URL</code> "
            "(optionally <code>every 30m</code>)."
        )
    lines = ["<b>Feeds</b>"] + [feed_line(n, f) for n, f in enumerate(feeds, start=1)]
    return "\n".join(lines)


def render_poll(results: Sequence[PollResult]) -> str:
    if not results:
        return "No feeds to poll."
    lines = ["<b>Feeds polled</b>"]
    for result in results:
        url = html.escape(result.feed.url)
        if result.status == "failed":
            lines.append(f"• {url}: failed ({html.escape(result.error[:200])})")
        elif result.status in ("postponed", "busy"):
            lines.append(f"• {url}: put off (a re-index or another poll is running)")
        else:
            extra = f", {result.updated} updated" if result.updated else ""
            lines.append(f"• {url}: {len(result.added_ids)} new{extra}")
    return "\n".join(lines)


def render_topics(topics: Sequence[Topic]) -> str:
    if not topics:
        return "You follow no topics. Send <code>/follow words</code> to follow one."
    lines = ["<b>You follow</b>"] + [
        f"{n}. {html.escape(t.words)}" for n, t in enumerate(topics, start=1)
    ]
    lines.append("\n/unfollow N stops one.")
    return "\n".join(lines)


def _dated(passage: Passage) -> str:
    when = passage.published.strftime("%d %b %Y") if passage.published else "undated"
    return f"{html.escape(passage.source or 'unknown outlet')}, {when}"


def render_push(topic: Topic, match: TopicMatch) -> str:
    passage = match.passage
    quote = passage.text if len(passage.text) <= QUOTE_CHARS else passage.text[:QUOTE_CHARS] + "…"
    return (
        f"🔔 New on <b>{html.escape(topic.words)}</b>\n"
        f"{link(passage.url, html.escape(passage.title))} — {_dated(passage)}\n"
        f"<blockquote>{html.escape(quote)}</blockquote>"
    )


def render_digest(items: Sequence[tuple[Topic, TopicMatch]]) -> str:
    lines = [f"🔔 <b>{len(items)} more new articles on your topics</b>"]
    for topic, match in items:
        passage = match.passage
        lines.append(
            f"• {link(passage.url, html.escape(passage.title))} — {_dated(passage)} "
            f"({html.escape(topic.words)})"
        )
    return "\n".join(lines)

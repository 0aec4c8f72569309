"""Telegram HTML for the live archive: feed lists and poll results, pushes and digests."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

from bot.render_html import day, link
from bot.texts import texts_in
from retrieval.core.i18n import Texts, mark
from retrieval.core.language import question_language
from retrieval.core.records import Passage
from retrieval.live.follows import Topic
from retrieval.live.subscriptions import Feed, PollResult, PollStatus, describe_interval
from retrieval.live.topics import TopicMatch

QUOTE_CHARS = 600


def _ago(timestamp: float, now: float, words: Texts) -> str:
    if not timestamp:
        return words.t("never")
    seconds = max(0, int(now - timestamp))
    for phrase, size in AGO:
        if seconds >= size:
            return words.t(phrase).format(n=seconds // size)
    return words.t("{n}s ago").format(n=seconds)


AGO = ((mark("{n}d ago"), 86400), (mark("{n}h ago"), 3600), (mark("{n}m ago"), 60))


def feed_line(number: int, feed: Feed, words: Texts, now: float | None = None) -> str:
    now = now or time.time()
    t = words.t
    parts = [
        t("every {interval}").format(interval=describe_interval(feed.interval_s)),
        t("last poll {ago}").format(ago=_ago(feed.last_poll, now, words)),
        t("{new} new last time, {total} in all").format(new=feed.last_new, total=feed.total_new),
    ]
    if feed.failures:
        failures = words.tn("{n} failure in a row", "{n} failures in a row", feed.failures)
        parts.append(f"⚠️ {failures.format(n=feed.failures)}: {html.escape(feed.last_error[:200])}")
    return f"{number}. {link(feed.url, html.escape(feed.url))}\n    " + " · ".join(parts)


def render_feeds(feeds: Sequence[Feed], words: Texts) -> str:
    if not feeds:
        return words.t(
            "No feeds yet. Add one with <code>/feeds add URL</code> "
            "(optionally <code>every 30m</code>)."
        )
    lines = ["<b>" + words.t("Feeds") + "</b>"]
    lines += [feed_line(n, f, words) for n, f in enumerate(feeds, start=1)]
    return "\n".join(lines)


def render_poll(results: Sequence[PollResult], words: Texts) -> str:
    t = words.t
    if not results:
        return t("No feeds to poll.")
    lines = ["<b>" + t("Feeds polled") + "</b>"]
    for result in results:
        url = html.escape(result.feed.url)
        if result.status is PollStatus.FAILED:
            error = html.escape(result.error[:200])
            lines.append(t("• {url}: failed ({error})").format(url=url, error=error))
        elif result.status in (PollStatus.POSTPONED, PollStatus.BUSY):
            lines.append(
                t("• {url}: put off (a re-index or another poll is running)").format(url=url)
            )
        else:
            extra = t(", {n} updated").format(n=result.updated) if result.updated else ""
            lines.append(
                t("• {url}: {n} new{extra}").format(url=url, n=len(result.added_ids), extra=extra)
            )
    return "\n".join(lines)


def render_topics(topics: Sequence[Topic], words: Texts) -> str:
    if not topics:
        return words.t("You follow no topics. Send <code>/follow words</code> to follow one.")
    lines = ["<b>" + words.t("You follow") + "</b>"] + [
        f"{n}. {html.escape(t.words)}" for n, t in enumerate(topics, start=1)
    ]
    lines.append("\n" + words.t("/unfollow N stops one."))
    return "\n".join(lines)


def topic_texts(topic: Topic) -> Texts:
    """A follower's texts: in the language they wrote the topic in."""
    return texts_in(question_language(topic.words))


def _dated(passage: Passage, words: Texts) -> str:
    outlet = html.escape(passage.source or words.t("unknown outlet"))
    return f"{outlet}, {day(passage.published, words)}"


def render_push(topic: Topic, match: TopicMatch) -> str:
    words = topic_texts(topic)
    passage = match.passage
    quote = passage.text if len(passage.text) <= QUOTE_CHARS else passage.text[:QUOTE_CHARS] + "…"
    heading = words.t("🔔 New on <b>{topic}</b>").format(topic=html.escape(topic.words))
    return (
        f"{heading}\n"
        f"{link(passage.url, html.escape(passage.title))} — {_dated(passage, words)}\n"
        f"<blockquote>{html.escape(quote)}</blockquote>"
    )


def render_digest(items: Sequence[tuple[Topic, TopicMatch]]) -> str:
    words = topic_texts(items[0][0])
    more = words.tn(
        "🔔 <b>{n} more new article on your topics</b>",
        "🔔 <b>{n} more new articles on your topics</b>",
        len(items),
    )
    lines = [more.format(n=len(items))]
    for topic, match in items:
        passage = match.passage
        lines.append(
            f"• {link(passage.url, html.escape(passage.title))} — {_dated(passage, words)} "
            f"({html.escape(topic.words)})"
        )
    return "\n".join(lines)

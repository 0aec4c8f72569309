"""The live archive in Telegram: admins manage feeds (/feeds), the JobQueue polls them, and
readers who /follow a topic get each new matching article pushed once."""

from __future__ import annotations

import asyncio
import html
import logging
from collections import defaultdict
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.admin import admin_only
from bot.deps import BotDeps, deps_of
from bot.follows import Topic
from bot.render_live import render_digest, render_feeds, render_poll, render_push, render_topics
from bot.replies import NO_PREVIEW
from bot.state import PUSH_PREFIX
from retrieval.errors import NewsbotError
from retrieval.feeds import PollResult, parse_interval
from retrieval.models import Answer, Citation
from retrieval.text import key_terms
from retrieval.topics import TopicMatch

logger = logging.getLogger(__name__)
FEEDS_USAGE = (
    "Usage: <code>/feeds</code> lists the feeds; <code>/feeds add URL [every 30m]</code>, "
    "<code>/feeds remove N</code>, <code>/feeds poll</code> (all of them, now)."
)
MAX_TOPIC_CHARS = 100


# -- admins: /feeds ------------------------------------------------------------------------
@admin_only
async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    deps = deps_of(context)
    service = deps.services.feeds
    args = context.args or []
    action = args[0].lower() if args else "list"
    try:
        if action == "list":
            text = render_feeds(await asyncio.to_thread(service.all))
        elif action == "add" and len(args) >= 2:
            words = [w for w in args[2:] if w.lower() != "every"]
            interval = parse_interval(words[0]) if words else None
            user = update.effective_user
            feed = await asyncio.to_thread(
                service.add, args[1], interval, added_by=user.id if user else 0
            )
            text = f"Added {html.escape(feed.url)}; it is polled at the next check."
        elif action == "remove" and len(args) == 2 and args[1].isdigit():
            listed = await asyncio.to_thread(service.all)
            number = int(args[1])
            if not 1 <= number <= len(listed):
                text = f"There is no feed {number}: /feeds lists them."
            else:
                removed = await asyncio.to_thread(service.remove, listed[number - 1].id)
                text = f"Removed {html.escape(removed.url if removed else '?')}."
        elif action == "poll":
            status = await message.reply_text("Polling the feeds…")
            results = await tick(context.application, due_only=False)
            await status.edit_text(
                render_poll(results), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            )
            return
        else:
            text = FEEDS_USAGE
    except NewsbotError as exc:
        text = f"Sorry — {html.escape(str(exc))}."
    await message.reply_text(text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)


# -- the scheduled job -----------------------------------------------------------------------
async def poll_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run by the JobQueue every NEWSBOT_FEEDS_TICK_S: due feeds, then followers."""
    await tick(context.application)


async def tick(application: Application, *, due_only: bool = True) -> list[PollResult]:  # type: ignore[type-arg]
    """Poll (due or all) feeds, tell admins about feeds that keep failing, push new articles
    to their followers. One tick at a time: a tick that finds another running waits for it."""
    deps: BotDeps = application.bot_data["deps"]
    async with deps.live_lock:
        service = deps.services.feeds
        results = await asyncio.to_thread(service.poll_due if due_only else service.poll_all)
        for result in results:
            if result.status == "failed" and result.failures == deps.settings.feeds.alert_after:
                await _alert_admins(application, deps, result)
        await deliver_follows(application, deps)
    return results


async def _alert_admins(application: Application, deps: BotDeps, result: PollResult) -> None:  # type: ignore[type-arg]
    text = (
        f"⚠️ The feed {html.escape(result.feed.url)} failed {result.failures} times in a row "
        f"({html.escape(result.error[:300])}). It is retried less and less often; "
        "/feeds shows it, /feeds remove drops it."
    )
    for admin_id in deps.settings.telegram.admin_ids:
        try:
            await application.bot.send_message(
                admin_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            )
        except TelegramError as exc:
            logger.warning("could not alert admin %s: %s", admin_id, exc)


# -- followers -----------------------------------------------------------------------------
async def deliver_follows(application: Application, deps: BotDeps) -> int:  # type: ignore[type-arg]
    """Match articles that arrived since the last run against every followed topic, and push
    each match once per reader: separately up to the hourly limit, the rest as one digest."""
    store = deps.follows
    index = deps.services.index
    cursor = await asyncio.to_thread(store.cursor) or 0
    sent = 0
    while arrivals := await asyncio.to_thread(index.arrivals_after, cursor):
        article_ids = [article_id for _, article_id in arrivals]
        per_user: dict[int, dict[str, tuple[Topic, TopicMatch]]] = defaultdict(dict)
        for topic in await asyncio.to_thread(store.topics):
            matches = await asyncio.to_thread(deps.services.topics.match, topic.words, article_ids)
            since = datetime.fromtimestamp(topic.created).date()
            for match in matches:
                published: date | None = match.passage.published
                if published is not None and published < since:
                    continue  # older than the topic: not news to its follower
                best = per_user[topic.user_id].get(match.article_id)
                if best is None or match.score > best[1].score:
                    per_user[topic.user_id][match.article_id] = (topic, match)
        for user_id, found in per_user.items():
            sent += await _push_to(application, deps, user_id, list(found.values()))
        cursor = arrivals[-1][0]
        await asyncio.to_thread(store.set_cursor, cursor)
    return sent


async def _push_to(
    application: Application,  # type: ignore[type-arg]
    deps: BotDeps,
    user_id: int,
    items: list[tuple[Topic, TopicMatch]],
) -> int:
    store = deps.follows
    items.sort(key=lambda item: item[1].score, reverse=True)
    already = await asyncio.to_thread(store.pushed_since, user_id)
    room = deps.settings.follow.pushes_per_hour - already
    digest: list[tuple[Topic, TopicMatch]] = []
    sent = 0
    try:
        for topic, match in items:
            if room <= 0:
                if await asyncio.to_thread(
                    store.claim, user_id, match.article_id, topic.id, digest=True
                ):
                    digest.append((topic, match))
                continue
            if not await asyncio.to_thread(
                store.claim, user_id, match.article_id, topic.id, digest=False
            ):
                continue  # already pushed to this reader
            answer_id = await asyncio.to_thread(_record_push, deps, topic, match)
            await application.bot.send_message(
                topic.chat_id,
                render_push(topic, match),
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=push_keyboard(answer_id, topic.id),
            )
            room -= 1
            sent += 1
        if digest:
            await application.bot.send_message(
                digest[0][0].chat_id,
                render_digest(digest),
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            )
            sent += 1
    except Forbidden:
        dropped = await asyncio.to_thread(store.drop_user, user_id)
        logger.info("user %s blocked the bot: %d followed topics dropped", user_id, dropped)
    except TelegramError as exc:
        logger.warning("push to %s failed: %s", user_id, exc)
    return sent


def _record_push(deps: BotDeps, topic: Topic, match: TopicMatch) -> int:
    """Logged like an answer, so its 👍/👎 land with the other feedback."""
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
    )
    answer = Answer(f"New on {topic.words}: {passage.title} [1]", [citation])
    return deps.log.record(topic.chat_id, topic.user_id, PUSH_PREFIX + topic.words, answer)


def push_keyboard(answer_id: int, topic_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍", callback_data=f"fb:{answer_id}:u"),
                InlineKeyboardButton("👎", callback_data=f"fb:{answer_id}:d"),
                InlineKeyboardButton("🔕 Unfollow", callback_data=f"unf:{topic_id}"),
            ]
        ]
    )


# -- readers: /follow, /following, /unfollow ------------------------------------------------
async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    deps = deps_of(context)
    if not deps.may_ask(update):
        return
    words = " ".join(" ".join(context.args or []).split())
    if not words or not key_terms(words) or len(words) > MAX_TOPIC_CHARS:
        await message.reply_text(
            f"Tell me what to follow in a few words (at most {MAX_TOPIC_CHARS} characters), "
            "e.g. /follow Ukraine grain deal"
        )
        return
    limit = deps.settings.follow.max_topics
    if len(await asyncio.to_thread(deps.follows.topics, user.id)) >= limit:
        await message.reply_text(f"You already follow {limit} topics: /unfollow one first.")
        return
    topic = await asyncio.to_thread(deps.follows.follow, user.id, chat.id, words)
    if topic is None:
        await message.reply_text(f"You already follow “{words}”.")
        return
    await message.reply_text(
        f"Following “{words}”: I'll send you new articles about it as they arrive. "
        "/following lists your topics."
    )


async def following(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    topics = await asyncio.to_thread(deps_of(context).follows.topics, user.id)
    await message.reply_text(render_topics(topics), parse_mode=ParseMode.HTML)


async def unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    store = deps_of(context).follows
    topics = await asyncio.to_thread(store.topics, user.id)
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= len(topics):
        await message.reply_text(
            "Usage: /unfollow N, with N from /following." if topics else "You follow no topics."
        )
        return
    topic = topics[int(args[0]) - 1]
    await asyncio.to_thread(store.unfollow, user.id, topic.id)
    await message.reply_text(f"Stopped following “{topic.words}”.")


async def unfollow_button(update: Update, context: ContextTypes.DEFAULT_TYPE, rest: str) -> None:
    query = update.callback_query
    assert query is not None
    removed = await asyncio.to_thread(
        deps_of(context).follows.unfollow, query.from_user.id, int(rest)
    )
    await query.answer(
        f"Stopped following “{removed.words}”." if removed else "You no longer follow that."
    )

"""The live archive in Telegram: admins manage feeds (/feeds), the JobQueue polls them, and
readers who /follow a topic get each new matching article pushed once."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.buttons import push_keyboard
from bot.deps import BotDeps, NewsApp, NewsContext, deps_of_app
from bot.jobs import admin_only
from bot.render_live import (
    render_digest,
    render_feeds,
    render_poll,
    render_push,
    render_topics,
    topic_texts,
)
from bot.texts import texts_for, texts_in
from retrieval.core.errors import NewsbotError, QuestionError
from retrieval.core.i18n import mark
from retrieval.live.follows import Delivery
from retrieval.live.subscriptions import PollResult, PollStatus, parse_interval

logger = logging.getLogger(__name__)
FEEDS_USAGE = mark(
    "Usage: <code>/feeds</code> lists the feeds; <code>/feeds add URL [every 30m]</code>, "
    "<code>/feeds remove N</code>, <code>/feeds poll</code> (all of them, now)."
)


# -- admins: /feeds ------------------------------------------------------------------------
@admin_only
async def feeds(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    service = deps.services.feeds
    args = context.args or []
    action = args[0].lower() if args else "list"
    t = texts_for(update).t
    try:
        if action == "list":
            text = render_feeds(await asyncio.to_thread(service.all), texts_for(update))
        elif action == "add" and len(args) >= 2:
            given = [w for w in args[2:] if w.lower() != "every"]
            interval = parse_interval(given[0]) if given else None
            user = update.effective_user
            feed = await asyncio.to_thread(
                service.add, args[1], interval, added_by=user.id if user else 0
            )
            text = t("Added {url}; it is polled at the next check.").format(
                url=html.escape(feed.url)
            )
        elif action == "remove" and len(args) == 2 and args[1].isdigit():
            listed = await asyncio.to_thread(service.all)
            number = int(args[1])
            if not 1 <= number <= len(listed):
                text = t("There is no feed {n}: /feeds lists them.").format(n=number)
            else:
                removed = await asyncio.to_thread(service.remove, listed[number - 1].id)
                text = t("Removed {url}.").format(url=html.escape(removed.url if removed else "?"))
        elif action == "poll":
            status = await message.reply_text(t("Polling the feeds…"))
            results = await tick(context.app, due_only=False)
            await status.edit_text(render_poll(results, texts_for(update)))
            return
        else:
            text = t(FEEDS_USAGE)
    except NewsbotError as exc:
        text = t("Sorry — {problem}.").format(problem=html.escape(str(exc)))
    await message.reply_text(text)


# -- the scheduled job -----------------------------------------------------------------------
async def poll_job(context: NewsContext) -> None:
    """Run by the JobQueue every NEWSBOT_FEEDS_TICK_S: due feeds, then followers."""
    await tick(context.app)


async def tick(application: NewsApp, *, due_only: bool = True) -> list[PollResult]:
    """Poll (due or all) feeds, tell admins about feeds that keep failing, push new articles
    to their followers. One tick at a time: a tick that finds another running waits for it."""
    deps = deps_of_app(application)
    async with deps.live_lock:
        service = deps.services.feeds
        results = await asyncio.to_thread(service.poll_due if due_only else service.poll_all)
        for result in results:
            if (
                result.status is PollStatus.FAILED
                and result.failures == deps.settings.feeds.alert_after
            ):
                await _alert_admins(application, deps, result)
        await deliver_follows(application, deps)
    return results


async def _alert_admins(application: NewsApp, deps: BotDeps, result: PollResult) -> None:
    # Sent unasked: the admins' language is not known here, so the bot's default language.
    text = (
        texts_in(deps.settings.telegram.language)
        .t(
            "⚠️ The feed {url} failed {n} times in a row ({error}). It is retried less and "
            "less often; /feeds shows it, /feeds remove drops it."
        )
        .format(
            url=html.escape(result.feed.url),
            n=result.failures,
            error=html.escape(result.error[:300]),
        )
    )
    for admin_id in deps.settings.telegram.admin_ids:
        try:
            await application.bot.send_message(admin_id, text)
        except TelegramError as exc:
            logger.warning("could not alert admin %s: %s", admin_id, exc)


# -- followers -----------------------------------------------------------------------------
async def deliver_follows(application: NewsApp, deps: BotDeps) -> int:
    """Send what the engine matched for followers since the last run: each push as its own
    message (with 👍/👎 and 🔕 Unfollow), the overflow as one digest. Returns messages sent."""
    service = deps.services.follows
    sent = 0
    while (deliveries := await asyncio.to_thread(service.next_deliveries)) is not None:
        for delivery in deliveries:
            sent += await _send(application, deps, delivery)
    return sent


async def _send(application: NewsApp, deps: BotDeps, delivery: Delivery) -> int:
    sent = 0
    try:
        for push in delivery.pushes:
            await application.bot.send_message(
                push.topic.chat_id,
                render_push(push.topic, push.match),
                reply_markup=push_keyboard(push.answer_id, push.topic.id, topic_texts(push.topic)),
            )
            sent += 1
        if delivery.digest:
            await application.bot.send_message(delivery.chat_id, render_digest(delivery.digest))
            sent += 1
    except Forbidden:
        dropped = await asyncio.to_thread(deps.services.follows.reader_gone, delivery.user_id)
        logger.info(
            "user %s blocked the bot: %d followed topics dropped", delivery.user_id, dropped
        )
    except TelegramError as exc:
        logger.warning("push to %s failed: %s", delivery.user_id, exc)
    return sent


# -- readers: /follow, /following, /unfollow ------------------------------------------------
async def follow(update: Update, context: NewsContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    deps = context.deps
    if not deps.may_ask(update):
        return
    wanted = " ".join(context.args or [])
    t = texts_for(update).t
    try:
        topic = await asyncio.to_thread(deps.services.follows.follow, user.id, chat.id, wanted)
    except QuestionError as exc:
        text = str(exc)
        await message.reply_text(html.escape(text[:1].upper() + text[1:]) + ".")
        return
    await message.reply_text(
        t(
            "Following “{topic}”: I'll send you new articles about it as they arrive. "
            "/following lists your topics."
        ).format(topic=html.escape(topic.words))
    )


async def following(update: Update, context: NewsContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    topics = await asyncio.to_thread(context.deps.services.follows.topics, user.id)
    await message.reply_text(render_topics(topics, texts_for(update)))


async def unfollow(update: Update, context: NewsContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    service = context.deps.services.follows
    topics = await asyncio.to_thread(service.topics, user.id)
    args = context.args or []
    t = texts_for(update).t
    if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= len(topics):
        await message.reply_text(
            t("Usage: /unfollow N, with N from /following.")
            if topics
            else t("You follow no topics.")
        )
        return
    topic = topics[int(args[0]) - 1]
    await asyncio.to_thread(service.unfollow, user.id, topic.id)
    await message.reply_text(
        t("Stopped following “{topic}”.").format(topic=html.escape(topic.words))
    )


async def unfollow_button(update: Update, context: NewsContext) -> None:
    """🔕 under a push (`Button.UNFOLLOW`)."""
    query = update.callback_query
    assert query is not None and context.matches
    topic_id = int(context.matches[0].group(1))
    removed = await asyncio.to_thread(
        context.deps.services.follows.unfollow, query.from_user.id, topic_id
    )
    t = texts_for(update).t
    await query.answer(
        t("Stopped following “{topic}”.").format(topic=removed.words)
        if removed
        else t("You no longer follow that.")
    )

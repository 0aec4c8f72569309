"""/brief: the day's or the week's biggest stories, one cited sentence each; and the same every
morning at the reader's hour in the reader's timezone (`/brief on 08:00`, `/brief tz
Asia/Baku`, `/brief off`), once a day at most, in the language they asked in. Subscriptions
live in the data dir: a restarted bot schedules them again. A reader who blocked the bot is
dropped."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.deps import BotDeps, NewsApp, NewsContext
from bot.render_html import day, source_line
from bot.texts import texts_for, texts_in
from retrieval.core.errors import QuestionError
from retrieval.core.i18n import Texts, mark
from retrieval.live.briefs import Briefing, Period, Subscription

logger = logging.getLogger(__name__)
USAGE = mark(
    "Usage: <code>/brief</code> (today's biggest stories), <code>/brief week</code>, "
    "<code>/brief TOPIC</code>; every morning: <code>/brief on 08:00 [TOPIC]</code>, "
    "<code>/brief tz Asia/Baku</code>, <code>/brief off</code>."
)


def job_name(user_id: int) -> str:
    return f"brief:{user_id}"


def render_briefing(briefing: Briefing, words: Texts) -> str:
    t = words.t
    if briefing.period is Period.WEEK:
        title = t("This week's biggest stories")
    else:
        title = t("Today's biggest stories")
    if briefing.topic:
        title += " " + t("on “{topic}”").format(topic=html.escape(briefing.topic))
    if not briefing.stories:
        if briefing.topic:
            return t("The archive has no story on “{topic}” from {start} to {end}.").format(
                topic=html.escape(briefing.topic),
                start=day(briefing.start, words),
                end=day(briefing.end, words),
            )
        return t("The archive has no story from {start} to {end}.").format(
            start=day(briefing.start, words), end=day(briefing.end, words)
        )
    lines = [f"<b>{title}</b>"]
    for story in briefing.stories:
        lines.append(
            f"{story.citation.n}. {html.escape(story.citation.quote)} [{story.citation.n}]"
        )
    lines.append("\n<b>" + t("Sources") + "</b>")
    # Unlike an answer's sources, as the briefing has shown them: every other outlet named,
    # no language marked.
    lines += [
        source_line(story.citation, words, mark_language=False, shown=None)
        for story in briefing.stories
    ]
    return "\n".join(lines)


def describe(subscription: Subscription, words: Texts) -> str:
    t = words.t
    if subscription.at is None:
        return t("No morning briefing (your timezone: {tz}).").format(
            tz=html.escape(subscription.tz)
        )
    text = t("Your briefing comes every morning at {at} ({tz})").format(
        at=subscription.at.strftime("%H:%M"), tz=html.escape(subscription.tz)
    )
    if subscription.topic:
        text += " " + t("on “{topic}”").format(topic=html.escape(subscription.topic))
    return text + ". " + t("<code>/brief off</code> stops it.")


async def brief(update: Update, context: NewsContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    deps = context.deps
    if not deps.may_ask(update):
        return
    words = texts_for(update)
    service = deps.services.briefs
    args = context.args or []
    action = args[0].lower() if args else ""
    try:
        if action == "on" and len(args) >= 2:
            subscription = await asyncio.to_thread(
                service.subscribe, user.id, chat.id, args[1], words.language, " ".join(args[2:])
            )
            schedule(context.app, subscription)
            text = describe(subscription, words)
        elif action == "off":
            await asyncio.to_thread(service.unsubscribe, user.id)
            unschedule(context.app, user.id)
            text = words.t("No more morning briefings.")
        elif action == "tz" and len(args) == 2:
            subscription = await asyncio.to_thread(service.set_timezone, user.id, chat.id, args[1])
            if subscription.at is not None:
                schedule(context.app, subscription)
            text = describe(subscription, words)
        elif action in ("on", "tz", "help"):
            text = words.t(USAGE)
        else:
            period = Period.WEEK if action == "week" else Period.DAY
            topic = " ".join(args[1:] if action == "week" else args)
            briefing = await asyncio.to_thread(service.briefing, period, topic)
            text = render_briefing(briefing, words)
    except QuestionError as exc:
        said = str(exc)
        text = html.escape(said[:1].upper() + said[1:]) + ". " + words.t(USAGE)
    await message.reply_text(text)


def schedule(application: NewsApp, subscription: Subscription) -> None:
    """(Re)schedule the reader's morning briefing at their hour in their timezone."""
    queue = application.job_queue
    assert queue is not None and subscription.at is not None
    unschedule(application, subscription.user_id)
    queue.run_daily(
        brief_job,
        time=subscription.at.replace(tzinfo=ZoneInfo(subscription.tz)),
        name=job_name(subscription.user_id),
        data=subscription.user_id,
        chat_id=subscription.chat_id,
        user_id=subscription.user_id,
    )


def unschedule(application: NewsApp, user_id: int) -> None:
    if application.job_queue is not None:
        for job in application.job_queue.get_jobs_by_name(job_name(user_id)):
            job.schedule_removal()


def schedule_all(application: NewsApp, deps: BotDeps) -> int:
    """Every reader's morning briefing, at start: subscriptions survive restarts."""
    subscriptions = deps.services.briefs.subscribed()
    for subscription in subscriptions:
        schedule(application, subscription)
    return len(subscriptions)


async def brief_job(context: NewsContext) -> None:
    """One reader's morning briefing: claimed first (once a day at most, in their timezone),
    then sent in the language they asked for it in; nothing is sent when the archive has no
    story of the day. A reader who blocked the bot is dropped."""
    job = context.job
    assert job is not None and isinstance(job.data, int)
    await send_briefing(context.app, context.deps, job.data)


async def send_briefing(
    application: NewsApp, deps: BotDeps, user_id: int, now: datetime | None = None
) -> bool:
    """Whether a briefing was sent to the reader."""
    service = deps.services.briefs
    subscription = await asyncio.to_thread(service.subscription, user_id)
    if subscription is None or subscription.at is None:
        return False
    today = await asyncio.to_thread(service.claim, subscription, now)
    if today is None:
        return False  # sent already today
    briefing = await asyncio.to_thread(
        service.briefing, Period.DAY, subscription.topic, today=today
    )
    if not briefing.stories:
        return False
    try:
        await application.bot.send_message(
            subscription.chat_id, render_briefing(briefing, texts_in(subscription.language))
        )
    except Forbidden:
        await asyncio.to_thread(service.reader_gone, user_id)
        unschedule(application, user_id)
        logger.info("a reader blocked the bot: their briefing was dropped")
        return False
    except TelegramError as exc:
        logger.warning("briefing to %s not sent: %s", user_id, exc)
        return False
    return True

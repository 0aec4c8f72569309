"""What the bot keeps of its readers, and how it lets go of it: /forget deletes one reader's
questions, the answers they got, their votes, their followed topics and their conversation
(after a confirmation button); a daily job deletes questions, answers and votes older than
NEWSBOT_QUESTION_RETENTION_DAYS."""

from __future__ import annotations

import asyncio
import logging

from telegram import Chat, Update

from bot.briefs import unschedule
from bot.buttons import forget_keyboard
from bot.deps import NewsContext, conversation_key
from bot.texts import texts_for

logger = logging.getLogger(__name__)


async def forget(update: Update, context: NewsContext) -> None:
    """/forget: says what is kept of the reader and asks before deleting it."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    deps = context.deps
    words = texts_for(update)
    if update.effective_chat is None or update.effective_chat.type != Chat.PRIVATE:
        await message.reply_text(words.t("Send /forget to me in a private chat."))
        return
    questions, votes = await asyncio.to_thread(deps.services.feedback.held_for, user.id)
    topics = len(await asyncio.to_thread(deps.services.follows.topics, user.id))
    briefing = await asyncio.to_thread(deps.services.briefs.subscription, user.id)
    if not (questions or votes or topics or briefing):
        await message.reply_text(
            words.t("I keep nothing of yours: no questions, votes, topics or briefing.")
        )
        return
    await message.reply_text(
        words.t(
            "I keep your questions with their answers ({questions}), your votes ({votes}), "
            "your followed topics ({topics}) and your briefing settings ({briefing}). Delete "
            "them all?"
        ).format(
            questions=questions,
            votes=votes,
            topics=topics,
            briefing=words.t("yes") if briefing else words.t("none"),
        ),
        reply_markup=forget_keyboard(user.id, words),
    )


async def forget_button(update: Update, context: NewsContext) -> None:
    """🗑 Delete or Keep under /forget's question (`Button.FORGET`)."""
    query = update.callback_query
    assert query is not None and context.matches
    words = texts_for(update)
    choice, owner = context.matches[0].group(1), int(context.matches[0].group(2))
    user_id = query.from_user.id
    if owner != user_id:  # only the reader who asked may answer their question
        await query.answer(words.t("Unknown button."))
        return
    if choice != "yes":
        await query.answer(words.t("Nothing was deleted."))
        return
    deps = context.deps
    questions, votes = await asyncio.to_thread(deps.services.feedback.forget_user, user_id)
    topics = await asyncio.to_thread(deps.services.follows.reader_gone, user_id)
    await asyncio.to_thread(deps.services.briefs.reader_gone, user_id)
    unschedule(context.app, user_id)
    deps.conversations.reset(conversation_key(update))
    logger.info("a reader's data was deleted at their request")  # no id: it is gone
    await query.answer(words.t("Deleted."))
    if query.message is not None:
        await query.edit_message_text(
            words.t(
                "Deleted: your questions with their answers ({questions}), your votes ({votes}), "
                "your followed topics ({topics}), your briefing and our conversation."
            ).format(questions=questions, votes=votes, topics=topics)
        )


async def retention_job(context: NewsContext) -> None:
    """Daily (and at start): questions, answers and votes past their retention go."""
    days = context.deps.settings.question_retention_days
    if not days:
        return
    deleted = await asyncio.to_thread(context.deps.services.feedback.forget_older, days)
    if deleted:
        logger.info("deleted %d question, answer and vote rows older than %d days", deleted, days)

"""Reader-facing handlers: /start, /help, /ask, /reset, questions, buttons, errors."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Chat, Message, MessageEntity, Update

from bot.buttons import answer_keyboard
from bot.deps import BotDeps, NewsContext, conversation_key
from bot.render_html import day, render_answer, render_quotes
from bot.replies import Typing, reply_html
from bot.streaming import LiveDraft
from bot.texts import texts_for, texts_for_question
from retrieval.core.errors import (
    AnswererError,
    EmptyIndexError,
    NewsbotError,
    QuestionError,
    StoreUnavailableError,
    StreamBrokenError,
)
from retrieval.core.i18n import Texts, mark

logger = logging.getLogger(__name__)

# English here; each reader gets them in their language (`t(…)`, bot/locales).
BUSY = mark("I'm still working on your previous question — one at a time, please.")
TOO_FAST = mark(
    "You're asking faster than I can read the archive. Please wait a minute and try again."
)
NOT_ALLOWED = mark("Sorry, this bot is private. Ask its owner to add you.")
FAILED = mark("Sorry, something went wrong while answering. Please try again in a moment.")
STORE_DOWN = mark("Sorry, the archive is unavailable right now. Please try again in a few minutes.")
ANSWERER_DOWN = mark(
    "Sorry, the answering service is not responding. Please try again in a moment."
)
EMPTY = mark("The archive is empty: an admin has to add articles first.")
BROKEN_OFF = mark(
    "⚠️ The language model stopped in the middle of its answer, so there is no answer to show. "
    "Please try again in a moment."
)


def reader_message(exc: NewsbotError, words: Texts) -> str:
    """What a reader is told. Error texts can name hosts and paths; only a question's own
    problem is shown as it is, the rest is logged for the admins."""
    if isinstance(exc, QuestionError):
        return words.t("Sorry — {problem}.").format(problem=html.escape(str(exc)))
    if isinstance(exc, StoreUnavailableError):
        return words.t(STORE_DOWN)
    if isinstance(exc, StreamBrokenError):
        return words.t(BROKEN_OFF)
    if isinstance(exc, AnswererError):
        return words.t(ANSWERER_DOWN)
    return words.t(FAILED)


async def archive_summary(deps: BotDeps, words: Texts) -> str:
    stats = await asyncio.to_thread(deps.services.index.stats)
    if not stats.articles:
        return words.t("The archive is empty for now.")
    known = words.tn("I know {n} article", "I know {n} articles", stats.articles).format(
        n=f"{stats.articles:,}"
    )
    if not (stats.first_published and stats.last_published):
        return f"{known}."
    span = words.t("published {first} to {last}").format(
        first=day(stats.first_published, words), last=day(stats.last_published, words)
    )
    return f"{known}, {span}."


async def start(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    if message is None:
        return
    deps = context.deps
    words = texts_for(update)
    summary = await archive_summary(deps, words)
    topic = " ".join(context.args or []).replace("_", " ").strip()
    hello = words.t("Hello! I answer questions from a news archive, citing every source.")
    lines = [f"{hello} {summary}"]
    if topic:
        lines.append(
            words.t("You came here about <b>{topic}</b>: ask me anything about it.").format(
                topic=html.escape(topic)
            )
        )
    lines.append(words.t(HOW_TO_ASK))
    await message.reply_text("\n\n".join(lines))


HOW_TO_ASK = mark(
    "Just send a question, e.g. <i>Who won the cup final?</i> In groups, use /ask, mention me, "
    "or reply to one of my answers. Follow-up questions keep their context; /reset forgets it. "
    "Tap 📰 Sources under an answer to read the quoted passages."
)


async def help_command(update: Update, context: NewsContext) -> None:
    if update.effective_message is None:
        return
    words = texts_for(update)
    summary = await archive_summary(context.deps, words)
    await update.effective_message.reply_text(f"{summary}\n\n{words.t(HOW_TO_ASK)}")


async def my_id(update: Update, context: NewsContext) -> None:
    """Who am I to the bot: the user id an operator puts in NEWSBOT_ADMIN_IDS (or
    NEWSBOT_ALLOWED_USER_IDS), and the chat id for NEWSBOT_ALLOWED_CHAT_IDS. Anyone may ask:
    it tells them only their own ids."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    words = texts_for(update)
    await message.reply_text(
        words.t(
            "Your Telegram user id: <code>{user}</code>\nThis chat's id: <code>{chat}</code>\n"
            "An operator puts user ids in NEWSBOT_ADMIN_IDS (admins) or NEWSBOT_ALLOWED_USER_IDS, "
            "and group ids in NEWSBOT_ALLOWED_CHAT_IDS."
        ).format(user=user.id, chat=chat.id)
    )


async def reset(update: Update, context: NewsContext) -> None:
    context.deps.conversations.reset(conversation_key(update))
    if update.effective_message:
        await update.effective_message.reply_text(
            texts_for(update).t("Done — I've forgotten our conversation.")
        )


async def ask_command(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or []).strip()
    if not question:
        await message.reply_text(
            texts_for(update).t("Ask me something after the command, e.g. /ask Who won the cup?")
        )
        return
    await answer_question(update, context, question)


def addressed_question(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a group: the question if the bot is mentioned or replied to, else None."""
    text = message.text or ""
    mention = f"@{bot_username}".lower()
    addressed = bool(
        message.reply_to_message
        and message.reply_to_message.from_user
        and message.reply_to_message.from_user.id == bot_id
    )
    for value in message.parse_entities([MessageEntity.MENTION]).values():
        if value.lower() == mention:
            addressed = True
            text = text.replace(value, " ")
    for entity in message.entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            addressed = True
    return " ".join(text.split()) if addressed else None


async def on_text(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not message.text:
        return
    if chat.type == Chat.PRIVATE:
        await answer_question(update, context, message.text)
        return
    question = addressed_question(message, context.bot.username, context.bot.id)
    if question:
        await answer_question(update, context, question)


async def answer_question(update: Update, context: NewsContext, question: str) -> None:
    deps = context.deps
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if message is None or user is None or chat is None:
        return
    words = texts_for_question(update, question)
    if not deps.may_ask(update):
        logger.info("user %s in chat %s is not on the allow-list", user.id, chat.id)
        if chat.type == Chat.PRIVATE:
            await message.reply_text(words.t(NOT_ALLOWED))
        return
    refusal = deps.limiter.try_acquire(user.id)
    if refusal:
        why = BUSY if refusal == "busy" else TOO_FAST
        await message.reply_text(words.t(why), do_quote=True)
        return
    key = conversation_key(update)
    # An LLM answer appears as the model writes it, in one message edited as it grows.
    draft = LiveDraft(message) if deps.services.qa.streams else None
    try:
        async with Typing(message):
            history = deps.conversations.history(key)
            try:
                if draft is not None:
                    draft.start()
                answer = await asyncio.to_thread(
                    deps.services.qa.answer,
                    question,
                    history=history,
                    on_text=draft.update if draft else None,
                )
            except EmptyIndexError:
                await say(message, draft, words.t(EMPTY))
                return
            except NewsbotError as exc:
                logger.warning("question failed: %s", exc)
                await say(message, draft, reader_message(exc, words))
                return
        answer_id = await asyncio.to_thread(
            deps.services.feedback.record, chat.id, user.id, question, answer
        )
        keyboard = answer_keyboard(answer_id, words, with_sources=bool(answer.citations))
        if draft is not None:
            await draft.finish(render_answer(answer), keyboard=keyboard)
        else:
            await reply_html(message, render_answer(answer), keyboard=keyboard)
        deps.conversations.add(key, question, answer.text)
    finally:
        deps.limiter.release(user.id)


async def say(message: Message, draft: LiveDraft | None, text: str) -> None:
    """A message instead of an answer; it replaces the draft when one is on screen."""
    if draft is not None:
        await draft.fail(text)
    else:
        await message.reply_text(text)


async def on_sources(update: Update, context: NewsContext) -> None:
    """📰 Sources under an answer (`Button.SOURCES`): its quotes, as a reply."""
    query = update.callback_query
    assert query is not None and context.matches
    words = texts_for(update)
    answer_id = int(context.matches[0].group(1))
    citations = await asyncio.to_thread(context.deps.services.feedback.citations, answer_id)
    if citations is None:
        await query.answer(words.t("That answer is too old to show its sources."))
        return
    await query.answer()
    if isinstance(query.message, Message):
        await reply_html(query.message, render_quotes(citations, words))


async def on_feedback(update: Update, context: NewsContext) -> None:
    """👍 or 👎 under an answer (`Button.FEEDBACK`)."""
    query = update.callback_query
    assert query is not None and context.matches
    words = texts_for(update)
    answer_id, vote = int(context.matches[0].group(1)), context.matches[0].group(2)
    known = await asyncio.to_thread(
        context.deps.services.feedback.vote, answer_id, query.from_user.id, vote == "u"
    )
    await query.answer(
        words.t("Thanks for the feedback!") if known else words.t("That answer is gone.")
    )


async def on_unknown_button(update: Update, context: NewsContext) -> None:
    """Callback data no button pattern matches: an old keyboard, or forged."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts_for(update).t("Unknown button."))


async def on_error(update: object, context: NewsContext) -> None:
    """The one place unexpected errors land: logged with the traceback, the user told politely."""
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        try:
            await update.effective_message.reply_text(texts_for(update).t(FAILED))
        except Exception:  # the error may be that Telegram is unreachable
            logger.warning("could not tell the user about the error", exc_info=True)

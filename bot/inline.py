"""Inline mode: `@bot question` typed in any chat offers the answer as a result (the short
answer or the answer's opening as its title, the quote below, the sources as links in the
message it posts when picked).

Telegram sends an inline query for every keystroke. A query is answered only once the reader
has paused (`PAUSE_S` with no newer query from them); superseded queries get no answer (Telegram
drops them). Answers are kept a few minutes per question and language (`InlineAnswers`), so
typing the same question again, or a second reader asking it, costs no search. The per-user rate
limit and `NEWSBOT_ALLOWED_USER_IDS` hold as in a private chat; the texts are in the reader's
language, or the question's.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.deps import NewsContext
from bot.handlers import EMPTY, FAILED, NOT_ALLOWED, TOO_FAST
from bot.render_html import render_answer, split_html, strip_tags
from bot.texts import texts_for_question
from retrieval.core.errors import EmptyIndexError, NewsbotError
from retrieval.core.records import Answer

logger = logging.getLogger(__name__)
PAUSE_S = 0.8  # no newer query from the reader for this long: they have stopped typing
SHORTEST = 3  # characters; shorter queries are still being typed
TITLE_CHARS = 64


def _title(answer: Answer) -> str:
    text = answer.short_answer or strip_tags(answer.text)
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def _result(key: str, title: str, html_text: str, description: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=hashlib.sha1(key.encode()).hexdigest()[:32],
        title=title,
        description=description[:200],
        input_message_content=InputTextMessageContent(
            html_text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )


def _notice(text: str) -> list[InlineQueryResultArticle]:
    return [_result(f"notice:{text}", text[:TITLE_CHARS], text, text)]


async def on_inline_query(update: Update, context: NewsContext) -> None:
    query = update.inline_query
    if query is None:
        return
    question = " ".join(query.query.split())
    if len(question) < SHORTEST:
        return
    deps = context.deps
    user = query.from_user
    deps.inline.latest[user.id] = query.id
    await asyncio.sleep(PAUSE_S)
    if deps.inline.latest.get(user.id) != query.id:
        return  # the reader typed on: a newer query answers
    words = texts_for_question(update, question)
    tg = deps.settings.telegram
    if tg.allowed_user_ids and user.id not in tg.allowed_user_ids and not deps.is_admin(user.id):
        await query.answer(_notice(words.t(NOT_ALLOWED)), cache_time=0, is_personal=True)
        return
    answer = deps.inline.get(question, words.language)
    if answer is None:
        if deps.limiter.try_acquire(user.id):
            await query.answer(_notice(words.t(TOO_FAST)), cache_time=0, is_personal=True)
            return
        try:
            answer = await asyncio.to_thread(deps.services.qa.answer, question)
        except EmptyIndexError:
            await query.answer(_notice(words.t(EMPTY)), cache_time=0)
            return
        except NewsbotError as exc:
            logger.warning("inline question failed: %s", exc)
            await query.answer(_notice(words.t(FAILED)), cache_time=0)
            return
        finally:
            deps.limiter.release(user.id)
        deps.inline.keep(question, words.language, answer)
    posted = split_html(render_answer(answer))[0]  # a message holds 4,096 characters
    offered = _result(
        f"{words.language}:{question}", _title(answer), posted, strip_tags(answer.text)
    )
    try:
        # Personal: Telegram's own cache of it serves this reader only, so the allow-list and
        # the rate limit hold for every other reader.
        await query.answer([offered], cache_time=60, is_personal=True)
    except TelegramError as exc:  # e.g. "query is too old": the reader moved on
        logger.info("inline answer not delivered: %s", exc)

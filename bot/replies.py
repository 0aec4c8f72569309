"""Sending answers: HTML split under Telegram's limit, plain-text fallback, typing indicator."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot.render_html import split_html, strip_tags

logger = logging.getLogger(__name__)
TYPING_EVERY_S = 4.5


def rejected_html(exc: BadRequest) -> bool:
    """Whether Telegram refused a message for its formatting (then plain text goes instead)."""
    text = str(exc).lower()
    return "parse" in text or "entit" in text


async def reply_html(
    message: Message, text: str, *, keyboard: InlineKeyboardMarkup | None = None
) -> Message:
    """Reply in as many messages as the limit needs (HTML: the application's default); the
    keyboard goes under the last one. If Telegram rejects the formatting, the same text goes
    out as plain text instead."""
    pieces = split_html(text)
    sent = message
    for index, piece in enumerate(pieces):
        markup = keyboard if index == len(pieces) - 1 else None
        try:
            sent = await message.reply_text(piece, reply_markup=markup, do_quote=index == 0)
        except BadRequest as exc:
            if not rejected_html(exc):
                raise
            logger.warning("Telegram rejected our HTML (%s); sending plain text", exc)
            sent = await message.reply_text(
                strip_tags(piece), parse_mode=None, reply_markup=markup, do_quote=index == 0
            )
    return sent


class Typing:
    """`async with Typing(message):` keeps "typing…" on screen until the block ends."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.message.get_bot().send_chat_action(
                    self.message.chat_id,
                    ChatAction.TYPING,
                    message_thread_id=self.message.message_thread_id
                    if self.message.is_topic_message
                    else None,
                )
            except TelegramError as exc:  # a lost indicator must never cost the answer
                logger.info("typing indicator failed: %s", exc)
            await asyncio.sleep(TYPING_EVERY_S)

    async def __aenter__(self) -> Typing:
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

"""An LLM answer shown as the model writes it: one message, edited at most once a second, whose
last edit is the checked answer (or, when the stream breaks off, a message saying so)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, TelegramError

from bot.render_html import LIMIT, split_html, strip_tags
from bot.replies import rejected_html, reply_html

logger = logging.getLogger(__name__)

# Telegram allows about one edit a second in a chat; drafts never go faster.
EDIT_EVERY_S = 1.0
WRITING = "✍️"


def draft_html(text: str) -> str:
    """The text so far, escaped and marked as still being written; the head of a draft that
    outgrew one message (the final answer is split properly)."""
    body = html.escape(text.strip())
    room = LIMIT - 20
    if len(body) > room:
        body = html.escape(text.strip()[: room // 2]) + " …"
    return f"{body} {WRITING}"


class LiveDraft:
    """Call `update` from any thread with the text so far; `run` (a task on the bot's loop)
    sends the first draft and then edits it, at most once every `every_s`. `finish` or `fail`
    stops the task and leaves the message holding the final text."""

    def __init__(self, message: Message, *, every_s: float = EDIT_EVERY_S) -> None:
        self._message = message
        self._every_s = every_s
        self._loop = asyncio.get_running_loop()
        self._latest = ""
        self._changed = asyncio.Event()
        self._sent: Message | None = None
        self._shown = ""
        self._task: asyncio.Task[None] | None = None
        self._last_at = float("-inf")  # when the message was last sent or edited

    def update(self, text: str) -> None:
        """Thread-safe: the worker thread hands over the text so far."""
        self._loop.call_soon_threadsafe(self._set, text)

    def _set(self, text: str) -> None:
        self._latest = text
        self._changed.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            text = draft_html(self._latest)
            if text == self._shown:
                continue
            try:
                if self._sent is None:
                    self._sent = await self._message.reply_text(text, do_quote=True)
                else:
                    await self._sent.edit_text(text)
                self._shown = text
                self._last_at = self._loop.time()
            except TelegramError as exc:  # a draft that fails is skipped; the final one counts
                logger.info("draft update failed: %s", exc)
            await asyncio.sleep(self._every_s)

    async def _stop(self) -> Message | None:
        """Stop drafting; once the pace allows the next edit, the draft message (if any)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sent is not None:
            await asyncio.sleep(max(0.0, self._last_at + self._every_s - self._loop.time()))
        return self._sent

    async def finish(self, text: str, *, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """The checked answer replaces the draft (the rest, if it is long, follows in new
        messages); with no draft sent, it is sent as a reply."""
        sent = await self._stop()
        if sent is None:
            await reply_html(self._message, text, keyboard=keyboard)
            return
        pieces = split_html(text)
        for index, piece in enumerate(pieces):
            markup = keyboard if index == len(pieces) - 1 else None
            if index == 0:
                await self._edit(sent, piece, markup)
            else:
                await self._message.reply_text(piece, reply_markup=markup)

    async def fail(self, text: str) -> None:
        """No answer (the stream broke off, the archive is empty…): the draft is replaced by
        `text` (HTML), so no half answer stays on screen looking complete."""
        sent = await self._stop()
        if sent is None:
            await self._message.reply_text(text, do_quote=True)
        else:
            await self._edit(sent, text, None)

    async def _edit(self, sent: Message, piece: str, markup: InlineKeyboardMarkup | None) -> None:
        try:
            await sent.edit_text(piece, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            if not rejected_html(exc):
                raise
            logger.warning("Telegram rejected our HTML (%s); sending plain text", exc)
            await sent.edit_text(strip_tags(piece), parse_mode=None, reply_markup=markup)

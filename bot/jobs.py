"""What every admin command shares: the admins-only guard, and a long job run in a thread
while its status message shows each stage (translated) and then its report."""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from bot.deps import NewsContext
from bot.texts import texts_for
from retrieval.core.errors import NewsbotError
from retrieval.core.i18n import Texts, mark
from retrieval.core.records import Stage

logger = logging.getLogger(__name__)
PROGRESS_EVERY_S = 2.0
Handler = Callable[[Update, NewsContext], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def guarded(update: Update, context: NewsContext) -> None:
        user = update.effective_user
        if not context.deps.is_admin(user.id if user else None):
            logger.warning("non-admin %s tried %s", user.id if user else "?", handler.__name__)
            if update.effective_message:
                await update.effective_message.reply_text(
                    texts_for(update).t("Sorry, that command is only for the archive's admins.")
                )
            return
        await handler(update, context)

    return guarded


# The stages a long job reports (records.Progress), for extraction.
STAGES = (
    mark("reading"),
    mark("embedding"),
    mark("lexical"),
    mark("pairs"),
    mark("training"),
    mark("training reranker"),
    mark("questions"),
    mark("training reader"),
    mark("vectors"),
    mark("copying"),
    mark("checksums"),
)


async def run_job(
    status: Message,
    title: str,
    work: Callable[[Callable[[str, int, int], None]], str],
    words: Texts,
) -> None:
    """`work(progress)` in a thread, editing `status` with its progress (throttled) and then
    with the HTML it returns, or with its error."""
    loop = asyncio.get_running_loop()
    last = [0.0]
    pending: list[concurrent.futures.Future[None]] = []

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == Stage.DONE or now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        stage = words.t(stage)
        text = f"{title}: {stage} {done}/{total}" if total else f"{title}: {stage} {done}"
        pending.append(asyncio.run_coroutine_threadsafe(_edit(status, html.escape(text)), loop))

    try:
        final = await asyncio.to_thread(work, progress)
    except NewsbotError as exc:
        final = words.t("{title} failed: {error}").format(
            title=html.escape(title), error=html.escape(str(exc))
        )
    # Progress edits still in flight must not land after the final report.
    await asyncio.gather(*(asyncio.wrap_future(f) for f in pending), return_exceptions=True)
    await _edit(status, final)


async def _edit(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except TelegramError as exc:  # "message is not modified" and the like
        logger.info("status edit skipped: %s", exc)


def track(context: NewsContext, work: Awaitable[None]) -> None:
    """Run in the background so other chats keep being answered meanwhile."""
    context.application.create_task(work)

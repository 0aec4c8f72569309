"""Admin handlers: /reindex, /ingest, documents, /delete, /stats, /sources. Admins only."""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from bot.deps import BotDeps, NewsContext
from bot.render_html import render_latest, render_report, render_stats
from bot.render_live import render_feeds
from retrieval.core.errors import IndexBusyError, NewsbotError
from retrieval.ingest.loaders import SUPPORTED_SUFFIXES, source_suffix

logger = logging.getLogger(__name__)
UPLOAD_TYPES = SUPPORTED_SUFFIXES  # whatever the loaders read
PROGRESS_EVERY_S = 2.0
WEEK_S = 7 * 86400
Handler = Callable[[Update, NewsContext], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def guarded(update: Update, context: NewsContext) -> None:
        user = update.effective_user
        if not context.deps.is_admin(user.id if user else None):
            logger.warning("non-admin %s tried %s", user.id if user else "?", handler.__name__)
            if update.effective_message:
                await update.effective_message.reply_text(
                    "Sorry, that command is only for the archive's admins."
                )
            return
        await handler(update, context)

    return guarded


async def run_sync(
    deps: BotDeps,
    status: Message,
    title: str,
    sources: list[str | Path],
    *,
    full: bool = False,
) -> None:
    """Sync off the event loop, editing `status` with progress (throttled) and the report."""

    def work(progress: Callable[[str, int, int], None]) -> str:
        report = deps.services.index.sync(sources, full=full, progress=progress)
        return render_report(report, f"{title}: done")

    await run_job(status, title, work)


async def run_job(
    status: Message, title: str, work: Callable[[Callable[[str, int, int], None]], str]
) -> None:
    """`work(progress)` in a thread, editing `status` with its progress (throttled) and then
    with the HTML it returns, or with its error."""
    loop = asyncio.get_running_loop()
    last = [0.0]
    pending: list[concurrent.futures.Future[None]] = []

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == "done" or now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        text = f"{title}: {stage} {done}/{total}" if total else f"{title}: {stage} {done}"
        pending.append(asyncio.run_coroutine_threadsafe(_edit(status, html.escape(text)), loop))

    try:
        final = await asyncio.to_thread(work, progress)
    except NewsbotError as exc:
        final = f"{html.escape(title)} failed: {html.escape(str(exc))}"
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


@admin_only
async def reindex(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    args = context.args or []
    full = bool(args) and args[0].lower() == "full"
    if deps.services.index.running:
        await message.reply_text("A re-index is already running; I'll report when it's done.")
        return
    ingest_dir = deps.settings.ingest_dir
    if not ingest_dir.is_dir():
        await message.reply_text(
            f"The ingest directory {html.escape(str(ingest_dir))} does not exist."
        )
        return
    title = "Full re-index" if full else "Re-index"
    status = await message.reply_text(f"{title} started…")  # a fixed title
    track(context, run_sync(deps, status, title, [ingest_dir], full=full))


@admin_only
async def ingest(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    if not context.args:
        await message.reply_text(
            "Usage: /ingest &lt;article or feed URL, or a path in the ingest dir&gt;"
        )
        return
    target = context.args[0]
    source: str | Path
    if re.match(r"https?://", target):
        source = target
    else:
        root = deps.settings.ingest_dir.resolve()
        path = (root / target).resolve()
        if not path.is_relative_to(root) or any(
            part.startswith(".") for part in path.relative_to(root).parts
        ):
            await message.reply_text(
                "Only paths inside the ingest directory, and no hidden files, can be ingested."
            )
            return
        if not path.exists():
            await message.reply_text(
                f"{html.escape(target)} does not exist in the ingest directory."
            )
            return
        source = path
    if deps.services.index.running:
        await message.reply_text("A re-index is running; try again when it has finished.")
        return
    status = await message.reply_text(f"Ingesting {html.escape(target)}…")
    track(context, run_sync(deps, status, "Ingest", [source]))


@admin_only
async def document(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    deps = context.deps
    doc = message.document
    name = Path(doc.file_name or "upload.txt").name
    suffix = source_suffix(Path(name))
    if suffix not in UPLOAD_TYPES:
        kind = html.escape(suffix) or "files without an extension"
        await message.reply_text(f"I can't ingest {kind}: send {', '.join(UPLOAD_TYPES)}.")
        return
    limit = deps.settings.telegram.max_upload_bytes
    if doc.file_size and doc.file_size > limit:
        await message.reply_text(
            f"That file is {doc.file_size:,} bytes; the limit is {limit:,} bytes."
        )
        return
    uploads = deps.settings.ingest_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    telegram_file = await doc.get_file()
    # Hidden while it downloads, so a sync never reads half a file.
    partial = uploads / f".{doc.file_unique_id or 'upload'}-{time.monotonic_ns()}.part"
    await telegram_file.download_to_drive(partial)
    if partial.stat().st_size > limit:
        partial.unlink()
        await message.reply_text(f"That file is larger than the limit of {limit:,} bytes.")
        return
    target = publish_upload(partial, uploads, name)
    safe = target.name
    status = await message.reply_text(f"Ingesting {html.escape(safe)}…")
    track(context, run_sync(deps, status, f"Ingest {safe}", [target]))


def publish_upload(partial: Path, folder: Path, name: str) -> Path:
    """Move a downloaded upload to a new file in `folder` named after `name`: no path parts,
    no leading dot, and never over an existing file (a second `report.txt` becomes
    `report-2.txt`). A hard link fails if the name is taken, so two uploads never race."""
    safe = re.sub(r"[^\w.-]", "_", Path(name).name).lstrip(".") or "upload.txt"
    stem, suffix = Path(safe).stem, Path(safe).suffix
    number = 1
    while True:
        target = folder / (safe if number == 1 else f"{stem}-{number}{suffix}")
        try:
            os.link(partial, target)
        except FileExistsError:
            number += 1
            continue
        partial.unlink()
        return target


@admin_only
async def delete(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    if not context.args:
        await message.reply_text("Usage: /delete &lt;article id or URL&gt;")
        return
    deps = context.deps
    try:
        removed = await asyncio.to_thread(deps.services.index.delete, context.args[0])
    except IndexBusyError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    if removed is None:
        await message.reply_text("No article with that id or URL is in the index.")
    else:
        await message.reply_text(
            f"Deleted “{html.escape(removed.title)}” ({html.escape(removed.id)})."
        )


@admin_only
async def stats(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    index_stats = await asyncio.to_thread(deps.services.index.stats)
    log = deps.services.feedback
    answered, up, down = await asyncio.to_thread(log.counts)
    week = await asyncio.to_thread(log.counts, time.time() - WEEK_S)
    pushed = await asyncio.to_thread(log.pushes)
    feeds = await asyncio.to_thread(deps.services.feeds.all)
    text = render_stats(index_stats, answered=answered, up=up, down=down, pushed=pushed, week=week)
    if feeds:
        text += "\n\n" + render_feeds(feeds)
    await message.reply_text(text)


@admin_only
async def sources(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    try:
        count = max(1, min(50, int(context.args[0]))) if context.args else 10
    except ValueError:
        count = 10
    latest = await asyncio.to_thread(deps.services.index.latest, count)
    if not latest:
        await message.reply_text("The index is empty.")
        return
    await message.reply_text(render_latest(latest))


@admin_only
async def backup(update: Update, context: NewsContext) -> None:
    """Back up the whole archive into a new dated folder under NEWSBOT_BACKUP_DIR, while the
    bot keeps answering; the reply says where it wrote."""
    message = update.effective_message
    assert message is not None
    deps = context.deps
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = (deps.settings.backup_dir or deps.settings.data_dir / "backups") / f"newsbot-{stamp}"
    status = await message.reply_text("Backup started…")

    def work(progress: Callable[[str, int, int], None]) -> str:
        manifest = deps.services.backups.backup(folder, progress=progress)
        return (
            f"Backup done: {manifest.articles} articles, {manifest.passages} passages, "
            f"written to <code>{html.escape(str(folder.resolve()))}</code>"
        )

    track(context, run_job(status, "Backup", work))

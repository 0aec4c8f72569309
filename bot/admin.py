"""Admin handlers: /reindex, /ingest, documents, /delete, /stats, /sources. Admins only."""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from telegram import Message, Update

from bot.chart import DAYS, chart_caption, render_chart
from bot.deps import BotDeps, NewsContext
from bot.jobs import admin_only, run_job, track
from bot.render_html import render_latest, render_report, render_stats
from bot.render_live import render_feeds
from bot.texts import texts_for
from retrieval.core.errors import IndexBusyError
from retrieval.core.i18n import Texts, mark
from retrieval.ingest.loaders import SUPPORTED_SUFFIXES, source_suffix

logger = logging.getLogger(__name__)
UPLOAD_TYPES = SUPPORTED_SUFFIXES  # whatever the loaders read
WEEK_S = 7 * 86400


async def run_sync(
    deps: BotDeps,
    status: Message,
    title: str,
    sources: list[str | Path],
    words: Texts,
    *,
    full: bool = False,
) -> None:
    """Sync off the event loop, editing `status` with progress (throttled) and the report."""

    def work(progress: Callable[[str, int, int], None]) -> str:
        report = deps.services.index.sync(sources, full=full, progress=progress)
        return render_report(report, words.t("{title}: done").format(title=title), words)

    await run_job(status, title, work, words)


@admin_only
async def reindex(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    words = texts_for(update)
    args = context.args or []
    full = bool(args) and args[0].lower() == "full"
    if deps.services.index.running:
        await message.reply_text(
            words.t("A re-index is already running; I'll report when it's done.")
        )
        return
    ingest_dir = deps.settings.ingest_dir
    if not ingest_dir.is_dir():
        await message.reply_text(
            words.t("The ingest directory {path} does not exist.").format(
                path=html.escape(str(ingest_dir))
            )
        )
        return
    title = words.t("Full re-index") if full else words.t("Re-index")
    status = await message.reply_text(words.t("{title} started…").format(title=title))
    track(context, run_sync(deps, status, title, [ingest_dir], words, full=full))


@admin_only
async def ingest(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    words = texts_for(update)
    t = words.t
    if not context.args:
        await message.reply_text(
            t("Usage: /ingest &lt;article or feed URL, or a path in the ingest dir&gt;")
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
                t("Only paths inside the ingest directory, and no hidden files, can be ingested.")
            )
            return
        if not path.exists():
            await message.reply_text(
                t("{path} does not exist in the ingest directory.").format(path=html.escape(target))
            )
            return
        source = path
    if deps.services.index.running:
        await message.reply_text(t(BUSY_INDEX))
        return
    status = await message.reply_text(t("Ingesting {name}…").format(name=html.escape(target)))
    track(context, run_sync(deps, status, t("Ingest"), [source], words))


BUSY_INDEX = mark("A re-index is running; try again when it has finished.")


@admin_only
async def document(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    deps = context.deps
    words = texts_for(update)
    t = words.t
    doc = message.document
    name = Path(doc.file_name or "upload.txt").name
    suffix = source_suffix(Path(name))
    if suffix not in UPLOAD_TYPES:
        kind = html.escape(suffix) or t("files without an extension")
        await message.reply_text(
            t("I can't ingest {kind}: send {types}.").format(
                kind=kind, types=", ".join(UPLOAD_TYPES)
            )
        )
        return
    limit = deps.settings.telegram.max_upload_bytes
    if doc.file_size and doc.file_size > limit:
        await message.reply_text(
            t("That file is {size} bytes; the limit is {limit} bytes.").format(
                size=f"{doc.file_size:,}", limit=f"{limit:,}"
            )
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
        await message.reply_text(
            t("That file is larger than the limit of {limit} bytes.").format(limit=f"{limit:,}")
        )
        return
    target = publish_upload(partial, uploads, name)
    safe = target.name
    status = await message.reply_text(t("Ingesting {name}…").format(name=html.escape(safe)))
    track(context, run_sync(deps, status, t("Ingest {name}").format(name=safe), [target], words))


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
    t = texts_for(update).t
    if not context.args:
        await message.reply_text(t("Usage: /delete &lt;article id or URL&gt;"))
        return
    deps = context.deps
    try:
        removed = await asyncio.to_thread(deps.services.index.delete, context.args[0])
    except IndexBusyError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    if removed is None:
        await message.reply_text(t("No article with that id or URL is in the index."))
    else:
        await message.reply_text(
            t("Deleted “{title}” ({id}).").format(
                title=html.escape(removed.title), id=html.escape(removed.id)
            )
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
    words = texts_for(update)
    text = render_stats(
        index_stats, words, answered=answered, up=up, down=down, pushed=pushed, week=week
    )
    if feeds:
        text += "\n\n" + render_feeds(feeds, words)
    await message.reply_text(text)
    since = time.time() - DAYS * 86400
    daily = await asyncio.to_thread(log.daily, DAYS)
    if any(a or r for _, a, r in daily):
        topics = await asyncio.to_thread(deps.services.questions.grouped, since)
        png = await asyncio.to_thread(render_chart, daily, topics, words)
        caption = html.escape(chart_caption(daily, topics, words))
        await message.reply_photo(png, caption=caption)


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
    words = texts_for(update)
    if not latest:
        await message.reply_text(words.t("The index is empty."))
        return
    await message.reply_text(render_latest(latest, words))


@admin_only
async def backup(update: Update, context: NewsContext) -> None:
    """Back up the whole archive into a new dated folder under NEWSBOT_BACKUP_DIR, while the
    bot keeps answering; the reply says where it wrote."""
    message = update.effective_message
    assert message is not None
    deps = context.deps
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = (deps.settings.backup_dir or deps.settings.data_dir / "backups") / f"newsbot-{stamp}"
    words = texts_for(update)
    status = await message.reply_text(words.t("Backup started…"))

    def work(progress: Callable[[str, int, int], None]) -> str:
        manifest = deps.services.backups.backup(folder, progress=progress)
        return words.t(
            "Backup done: {articles} articles, {passages} passages, written to <code>{path}</code>"
        ).format(
            articles=manifest.articles,
            passages=manifest.passages,
            path=html.escape(str(folder.resolve())),
        )

    track(context, run_job(status, words.t("Backup"), work, words))

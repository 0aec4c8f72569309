"""/adapt: fine-tune the embedding model on the archive, list its versions, switch between
them. Admins only; it runs like /reindex (in a thread, one at a time, progress edited in)."""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import Update

from bot.admin import admin_only, run_job, track
from bot.deps import NewsContext

USAGE = (
    "/adapt — fine-tune the model on the archive and switch to it\n"
    "/adapt list — the versions\n"
    "/adapt use original|v2 — re-embed the index with that version"
)


@admin_only
async def adapt(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    models = deps.services.models
    args = [a.lower() for a in context.args or []]
    if args[:1] == ["list"]:
        lines = ["<b>Model versions</b>"]
        for version in models.versions():
            mark = "▶️" if version.active else "•"
            lines.append(f"{mark} <b>{version.name}</b>: {html.escape(version.summary)}")
        await message.reply_text("\n".join(lines))
        return
    if args and (args[0] != "use" or len(args) != 2):
        await message.reply_text(USAGE)
        return
    if models.running or deps.services.index.running:
        await message.reply_text("A re-index or an adaptation is running; try again after it.")
        return
    work: Callable[[Callable[[str, int, int], None]], str]
    if args:
        name = args[1]
        title = f"Switching to {name}"

        def work(progress: Callable[[str, int, int], None]) -> str:
            report = models.use(name, progress=progress)
            return (
                f"<b>Now serving with {html.escape(name)}</b>\n"
                f"{report.chunks} passages re-embedded in {report.seconds / 60:.1f} min"
            )

    else:
        title = "Adapting the model"

        def work(progress: Callable[[str, int, int], None]) -> str:
            report = models.adapt(progress=progress)
            return (
                f"<b>Adapted model in use</b>\n{html.escape(report.summary())}\n"
                "Back to the original: /adapt use original"
            )

    status = await message.reply_text(f"{html.escape(title)}…")
    track(context, run_job(status, title, work))

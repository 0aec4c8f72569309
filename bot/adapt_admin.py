"""/adapt: fine-tune the embedding model on the archive, list its versions, switch between
them. Admins only; it runs like /reindex (in a thread, one at a time, progress edited in)."""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import Update

from bot.deps import NewsContext
from bot.jobs import admin_only, run_job, track
from bot.texts import texts_for
from retrieval.core.i18n import mark

USAGE = mark(
    "/adapt — fine-tune the model on the archive and switch to it\n"
    "/adapt reader — train a reader that picks the answering sentence\n"
    "/adapt list — the versions\n"
    "/adapt use original|v2|r1 — serve with that version"
)


@admin_only
async def adapt(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None
    deps = context.deps
    models = deps.services.models
    args = [a.lower() for a in context.args or []]
    words = texts_for(update)
    t = words.t
    if args[:1] == ["list"]:
        lines = ["<b>" + t("Model versions") + "</b>"]
        for version in models.versions():
            bullet = "▶️" if version.active else "•"
            lines.append(f"{bullet} <b>{version.name}</b>: {html.escape(version.summary)}")
        await message.reply_text("\n".join(lines))
        return
    if args and args != ["reader"] and (args[0] != "use" or len(args) != 2):
        await message.reply_text(t(USAGE))
        return
    if models.running or deps.services.index.running:
        await message.reply_text(t("A re-index or an adaptation is running; try again after it."))
        return
    work: Callable[[Callable[[str, int, int], None]], str]
    if args == ["reader"]:
        title = t("Training a reader")

        def work(progress: Callable[[str, int, int], None]) -> str:
            report = models.adapt_reader(progress=progress)
            title = t("Trained reader in use")
            back = t("Back to the hand-written picker: /adapt use original")
            return f"<b>{title}</b>\n{html.escape(report.summary())}\n{back}"

    elif args:
        name = args[1]
        title = t("Switching to {name}").format(name=name)

        def work(progress: Callable[[str, int, int], None]) -> str:
            report = models.use(name, progress=progress)
            done = (
                t("{n} passages re-embedded in {minutes} min").format(
                    n=report.chunks, minutes=f"{report.seconds / 60:.1f}"
                )
                if report.chunks
                else t("Nothing to re-embed.")
            )
            serving = t("Now serving with {name}").format(name=html.escape(name))
            return f"<b>{serving}</b>\n{done}"

    else:
        title = t("Adapting the model")

        def work(progress: Callable[[str, int, int], None]) -> str:
            report = models.adapt(progress=progress)
            title = t("Adapted model in use")
            back = t("Back to the original: /adapt use original")
            return f"<b>{title}</b>\n{html.escape(report.summary())}\n{back}"

    status = await message.reply_text(f"{html.escape(title)}…")
    track(context, run_job(status, title, work, words))

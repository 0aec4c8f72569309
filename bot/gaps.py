"""Weekly, to the admins: what readers asked that the archive could not answer, questions that
mean the same thing counted together (the newsroom's list of stories it does not have). On by
default (NEWSBOT_GAPS_WEEKLY); Mondays at 08:00 UTC. No reader ids."""

from __future__ import annotations

import asyncio
import html
import logging
import time

from telegram.error import TelegramError

from bot.deps import NewsContext
from bot.texts import texts_in
from retrieval.answer.gaps import AskedGroup
from retrieval.core.i18n import Texts

logger = logging.getLogger(__name__)
WEEK_S = 7 * 86400
SHOWN = 10


def render_gaps(groups: list[AskedGroup], asked: int, words: Texts) -> str:
    title = words.t("<b>Asked this week, not in the archive</b>")
    if not groups:
        return (
            title
            + "\n"
            + words.t("Every one of this week's {n} questions was answered.").format(n=asked)
        )
    lines = [title]
    for n, group in enumerate(groups[:SHOWN], start=1):
        times = words.tn("asked {n} time", "asked {n} times", group.count).format(n=group.count)
        question = group.question if len(group.question) <= 200 else group.question[:199] + "…"
        lines.append(f"{n}. {html.escape(question)} — {times}")
    if len(groups) > SHOWN:
        lines.append(
            words.t("… and {n} more: newsbot questions --refused").format(n=len(groups) - SHOWN)
        )
    return "\n".join(lines)


async def gaps_job(context: NewsContext) -> None:
    deps = context.deps
    settings = deps.settings
    if not settings.gaps_weekly or not settings.telegram.admin_ids:
        return
    since = time.time() - WEEK_S
    service = deps.services.questions
    asked = await asyncio.to_thread(service.asked, since)
    if not asked:
        return  # nobody asked anything: nothing to report
    groups = await asyncio.to_thread(service.grouped, since, refused=True)
    text = render_gaps(groups, len(asked), texts_in(settings.telegram.language))
    for admin_id in settings.telegram.admin_ids:
        try:
            await context.bot.send_message(admin_id, text)
        except TelegramError as exc:  # e.g. the admin has not started a chat with the bot
            logger.warning("weekly report to %s not sent: %s", admin_id, exc)

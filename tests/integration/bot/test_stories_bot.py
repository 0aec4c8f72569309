"""Stories in Telegram (issue 36, item 2): the real bot over the fake Bot API, with the real
engine (the bundled model) on a small archive of fictional wire copies. A reader is cited one
copy of a story with the other outlets that ran it, in English and in Russian, also under the
Sources button; an admin's /stats counts stories beside articles."""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from retrieval.engine import build_engine
from tests.fakes.telegram_server import BOT_ID, FakeBotAPI
from tests.support.stories import ARCHIVE
from tests.support.telegram import ADMIN, BotHarness, answer_to, bot_settings, start_bot, stop_bot
from tests.support.vectors import RememberedVectors

pytestmark = pytest.mark.slow

# The berth story's outlets, its earliest copy first (the same day: by id).
BERTH_OUTLETS = ["Coastal Times", "Metro Wire", "Valley Herald"]


@pytest.fixture
async def wire_bot(
    tmp_path: Path, api: FakeBotAPI, remembered_model: RememberedVectors
) -> AsyncIterator[BotHarness]:
    settings = bot_settings(tmp_path, api)
    retrieval = settings.retrieval.model_copy(update={"min_passage_score": 0.85})
    settings = settings.model_copy(update={"retrieval": retrieval})
    engine = build_engine(settings, embedder=remembered_model, today=lambda: date(2025, 5, 1))
    engine.services.index.sync([ARCHIVE])
    app = await start_bot(settings, engine.services, api)
    try:
        yield BotHarness(api, app, engine, settings)
    finally:
        await stop_bot(app)


def source_lines(text: str) -> list[str]:
    return [line for line in html.unescape(text).splitlines() if line.startswith("[")]


async def sources_shown(h: BotHarness, reply: Any, user_id: int) -> str:
    """What the 📰 Sources button under `reply` shows."""
    button = reply.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    message = {
        "message_id": 999,
        "date": 0,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Newsbot"},
        "text": "answer",
    }
    h.api.press(button, message, user_id=user_id)
    found = await h.api.wait_for(
        lambda: [c for c in h.api.sent(chat_id=user_id) if "<blockquote expandable>" in c.text]
    )
    return str(found[0].text)


async def test_an_english_reader_is_told_who_else_reported_it(wire_bot: BotHarness) -> None:
    api = wire_bot.api
    reply = await answer_to(
        wire_bot, api.message("When will the new container berth at Saltmere open?", user_id=21)
    )
    assert "14 March" in reply.text
    (berth,) = [line for line in source_lines(reply.text) if "berth" in line.lower()]
    # One line for the story: its outlet, then the two others that ran a copy.
    outlet = next(name for name in BERTH_OUTLETS if f"— {name}, " in berth)
    others = [name for name in BERTH_OUTLETS if name != outlet]
    assert berth.endswith(" · also reported by " + ", ".join(others))
    quotes = await sources_shown(wire_bot, reply, 21)
    assert "also reported by" in quotes and all(name in quotes for name in others)


async def test_a_russian_reader_is_told_who_else_reported_it(wire_bot: BotHarness) -> None:
    api = wire_bot.api
    reply = await answer_to(
        wire_bot,
        api.message(
            "Когда откроется новый причал в порту Салтмер?", user_id=22, language_code="ru"
        ),
    )
    assert "14 марта" in reply.text and "<b>Источники</b>" in reply.text
    (line,) = [x for x in source_lines(reply.text) if "причал" in x.lower()]
    named = {"Балтийская лента", "Вестник Приморья"}
    outlet = next(name for name in named if f"— {name}, " in line)
    assert line.endswith(" · также сообщили " + (named - {outlet}).pop())


async def test_stats_count_stories_beside_articles(wire_bot: BotHarness) -> None:
    api = wire_bot.api
    stats = await answer_to(wire_bot, api.message("/stats", user_id=ADMIN))
    assert "<b>Articles:</b> 10" in stats.text and "<b>Stories:</b> 6" in stats.text
    russian = await answer_to(wire_bot, api.message("/stats", user_id=ADMIN, language_code="ru"))
    assert "<b>Статьи:</b> 10" in russian.text and "<b>Сюжеты:</b> 6" in russian.text


def test_the_cli_counts_stories_and_cites_the_other_outlets(
    tmp_path: Path, remembered_model: RememberedVectors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`newsbot stats` and `newsbot ask`, the real commands on the same archive, run from an
    empty directory (no caller's `.env`)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> str:
        result = CliRunner().invoke(
            app,
            list(args),
            env={"NEWSBOT_DATA_DIR": str(tmp_path / "data")},
            catch_exceptions=False,
            obj=lambda settings: build_engine(settings, embedder=remembered_model).services,
        )
        assert result.exit_code == 0, result.output
        return result.output

    run("ingest", str(ARCHIVE))
    assert json.loads(run("stats", "--json"))["stories"] == 6
    assert "stories (copies counted once)" in run("stats")
    answer = run("ask", "When will the new container berth at Saltmere open?")
    assert " — also reported by " in answer

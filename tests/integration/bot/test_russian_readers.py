"""Readers answered in their language (issue 24): the real bot over the fake Bot API, on the
Russian sample archive. A reader whose Telegram is set to Russian gets the bot's texts in
Russian; a question asked in Russian is answered in Russian whatever the app's language; an
English reader keeps English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.render_html import render_answer
from retrieval.core.records import Answer, Citation
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import ROOT
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.telegram import BotHarness, answer_to, bot_settings, start_bot, stop_bot


@pytest.fixture
async def russian(tmp_path: Path, api: FakeBotAPI) -> AsyncIterator[BotHarness]:
    settings = bot_settings(tmp_path, api)
    engine = build_engine(settings, embedder=HashEmbedder())
    engine.services.index.sync([ROOT / "samples" / "archive-ru"])
    app = await start_bot(settings, engine.services, api)
    try:
        yield BotHarness(api, app, engine, settings)
    finally:
        await stop_bot(app)


def buttons(reply: Any) -> list[str]:
    return [b["text"] for row in reply.params["reply_markup"]["inline_keyboard"] for b in row]


async def test_a_russian_reader_gets_russian_texts_and_answers(russian: BotHarness) -> None:
    api = russian.api
    start = await answer_to(russian, api.message("/start", language_code="ru"))
    assert start.text.startswith("Здравствуйте!")
    assert "Я знаю 22 статьи, опубликованных с 20 янв. 2025 по 17 июн. 2025" in start.text
    help_reply = await answer_to(russian, api.message("/help", language_code="ru-RU"))
    assert "Просто пришлите вопрос" in help_reply.text

    reply = await answer_to(
        russian, api.message("Кто назначен главным тренером ФК «Белоозёрск»?", language_code="ru")
    )
    assert "Савченко" in reply.text and "<b>Источники</b>" in reply.text
    assert "Спорт Приморья, 02 июн. 2025" in reply.text
    assert "· RU" not in reply.text  # a Russian story for a Russian reader: no language mark
    assert buttons(reply)[0] == "📰 Источники"

    silent = await answer_to(
        russian, api.message("Кто выиграл чемпионат мира по хоккею?", language_code="ru")
    )
    assert silent.text.startswith("В архиве нет ответа")
    reset = await answer_to(russian, api.message("/reset", language_code="ru"))
    assert reset.text == "Готово — я забыл наш разговор."


async def test_the_question_language_wins_over_the_app_language(russian: BotHarness) -> None:
    api = russian.api
    reply = await answer_to(
        russian, api.message("Сколько стоило строительство моста через Сороку?", language_code="en")
    )
    assert "9 млрд" in reply.text and "<b>Источники</b>" in reply.text
    english = await answer_to(russian, api.message("/help", language_code="en"))
    assert english.text.startswith("I know 22 articles")
    other = await answer_to(russian, api.message("/help", language_code="de"))
    assert other.text.startswith("I know 22 articles")  # no German catalogue: English


def test_a_citation_in_another_language_than_the_answer_says_which() -> None:
    """An English reader answered from a Russian story sees "· RU" after its date; a Russian
    reader answered from it sees no mark, and Russian headings and dates."""
    citation = Citation(
        1, "a", "Паром", "Новости Приморья", date(2025, 4, 3), "", "Паром ходит.", language="ru"
    )
    english = render_answer(Answer("The ferry runs. [1]", [citation], language="en"))
    assert "Новости Приморья, 03 Apr 2025 · RU" in english and "<b>Sources</b>" in english
    russian = render_answer(Answer("Паром ходит. [1]", [citation], language="ru"))
    assert "Новости Приморья, 03 апр. 2025\n" in russian + "\n" and "· RU" not in russian
    assert "<b>Источники</b>" in russian

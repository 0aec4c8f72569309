"""Readers in Azerbaijani (issue 35, item 3): the real bot over the fake Bot API. A reader whose
Telegram is set to Azerbaijani gets the bot's texts, buttons, menu and dates in Azerbaijani;
a question asked in Azerbaijani is refused in Azerbaijani when the archive does not answer it."""

from __future__ import annotations

from pathlib import Path

from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import ROOT
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.telegram import BotHarness, answer_to, bot_settings, start_bot, stop_bot


async def test_an_azerbaijani_reader_gets_azerbaijani_texts(harness: BotHarness) -> None:
    api = harness.api
    start = await answer_to(harness, api.message("/start", language_code="az"))
    assert start.text.startswith("Salam!")
    # Babel's Azerbaijani dates: "15 iyl 2024" and "18 iyn 2025" for July and June.
    assert "30 məqalə bilirəm, 15 iyl 2024 – 18 iyn 2025 tarixlərində dərc olunub" in start.text
    reset = await answer_to(harness, api.message("/reset", language_code="az"))
    assert reset.text == "Hazırdır — söhbətimizi unutdum."
    refused = await answer_to(
        harness, api.message("Dünya çempionatında kim qalib gəldi?", language_code="az")
    )
    assert refused.text.startswith("Arxivdə bu barədə heç nə yoxdur")
    answered = await answer_to(
        harness, api.message("How many jobs will Corvanta cut?", language_code="az")
    )
    keyboard = answered.params["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0]["text"] == "📰 Mənbələr"  # the reader's buttons, the question's answer
    assert "600" in answered.text


async def test_azerbaijani_in_cyrillic_letters_is_answered_with_what_to_do(
    harness: BotHarness,
) -> None:
    """Azerbaijani typed in its old Cyrillic alphabet is recognised, never searched (its words
    meet no Latin-script passage), and the reader is told in Azerbaijani to write in Latin
    letters, whatever their Telegram's language."""
    question = "Дүнја чемпионатында ким галиб ҝәлди?"
    reply = await answer_to(harness, harness.api.message(question))  # no language set
    assert reply.text.startswith("Azərbaycan dilində yalnız latın əlifbası ilə yazılanı")
    assert "«Kim qalib gəldi?»" in reply.text
    answer = harness.services.qa.answer(question)
    assert answer.refused and answer.passages == [] and answer.citations == []


async def test_an_azerbaijani_reader_is_answered_from_the_azerbaijani_archive(
    tmp_path: Path, api: FakeBotAPI
) -> None:
    settings = bot_settings(tmp_path, api)
    engine = build_engine(settings, embedder=HashEmbedder())
    engine.services.index.sync([ROOT / "samples" / "archive-az"])
    app = await start_bot(settings, engine.services, api)
    harness = BotHarness(api, app, engine, settings)
    try:
        reply = await answer_to(
            harness, api.message("Azərbaycan Kubokunu hansı komanda qazanıb?", language_code="az")
        )
        assert reply.text.startswith("<b>Xəzər Ulduzu.</b>") and "<b>Mənbələr</b>" in reply.text
        assert "Report, 25 may 2025" in reply.text
        follow = await answer_to(harness, api.message("Bəs kim iki qol vurub?", language_code="az"))
        assert "Fuad Hüseynli" in follow.text
    finally:
        await stop_bot(app)

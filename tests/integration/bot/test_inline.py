"""Inline mode through the fake Bot API with the real engine (issue 36, item 1): a burst of
keystrokes gets one answer, once the reader pauses; the answer is offered with its short
answer as the title and posted with its sources; a silent archive refuses politely, in the
reader's language; the allow-list and the rate limit hold."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.telegram_server import FakeBotAPI
from tests.support.telegram import ADMIN, BotHarness


async def answered(api: FakeBotAPI, query_id: str) -> Any:
    found = await api.wait_for(
        lambda: [
            c for c in api.sent("answerInlineQuery") if c.params["inline_query_id"] == query_id
        ]
    )
    return found[0]


def offered(call: Any) -> list[dict[str, Any]]:
    results = call.params["results"]
    return list(results)


async def test_a_burst_of_keystrokes_gets_one_answer(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import inline

    # A pause longer than the burst can take on a slow machine: the keystrokes all arrive
    # before the first one's pause ends, whatever the machine.
    monkeypatch.setattr(inline, "PAUSE_S", 3.0)
    api = harness.api
    searches: list[str] = []
    answer = harness.services.qa.answer

    def counted(question: str, **kwargs: Any) -> Any:
        searches.append(question)
        return answer(question, **kwargs)

    monkeypatch.setattr(harness.services.qa, "answer", counted)
    question = "Who is the new head coach of Kelby Rovers?"
    typed = [api.inline(question[:n], user_id=51) for n in range(12, len(question) + 1, 6)]
    last = api.inline(question, user_id=51)
    call = await answered(api, last)
    assert [c.params["inline_query_id"] for c in api.sent("answerInlineQuery")] == [last]
    assert len(typed) >= 4 and searches == [question]  # every earlier keystroke superseded
    # Telegram may keep it for this reader only: others go through the allow-list and limit.
    assert call.params["is_personal"] in (True, "true")
    (result,) = offered(call)
    assert result["type"] == "article" and "Rafael Mendes" in result["title"]
    message = result["input_message_content"]
    assert message["parse_mode"] == "HTML" and "[1]" in message["message_text"]
    assert (
        '<a href="https://example.org/northline/2025/06/08/rovers-coach">'
        in (message["message_text"])
    )
    # The same question again, by another reader: answered from what was kept.
    again = await answered(api, api.inline(question, user_id=52))
    assert offered(again)[0]["input_message_content"] == message
    assert searches == [question]  # no second search


async def test_a_silent_archive_refuses_inline_in_the_readers_language(harness: BotHarness) -> None:
    api = harness.api
    call = await answered(api, api.inline("Кто выиграл чемпионат мира по хоккею?", user_id=53))
    (result,) = offered(call)
    assert result["input_message_content"]["message_text"].startswith("В архиве нет ответа")


@pytest.mark.parametrize("telegram_overrides", [{"allowed_user_ids": [54]}])
async def test_inline_answers_respect_the_allow_list(harness: BotHarness) -> None:
    api = harness.api
    refused = await answered(api, api.inline("How many jobs will Corvanta cut?", user_id=55))
    assert offered(refused)[0]["title"].startswith("Sorry, this bot is private")
    allowed = await answered(api, api.inline("How many jobs will Corvanta cut?", user_id=54))
    assert "600" in offered(allowed)[0]["input_message_content"]["message_text"]
    admin = await answered(api, api.inline("How many jobs will Corvanta cut?", user_id=ADMIN))
    assert "600" in offered(admin)[0]["input_message_content"]["message_text"]


@pytest.mark.parametrize("telegram_overrides", [{"questions_per_minute": 1}])
async def test_inline_answers_keep_the_rate_limit(harness: BotHarness) -> None:
    api = harness.api
    first = await answered(api, api.inline("How many jobs will Corvanta cut?", user_id=56))
    assert "600" in offered(first)[0]["input_message_content"]["message_text"]
    second = await answered(api, api.inline("Who won the national cup final?", user_id=56))
    assert offered(second)[0]["title"].startswith("You're asking faster")
    # A question already answered is served from what was kept, without a search.
    kept = await answered(api, api.inline("How many jobs will Corvanta cut?", user_id=56))
    assert "600" in offered(kept)[0]["input_message_content"]["message_text"]

"""Telegram misbehaving: 429s, 5xx, stalls and dropped connections. Every answer still arrives,
and arrives once."""

from __future__ import annotations

import pytest

from bot import handlers
from tests.support.telegram import BotHarness, handled, replies_to

pytestmark = pytest.mark.slow

QUESTIONS = [
    ("Who won the national cup final?", "Harborview FC"),
    ("How many jobs will Corvanta cut?", "600"),
    ("Who is the new head coach of Kelby Rovers?", "Rafael Mendes"),
    ("How long is the new bridge over the Aster River?", "1.4"),
    ("How much money did the start-up Lumora raise?", "Lumora"),
]


async def test_every_answer_is_delivered_once_through_bot_api_faults(harness: BotHarness) -> None:
    api = harness.api
    # Each answer meets one fault, then its retry goes through.
    api.faults["sendMessage"] = ["429", "ok", "500", "ok", "drop", "ok", "timeout", "ok", "500"]
    api.faults["getUpdates"] = ["500", "ok", "drop"]
    asked = []
    for user, (question, expected) in enumerate(QUESTIONS, start=200):
        message = api.message(question, user_id=user)
        asked.append((message, expected))
        await handled(harness, message)  # one at a time: each meets the next fault
    for message, expected in asked:
        replies = replies_to(harness, message)
        assert len(replies) == 1, [r.text for r in replies]
        assert expected in replies[0].text and replies[0].text != handlers.FAILED
    assert [f for _, f in api.faults_injected].count("timeout") == 1
    assert api.faults == {"sendMessage": [], "getUpdates": []}  # every fault was met

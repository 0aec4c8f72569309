"""LLM answers in Telegram appear as the model writes them: one message, edited at most once a
second, whose last edit is the checked answer. Through the real bot, the fake Bot API and a
streaming fake OpenAI-compatible endpoint; the test holds the stream with events."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.handlers import BROKEN_OFF
from bot.streaming import WRITING
from tests.fakes.openai_server import FakeOpenAI, Stream, fake_openai
from tests.fakes.telegram_server import FakeBotAPI, Sent
from tests.support.telegram import BotHarness, SampleIndex, bot_settings, handled, serving

QUESTION = "Who is the new head coach of Kelby Rovers?"


def passage_number(messages: list[dict[str, Any]], needle: str) -> int:
    """The number the prompt gives the passage that holds `needle`."""
    prompt = messages[-1]["content"]
    starts = list(re.finditer(r"(?m)^\[(\d+)\] ", prompt[: prompt.index(needle)]))
    return int(starts[-1].group(1))


class Streams:
    """What the fake endpoint streams next, built from the prompt it gets."""

    def __init__(self) -> None:
        self.next: Stream | None = None
        self.hold_after: int | None = None
        self.break_after: int | None = None

    def __call__(self, messages: list[dict[str, Any]]) -> Stream:
        n = passage_number(messages, "Rafael Mendes")
        self.next = Stream(
            [
                "Kelby Rovers ",
                "have appointed ",
                "Rafael Mendes ",
                f"as head coach [{n}]. ",
                "The club paid ",
                "42 million euros ",
                f"for him [{n}].",
            ],
            hold_after=self.hold_after,
            break_after=self.break_after,
        )
        return self.next


@pytest.fixture
def streams() -> Iterator[tuple[Streams, FakeOpenAI]]:
    script = Streams()
    with fake_openai(script) as fake:
        yield script, fake


@pytest.fixture
async def llm_bot(
    tmp_path: Path,
    api: FakeBotAPI,
    sample_index: SampleIndex,
    streams: tuple[Streams, FakeOpenAI],
) -> AsyncIterator[BotHarness]:
    settings = bot_settings(tmp_path, api, sample_index)
    llm = settings.llm.model_copy(update={"base_url": streams[1].base_url, "model": "fake"})
    settings = settings.model_copy(update={"answerer": "llm", "llm": llm})
    async with serving(settings, api, sample_index) as harness:
        yield harness


async def first_draft(h: BotHarness, question: dict[str, Any]) -> Sent:
    def drafts() -> list[Sent]:
        return [
            c
            for c in h.api.sent("sendMessage")
            if c.params.get("reply_parameters", {}).get("message_id") == question["message_id"]
        ]

    found = await h.api.wait_for(drafts)
    return found[0]


async def test_the_answer_grows_in_one_message_and_ends_as_the_checked_one(
    llm_bot: BotHarness, streams: tuple[Streams, FakeOpenAI]
) -> None:
    script, _ = streams
    script.hold_after = 6  # held right after "42 million euros"
    h = llm_bot
    question = h.api.message(QUESTION)
    draft = await first_draft(h, question)
    assert draft.text.endswith(WRITING) and "Sources" not in draft.text
    assert "Kelby Rovers" in draft.text

    def drafts_with_the_figure() -> list[Sent]:
        return [
            c
            for c in h.api.calls
            if c.method in ("sendMessage", "editMessageText")
            and "42 million" in c.text
            and WRITING in c.text
        ]

    # The sentence the check will drop is on screen while the model writes it.
    await h.api.wait_for(drafts_with_the_figure)
    assert script.next is not None and script.next.held.is_set()  # the model is still writing
    script.next.release.set()

    def final() -> list[Sent]:
        return [c for c in h.api.sent("editMessageText") if "<b>Sources</b>" in c.text]

    last = (await h.api.wait_for(final))[-1]
    message_id = int(last.params["message_id"])
    sends = [c for c in h.api.sent("sendMessage") if "Kelby" in c.text or WRITING in c.text]
    assert len(sends) == 1  # one message, edited as it grows
    assert "Rafael Mendes" in last.text and "[1]" in last.text and WRITING not in last.text
    # The check dropped the sentence whose figure no passage holds: it was on screen while the
    # model wrote it, and is gone from the final edit.
    assert "42 million" not in last.text
    edits = [c for c in h.api.sent("editMessageText") if int(c.params["message_id"]) == message_id]
    buttons = [
        b["callback_data"] for row in last.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert buttons[0].startswith("src:")
    times = [draft.at] + [c.at for c in edits]
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(times)), times


async def test_a_stream_that_breaks_off_leaves_no_half_answer(
    llm_bot: BotHarness, streams: tuple[Streams, FakeOpenAI]
) -> None:
    script, _ = streams
    script.hold_after, script.break_after = 2, 4
    h = llm_bot
    question = h.api.message(QUESTION)
    draft = await first_draft(h, question)
    assert "Kelby Rovers" in draft.text
    assert script.next is not None
    script.next.release.set()

    def broken() -> list[Sent]:
        return [c for c in h.api.sent("editMessageText") if "stopped in the middle" in c.text]

    last = (await h.api.wait_for(broken))[-1]
    assert last.text == BROKEN_OFF
    # The message's last state is the notice: nothing of the half answer is left on screen.
    await handled(h, question)
    edits = [
        c
        for c in h.api.sent("editMessageText")
        if c.params["message_id"] == last.params["message_id"]
    ]
    assert edits[-1].text == BROKEN_OFF and "Sources" not in edits[-1].text
    assert not any("<b>Sources</b>" in c.text for c in h.api.sent("sendMessage"))

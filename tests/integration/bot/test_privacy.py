"""What the bot keeps of readers (issue 36, item 5): /forget through the fake Bot API with the
real engine deletes one reader's questions, votes, topics and conversation after a
confirmation, and nobody else's; questions past their retention are deleted."""

from __future__ import annotations

from typing import Any

from bot.deps import DEPS
from retrieval.answer.log import AnswerLog
from retrieval.core.records import Answer
from tests.support.telegram import ADMIN, BotHarness, answer_to

READER, OTHER = 41, 42


def keyboard(reply: Any) -> list[str]:
    return [
        b["callback_data"] for row in reply.params["reply_markup"]["inline_keyboard"] for b in row
    ]


async def test_forget_deletes_one_readers_data_after_asking(harness: BotHarness) -> None:
    api, log = harness.api, harness.services.feedback
    answer = await answer_to(
        harness, api.message("How many jobs will Corvanta cut?", user_id=READER)
    )
    other = await answer_to(harness, api.message("How many jobs will Corvanta cut?", user_id=OTHER))
    await answer_to(harness, api.message("/follow tram extension", user_id=READER))
    mine, theirs = keyboard(answer)[1], keyboard(other)[1]  # 👍 under each answer
    api.press(
        mine,
        {"message_id": 1, "date": 0, "chat": {"id": READER, "type": "private"}},
        user_id=READER,
    )
    api.press(
        mine, {"message_id": 1, "date": 0, "chat": {"id": OTHER, "type": "private"}}, user_id=OTHER
    )
    api.press(
        theirs,
        {"message_id": 2, "date": 0, "chat": {"id": OTHER, "type": "private"}},
        user_id=OTHER,
    )
    await api.wait_for(lambda: len(api.sent("answerCallbackQuery")) == 3)
    assert log.held_for(READER) == (1, 1)

    asked = await answer_to(harness, api.message("/forget", user_id=READER))
    assert "questions with their answers (1)" in asked.text and "topics (1)" in asked.text
    chat = {
        "message_id": asked.params.get("message_id", 7),
        "date": 0,
        "chat": {"id": READER, "type": "private"},
    }
    api.press(f"fgt:yes:{READER}", chat, user_id=OTHER)  # another's press deletes nothing
    api.press(f"fgt:no:{READER}", chat, user_id=READER)
    await api.wait_for(lambda: len(api.sent("answerCallbackQuery")) == 5)
    assert log.held_for(READER) == (1, 1) and log.held_for(OTHER) == (1, 2)  # kept
    conversations = harness.app.bot_data[DEPS].conversations
    assert conversations.history((READER, 0))  # the conversation, before
    api.press(f"fgt:yes:{READER}", chat, user_id=READER)
    done = await api.wait_for(
        lambda: [c for c in api.sent("editMessageText") if c.text.startswith("Deleted:")]
    )
    assert "answers (1), your votes (1), your followed topics (1)" in done[0].text
    assert log.held_for(READER) == (0, 0)
    assert harness.services.follows.topics(READER) == []
    assert conversations.history((READER, 0)) == []
    # Another reader keeps their question and their vote on their own answer; their vote on
    # the forgotten reader's answer went with it (it repeated that reader's question).
    assert log.held_for(OTHER) == (1, 1)
    again = await answer_to(harness, api.message("/forget", user_id=READER))
    assert again.text.startswith("I keep nothing of yours")
    group = api.message("/forget", user_id=OTHER, chat_id=-100900, chat_type="supergroup")
    assert (await answer_to(harness, group)).text == "Send /forget to me in a private chat."


def test_questions_past_their_retention_are_deleted(tmp_path: Any) -> None:
    log = AnswerLog(tmp_path / "bot.sqlite")
    old = log.record(1, 2, "old question?", Answer("a [1]", []))
    assert log.vote(old, 3, True)
    new = log.record(1, 2, "new question?", Answer("b [1]", []))
    assert log.vote(new, 3, False)
    with log._db() as db:  # the first question and its vote were 100 days ago
        db.execute("UPDATE answers SET created = created - 100 * 86400 WHERE id = ?", (old,))
        db.execute(
            "UPDATE feedback SET created = created - 100 * 86400 WHERE answer_id = ?", (old,)
        )
    assert log.forget_older(90) == 2
    assert log.citations(old) is None and log.citations(new) is not None
    assert [v.question for v in log.votes()] == ["new question?"]
    assert log.forget_older(90) == 0


async def test_admins_get_the_weeks_unanswered_questions(harness: BotHarness) -> None:
    """The weekly report (its job run now): the refused questions, counted, and nothing that
    names a reader."""
    from bot import gaps

    log = harness.services.feedback
    refused = Answer("The archive does not say.", [], refused=True)
    for user in (61, 62):
        log.record(user, user, "When does the new tram line open?", refused)
    log.record(63, 63, "How many jobs will Corvanta cut?", Answer("600 [1]", []))
    harness.app.job_queue.run_once(gaps.gaps_job, 0)
    api = harness.api
    sent = await api.wait_for(
        lambda: [c for c in api.sent(chat_id=ADMIN) if "not in the archive" in c.text]
    )
    text = sent[0].text
    assert "1. When does the new tram line open? — asked 2 times" in text
    assert "Corvanta" not in text and "61" not in text and "62" not in text

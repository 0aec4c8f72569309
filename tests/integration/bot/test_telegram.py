"""The real python-telegram-bot Application, over HTTP, against a fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from bot import handlers, jobs
from bot.deps import DEPS
from bot.render_html import strip_tags
from bot.replies import reply_html
from tests.fakes.telegram_server import BOT_ID, BOT_USERNAME
from tests.support.telegram import ADMIN, BotHarness, answer_to, handled, replies_to


async def test_private_question_gets_a_cited_html_answer(harness: BotHarness) -> None:
    question = harness.api.message("Who is the new head coach of Kelby Rovers?")
    reply = await answer_to(harness, question)
    assert reply.params["reply_parameters"]["message_id"] == question["message_id"]
    assert reply.params["parse_mode"] == "HTML"
    assert "Rafael Mendes" in reply.text and "[1]" in reply.text
    assert "<b>Sources</b>" in reply.text
    assert (
        '<a href="https://example.org/northline/2025/06/08/rovers-coach">Kelby Rovers appoint '
        "Rafael Mendes as head coach</a> — Northline News, 08 Jun 2025"
    ) in reply.text
    assert reply.params["link_preview_options"] == {"is_disabled": True}
    buttons = [
        b["callback_data"] for row in reply.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert buttons[0].startswith("src:") and {b[-1] for b in buttons[1:]} == {"u", "d"}
    assert all(len(b.encode()) <= 64 for b in buttons)
    assert harness.api.sent("sendChatAction")  # typing indicator while answering
    commands = harness.api.sent("setMyCommands")
    scopes = [
        (c.params.get("scope", {}).get("type", "default"), c.params.get("language_code"))
        for c in commands
    ]
    assert scopes == [
        ("default", None),
        ("chat", None),
        ("default", "ru"),
        ("chat", "ru"),
        ("default", "az"),
        ("chat", "az"),
    ]
    assert "reindex" in str(commands[1].params["commands"]) and "reindex" not in str(
        commands[0].params["commands"]
    )
    assert "Забыть разговор" in str(commands[2].params["commands"])
    assert "Söhbəti unut" in str(commands[4].params["commands"])


async def test_start_and_help_describe_the_archive(harness: BotHarness) -> None:
    start = harness.api.message("/start elections_2025")
    reply = await answer_to(harness, start)
    assert "30 articles" in reply.text and "15 Jul 2024 to 18 Jun 2025" in reply.text
    assert "<b>elections 2025</b>" in reply.text
    help_reply = await answer_to(harness, harness.api.message("/help"))
    assert "/ask" in help_reply.text and "30 articles" in help_reply.text


async def test_group_silence_mention_ask_and_reply(harness: BotHarness) -> None:
    api = harness.api
    group = -100500
    chatter = api.message("Anyone for lunch?", user_id=5, chat_id=group, chat_type="supergroup")
    mention = api.mention(
        "How many jobs will Corvanta cut?", user_id=5, chat_id=group, chat_type="supergroup"
    )
    reply = await answer_to(harness, mention)
    assert "600" in reply.text
    asked = api.message(
        "/ask Who won the national cup final?", user_id=6, chat_id=group, chat_type="supergroup"
    )
    assert "Harborview FC" in (await answer_to(harness, asked)).text
    bot_message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": group, "type": "supergroup"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Newsbot", "username": BOT_USERNAME},
        "text": "earlier answer",
    }
    replied = api.message(
        "How long is the new bridge over the Aster River?",
        user_id=7,
        chat_id=group,
        chat_type="supergroup",
        reply_to=bot_message,
    )
    assert "1.4" in (await answer_to(harness, replied)).text
    await handled(harness, chatter)
    assert replies_to(harness, chatter) == []


async def test_forum_topic_answers_in_the_topic(harness: BotHarness) -> None:
    question = harness.api.message(
        "/ask How many jobs will Corvanta cut?",
        user_id=8,
        chat_id=-100600,
        chat_type="supergroup",
        thread_id=77,
    )
    reply = await answer_to(harness, question)
    assert int(reply.params["message_thread_id"]) == 77


async def test_each_forum_topic_keeps_a_conversation_of_its_own(harness: BotHarness) -> None:
    """docs/telegram.md: history per chat and per topic. A follow-up in one topic is read with
    that topic's last question, not with the one asked since in another topic of the group."""
    api = harness.api
    forum = -100700

    def ask(question: str, topic: int) -> dict[str, Any]:
        return api.message(
            f"/ask {question}", user_id=9, chat_id=forum, chat_type="supergroup", thread_id=topic
        )

    coach = await answer_to(harness, ask("Who is the new head coach of Kelby Rovers?", 77))
    assert "Rafael Mendes" in coach.text
    jobs = await answer_to(harness, ask("How many jobs will Corvanta cut?", 78))
    assert "600" in jobs.text
    replace = ask("Whom did he replace?", 77)
    follow = await answer_to(harness, replace)
    assert "Ingrid Halvorsen" in follow.text
    await handled(harness, replace)  # the turn is recorded once the reply is sent
    assert int(follow.params["message_thread_id"]) == 77
    conversations = harness.app.bot_data["deps"].conversations
    topic_77 = [question for question, _ in conversations.history((forum, 77))]
    topic_78 = [question for question, _ in conversations.history((forum, 78))]
    assert topic_77 == ["Who is the new head coach of Kelby Rovers?", "Whom did he replace?"]
    assert topic_78 == ["How many jobs will Corvanta cut?"]
    reset = api.message("/reset", user_id=9, chat_id=forum, chat_type="supergroup", thread_id=78)
    assert "forgotten" in (await answer_to(harness, reset)).text
    assert conversations.history((forum, 78)) == [] and len(conversations.history((forum, 77))) == 2


async def test_follow_up_and_reset(harness: BotHarness) -> None:
    api = harness.api
    first = api.message("Who is the new head coach of Kelby Rovers?", user_id=11)
    await answer_to(harness, first)
    follow = api.message("Whom did he replace?", user_id=11)
    assert "Ingrid Halvorsen" in (await answer_to(harness, follow)).text
    reset = api.message("/reset", user_id=11)
    assert "forgotten" in (await answer_to(harness, reset)).text
    assert harness.app.bot_data["deps"].conversations.history((11, 0)) == []


async def test_sources_button_and_feedback(harness: BotHarness) -> None:
    api = harness.api
    question = api.message("How much money did the start-up Lumora raise?", user_id=12)
    reply = await answer_to(harness, question)
    buttons = [
        b["callback_data"] for row in reply.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    bot_message = {
        "message_id": 999,
        "date": 0,
        "chat": {"id": 12, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Newsbot"},
        "text": "answer",
    }
    api.press(buttons[0], bot_message, user_id=12)
    sources = await api.wait_for(
        lambda: [c for c in api.sent(chat_id=12) if "<blockquote expandable>" in c.text]
    )
    assert "35 million" in sources[0].text
    api.press(buttons[1], bot_message, user_id=12)
    api.press(buttons[2], bot_message, user_id=13)
    await api.wait_for(lambda: len(api.sent("answerCallbackQuery")) == 3)
    votes = harness.services.feedback.votes()
    assert sorted((v.user_id, v.up) for v in votes) == [(12, True), (13, False)]
    assert votes[0].question == "How much money did the start-up Lumora raise?"
    assert votes[0].citations and all(isinstance(c["article_id"], str) for c in votes[0].citations)
    assert {c.params.get("text") for c in api.sent("answerCallbackQuery")} >= {
        "Thanks for the feedback!"
    }
    # Forged or old buttons: each answered, none counted as a vote.
    for forged in ("fb:abc:u", "fb:1:x", "src:", "unf:-1", "nonsense", "fb:999999:u"):
        api.press(forged, bot_message, user_id=14)
    await api.wait_for(lambda: len(api.sent("answerCallbackQuery")) == 9)
    answers = sorted(c.params.get("text") for c in api.sent("answerCallbackQuery")[3:])
    assert answers == ["That answer is gone."] + ["Unknown button."] * 5  # in any order
    assert len(harness.services.feedback.votes()) == 2


async def test_long_answers_are_split_under_the_limit(harness: BotHarness) -> None:
    paragraphs = [
        f"<b>Part {i}</b> " + "Words &amp; more words <i>in italics</i>. " * 30 for i in range(12)
    ]
    text = "\n\n".join(paragraphs)
    api = harness.api
    question = api.message(
        "placeholder for a reply target", user_id=0, chat_id=-1, chat_type="group"
    )
    from telegram import Message

    target = Message.de_json(question, harness.app.bot)
    assert target is not None
    await reply_html(target, text)
    sent = [c for c in api.sent(chat_id=-1) if c.text.startswith("<b>Part") or "Part" in c.text]
    assert len(sent) >= 3
    assert not api.sent("sendMessage:rejected")
    assert all(len(strip_tags(c.text)) <= 4096 for c in sent)
    assert "".join(strip_tags(c.text) for c in sent).replace("\n", "").replace(
        " ", ""
    ) == strip_tags(text).replace("\n", "").replace(" ", "")


async def test_rejected_html_falls_back_to_plain_text(harness: BotHarness) -> None:
    harness.api.reject_html_once = True
    question = harness.api.message("How many jobs will Corvanta cut?", user_id=14)
    reply = await answer_to(harness, question)
    assert "parse_mode" not in reply.params and "600" in reply.text and "<b>" not in reply.text


async def test_429_is_survived(harness: BotHarness) -> None:
    """Telegram refuses the answer once with 429; PTB's rate limiter waits retry_after and
    sends it again (the refused call is not counted as sent)."""
    harness.api.fail_next("sendMessage", retry_after=1)
    question = harness.api.message("How many jobs will Corvanta cut?", user_id=15)
    reply = await answer_to(harness, question)
    assert "600" in reply.text
    refused = harness.api.sent("sendMessage:429")
    assert len(refused) == 1 and refused[0].params["text"] == reply.text
    assert harness.api.calls.index(refused[0]) < harness.api.calls.index(reply)


@pytest.mark.parametrize("telegram_overrides", [{"questions_per_minute": 2}])
async def test_per_user_rate_limit(harness: BotHarness) -> None:
    api = harness.api
    for _ in range(2):
        await answer_to(harness, api.message("How many jobs will Corvanta cut?", user_id=16))
    third = api.message("How many jobs will Corvanta cut?", user_id=16)
    assert (await answer_to(harness, third)).text == handlers.TOO_FAST
    other = api.message("How many jobs will Corvanta cut?", user_id=17)
    assert "600" in (await answer_to(harness, other)).text


async def test_slow_question_keeps_typing_and_never_delays_others(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import replies

    monkeypatch.setattr(replies, "TYPING_EVERY_S", 0.2)
    indicators: list[replies.Typing] = []
    enter = replies.Typing.__aenter__

    async def tracked_enter(self: replies.Typing) -> replies.Typing:
        indicators.append(self)
        return await enter(self)

    monkeypatch.setattr(replies.Typing, "__aenter__", tracked_enter)
    real = harness.services.qa.answer
    gate = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow(question: str, **kwargs: Any) -> Any:
        if "Corvanta" in question:  # only this question is slow
            asyncio.run_coroutine_threadsafe(gate.wait(), loop).result(10)
        return real(question, **kwargs)

    monkeypatch.setattr(harness.services.qa, "answer", slow)
    api = harness.api
    first = api.message("How many jobs will Corvanta cut?", user_id=18)
    # The typing indicator is re-sent while the answer is prepared.
    await api.wait_for(lambda: len(api.sent("sendChatAction", chat_id=18)) >= 3)
    # Another chat is answered meanwhile: slow work runs off the event loop.
    other = api.message("Who won the national cup final?", user_id=19)
    assert "Harborview FC" in (await answer_to(harness, other)).text
    # The same user is told to wait for the first answer.
    second = api.message("Who won the national cup final?", user_id=18)
    assert (await answer_to(harness, second)).text == handlers.BUSY
    assert not replies_to(harness, first)
    gate.set()
    assert "600" in (await answer_to(harness, first)).text
    await handled(harness, first)
    # Stopped with the answer: every indicator's loop has ended, none can send again.
    assert indicators and all(t._task is not None and t._task.done() for t in indicators)


@pytest.mark.parametrize("telegram_overrides", [{"allowed_user_ids": [21]}])
async def test_allow_list(harness: BotHarness) -> None:
    refused = harness.api.message("How many jobs will Corvanta cut?", user_id=22)
    assert (await answer_to(harness, refused)).text == handlers.NOT_ALLOWED
    allowed = harness.api.message("How many jobs will Corvanta cut?", user_id=21)
    assert "600" in (await answer_to(harness, allowed)).text


@pytest.mark.parametrize("telegram_overrides", [{"allowed_chat_ids": [-100700]}])
async def test_chat_allow_list(harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    """NEWSBOT_ALLOWED_CHAT_IDS: anyone in a listed group is answered, another group gets
    silence (logged), and private chats stay open while no user list is set."""
    api = harness.api
    question = "/ask How many jobs will Corvanta cut?"
    api.message(question, user_id=24, chat_id=-100800, chat_type="supergroup")  # not listed
    await api.wait_for(
        lambda: any("not on the allow-list" in r.getMessage() for r in caplog.records)
    )
    listed = api.message(question, user_id=24, chat_id=-100700, chat_type="supergroup")
    assert "600" in (await answer_to(harness, listed)).text
    private = api.message("How many jobs will Corvanta cut?", user_id=25)
    assert "600" in (await answer_to(harness, private)).text
    assert api.sent(chat_id=-100800) == []


async def test_unexpected_errors_are_logged_and_users_told_politely(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database exploded at 0xdeadbeef")

    monkeypatch.setattr(harness.services.qa, "answer", broken)
    reply = await answer_to(harness, harness.api.message("Anything?", user_id=23))
    assert reply.text == handlers.FAILED and "0xdeadbeef" not in reply.text
    assert any(
        "0xdeadbeef" in (r.exc_text or "") or r.exc_info
        for r in caplog.records
        if r.levelname == "ERROR"
    )


async def test_non_admin_is_refused_admin_commands(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    for command in ("/reindex", "/stats", "/delete x", "/sources", "/ingest http://x"):
        reply = await answer_to(harness, harness.api.message(command, user_id=30))
        assert "only for the archive's admins" in reply.text
    upload = harness.api.document("a.txt", b"date 2025-06-01 By X\n\nT\n\nBody.", user_id=30)
    assert "only for the archive's admins" in (await answer_to(harness, upload)).text
    assert any("non-admin 30" in r.getMessage() for r in caplog.records)


async def test_admin_stats_sources_delete(harness: BotHarness) -> None:
    api = harness.api
    stats = await answer_to(harness, api.message("/stats", user_id=ADMIN))
    assert "<b>Articles:</b> 30" in stats.text and "Questions answered" in stats.text
    latest = await answer_to(harness, api.message("/sources 3", user_id=ADMIN))
    assert latest.text.count("•") == 3 and "Heat alert" in latest.text
    deleted = await answer_to(
        harness,
        api.message("/delete https://example.org/metrowire/2025/04/30/corvanta", user_id=ADMIN),
    )
    assert "Deleted “Tech firm Corvanta to cut 600 jobs”" in deleted.text
    assert harness.services.index.stats().articles == 29


async def test_stats_sends_a_chart_of_the_questions_with_its_figures(harness: BotHarness) -> None:
    """Once readers have asked, /stats adds a PNG (questions a day by outcome, the most asked
    topics) whose caption gives the same figures as text."""
    api = harness.api
    await answer_to(harness, api.message("How many jobs will Corvanta cut?", user_id=71))
    await answer_to(harness, api.message("How many jobs will Corvanta cut?", user_id=72))
    await answer_to(harness, api.message("Кто выиграл чемпионат мира по хоккею?", user_id=73))
    await answer_to(harness, api.message("/stats", user_id=ADMIN))
    (photo,) = await api.wait_for(lambda: api.sent("sendPhoto", chat_id=ADMIN))
    assert photo.params["photo"][:8] == b"\x89PNG\r\n\x1a\n"
    caption = photo.params["caption"]
    assert "Last 30 days: 2 answered, 1 refused." in caption
    assert "2 × How many jobs will Corvanta cut?" in caption


async def test_admin_backup_reports_where_it_wrote(harness: BotHarness) -> None:
    api = harness.api
    status = await answer_to(harness, api.message("/backup", user_id=ADMIN))
    assert status.text == "Backup started…"

    def done() -> list[Any]:
        return [c for c in api.sent("editMessageText") if "Backup done" in c.text]

    report = (await api.wait_for(done))[-1]
    assert "30 articles" in report.text
    folder = Path(re.search(r"<code>(.+)</code>", report.text).group(1))  # type: ignore[union-attr]
    assert folder.parent == (harness.settings.data_dir / "backups").resolve()
    assert (folder / "manifest.json").exists()
    refused = await answer_to(harness, api.message("/backup"))
    assert "only for the archive's admins" in refused.text


async def test_admin_reindex_full_with_progress_while_others_ask(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = harness.api
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_S", 0.0)
    writer = harness.engine.writer
    write_batch = writer.write_batch
    resume = threading.Event()  # the re-index waits after its first batch until a reader is done

    def gated_write(collection: str, batch: Any) -> None:
        write_batch(collection, batch)
        assert resume.wait(timeout=120)

    monkeypatch.setattr(writer, "write_batch", gated_write)
    writer.embed_batch = 1
    old_collection = harness.engine.collections.active
    command = api.message("/reindex full", user_id=ADMIN)
    status = await answer_to(harness, command)
    assert "Full re-index started" in status.text
    # While it runs: a second request is told, and readers keep getting answers.
    await api.wait_for(lambda: api.sent("editMessageText"))
    busy = await answer_to(harness, api.message("/reindex", user_id=ADMIN))
    assert "already running" in busy.text
    reader = api.message("How many jobs will Corvanta cut?", user_id=31)
    assert "600" in (await answer_to(harness, reader)).text
    assert harness.services.index.running  # the answer came while the re-index was running
    resume.set()
    done = await api.wait_for(
        lambda: [c for c in api.sent("editMessageText") if "done" in c.text], timeout=60
    )
    edits = api.sent("editMessageText")
    assert len(edits) >= 3 and any("embedding" in e.text for e in edits)
    assert edits[-1] is done[0] and "30 unchanged" in done[0].text
    assert harness.engine.collections.active != old_collection


async def test_admin_upload_ingested_and_bad_uploads_refused(harness: BotHarness) -> None:
    api = harness.api
    article = (
        b"date 2025-06-19 By Harborview Herald\n\nHarbour swim race draws 2,000\n\n"
        b"A record 2,000 swimmers took part in the harbour swim race on Sunday, won by "
        b"Lea Marchetti in 41 minutes."
    )
    upload = api.document("swim-race.txt", article, user_id=ADMIN)
    status = await answer_to(harness, upload)
    assert "Ingesting swim-race.txt" in status.text
    await api.wait_for(lambda: [c for c in api.sent("editMessageText") if "1 added" in c.text])
    assert (harness.settings.ingest_dir / "uploads" / "swim-race.txt").exists()
    question = api.message("Who won the harbour swim race?", user_id=32)
    assert "Lea Marchetti" in (await answer_to(harness, question)).text

    wrong = api.document("photo.png", b"\x89PNG....", user_id=ADMIN)
    assert "can't ingest .png" in (await answer_to(harness, wrong)).text
    huge = api.document("big.txt", b"x", user_id=ADMIN, declared_size=50_000_000)
    assert "limit is 5,000,000 bytes" in (await answer_to(harness, huge)).text


async def test_ingest_paths_must_stay_inside_the_ingest_dir(harness: BotHarness) -> None:
    reply = await answer_to(harness, harness.api.message("/ingest ../../etc/passwd", user_id=ADMIN))
    assert "inside the ingest directory" in reply.text


def test_feedback_file_is_sqlite_under_the_data_dir(tmp_path: Any) -> None:
    """The engine the bot runs on keeps answers and votes in DATA_DIR/bot.sqlite."""
    from retrieval.core.records import Answer
    from retrieval.embed.hashing import HashEmbedder
    from retrieval.engine import build_engine
    from tests.conftest import make_settings

    data = tmp_path / "data"
    log = build_engine(make_settings(data), embedder=HashEmbedder()).services.feedback
    answer_id = log.record(1, 2, "q?", Answer("a [1]", []))
    assert log.vote(answer_id, 2, True) and not log.vote(answer_id + 1, 2, True)
    assert log.counts() == (1, 1, 0)
    with sqlite3.connect(data / "bot.sqlite") as db:
        assert db.execute("SELECT vote FROM feedback").fetchone() == (1,)


async def test_reindex_full_keeps_feed_and_url_articles(
    tmp_path: Any, api: Any, sample_index: Any
) -> None:
    from tests.fakes.feed_server import FeedItem, FeedServer
    from tests.support.telegram import bot_settings, serving

    feeds = FeedServer()
    feeds.start()
    story = (
        "The Tarnholm ferry operator published its winter timetable. Crossings to the outer "
        "islands will run twice a day until March, the operator said. "
    )
    settings = bot_settings(tmp_path, api, sample_index).model_copy(
        update={"fetch_allow_private": True}
    )
    try:
        async with serving(settings, api, sample_index) as h:
            url = feeds.feed(
                "/f.rss",
                "Island Post",
                [FeedItem("http://e.org/ferry", "Ferry timetable", story * 3)],
            )
            feed = await asyncio.to_thread(h.services.feeds.add, url, 1800)
            assert len((await asyncio.to_thread(h.services.feeds.poll, feed)).added_ids) == 1
            page = feeds.page(
                "/museum", "Museum reopens", ["The Lindqvist museum reopened on Saturday. " * 4]
            )
            await asyncio.to_thread(h.services.index.sync, [page])
            command = h.api.message("/reindex full", user_id=ADMIN)
            await answer_to(h, command)
            done = await h.api.wait_for(
                lambda: [c for c in h.api.sent("editMessageText") if "done" in c.text], timeout=60
            )
            assert "30 unchanged" in done[0].text and "2 kept from the archive" in done[0].text
            ferry = await answer_to(
                h, h.api.message("How often will the ferry crossings run?", user_id=33)
            )
            assert "twice a day" in ferry.text and "Ferry timetable" in ferry.text
            museum = await answer_to(
                h, h.api.message("When did the Lindqvist museum reopen?", user_id=34)
            )
            assert "Saturday" in museum.text and "Museum reopens" in museum.text
    finally:
        feeds.stop()


def test_a_chats_history_keeps_its_last_turns_and_expires() -> None:
    """What a follow-up question is read with: at most `history_turns` turns, each forgotten
    `history_ttl_s` after it was asked (README: 30 minutes by default)."""
    from bot.state import Conversations

    now = [0.0]
    chat = (1, None)
    history = Conversations(max_turns=2, ttl_s=1800.0, clock=lambda: now[0])
    history.add(chat, "q1", "a1")
    now[0] = 1000.0
    history.add(chat, "q2", "a2")
    history.add(chat, "q3", "a3")
    assert history.history(chat) == [("q2", "a2"), ("q3", "a3")]  # the last two turns
    now[0] = 2800.0  # 30 minutes after q2 and q3: still remembered
    assert history.history(chat) == [("q2", "a2"), ("q3", "a3")]
    now[0] = 2800.5
    assert history.history(chat) == []
    assert history.history((2, None)) == []  # another chat never had any


@pytest.mark.parametrize("telegram_overrides", [{"history_ttl_s": 60, "history_turns": 3}])
async def test_the_bot_keeps_history_as_configured(harness: BotHarness) -> None:
    conversations = harness.app.bot_data[DEPS].conversations
    assert (conversations.ttl_s, conversations.max_turns) == (60.0, 3)


async def test_reindex_while_a_cli_process_indexes_says_so(harness: BotHarness) -> None:
    """`newsbot ingest` in another process holds the index's file lock: /reindex then reports
    that another process is indexing, and works again once that process is gone."""
    import subprocess
    import sys

    lock = harness.settings.data_dir / "catalog.sqlite.sync-lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys; f = open(sys.argv[1], 'w'); fcntl.flock(f, fcntl.LOCK_EX); "
            "print('held', flush=True); sys.stdin.read()",
            str(lock),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        api = harness.api
        await answer_to(harness, api.message("/reindex", user_id=ADMIN))
        failed = await api.wait_for(
            lambda: [c for c in api.sent("editMessageText") if "failed" in c.text]
        )
        assert "another newsbot process is indexing" in failed[0].text
    finally:
        holder.communicate("")  # the other process ends, and its lock with it
    await answer_to(harness, harness.api.message("/reindex", user_id=ADMIN))
    await harness.api.wait_for(
        lambda: [c for c in harness.api.sent("editMessageText") if "done" in c.text]
    )

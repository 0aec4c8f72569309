"""What a stranger, a careless admin or a hostile article can do to the bot: nothing."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest

from bot import handlers
from retrieval.core.errors import StoreUnavailableError
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.telegram import (
    ADMIN,
    BotHarness,
    SampleIndex,
    answer_to,
    bot_settings,
    handled,
    replies_to,
    serving,
)

ARTICLE = b"date 2025-06-19 By Herald\n\nHarbour swim race\n\nLea Marchetti won the race.\n"


def effects(h: BotHarness) -> tuple[Any, ...]:
    """Everything an admin command could change."""
    ingest = h.settings.ingest_dir
    stats = h.services.index.stats()
    return (
        stats.articles,
        stats.chunks,
        h.engine.collections.active,
        sorted(p.relative_to(ingest).as_posix() for p in ingest.rglob("*")),
        len(h.api.sent("editMessageText")),
        len(h.api.sent("getFile")),
    )


async def test_every_admin_command_by_a_non_admin_has_no_effect(harness: BotHarness) -> None:
    before = effects(harness)
    commands = [
        "/reindex",
        "/reindex full",
        "/ingest http://example.org/feed.xml",
        "/ingest a01.txt",
        "/delete https://example.org/metrowire/2025/04/30/corvanta",
        "/stats",
        "/sources 50",
    ]
    for command in commands:
        reply = await answer_to(harness, harness.api.message(command, user_id=77))
        assert reply.text == "Sorry, that command is only for the archive's admins."
    upload = harness.api.document("evil.txt", ARTICLE, user_id=77)
    assert "only for the archive's admins" in (await answer_to(harness, upload)).text
    await handled(harness, upload)
    assert effects(harness) == before


@pytest.mark.parametrize(
    "target",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "uploads/../../outside.txt",
        ".hidden/secret.txt",
        ".env",
    ],
)
async def test_ingest_paths_cannot_leave_the_ingest_dir_or_read_hidden_files(
    harness: BotHarness, target: str
) -> None:
    (harness.settings.ingest_dir / ".hidden").mkdir()
    (harness.settings.ingest_dir / ".hidden" / "secret.txt").write_bytes(ARTICLE)
    (harness.settings.ingest_dir / ".env").write_text("NEWSBOT_TELEGRAM_TOKEN=x")
    before = effects(harness)
    reply = await answer_to(harness, harness.api.message(f"/ingest {target}", user_id=ADMIN))
    assert "Only paths inside the ingest directory" in reply.text
    assert effects(harness) == before


async def test_upload_names_are_tamed_and_never_overwrite(harness: BotHarness) -> None:
    api = harness.api
    uploads = harness.settings.ingest_dir / "uploads"
    names = ["../../escape.txt", ".env.txt", "race.txt", "race.txt"]
    for n, name in enumerate(names):
        body = ARTICLE.replace(b"Lea Marchetti", f"Runner {n}".encode())
        upload = api.document(name, body, user_id=ADMIN)
        await answer_to(harness, upload)
        await api.wait_for(
            lambda reports=n + 1: (
                len([c for c in api.sent("editMessageText") if "added" in c.text]) >= reports
            )
        )
    assert sorted(p.name for p in uploads.iterdir()) == [
        "env.txt",
        "escape.txt",
        "race-2.txt",
        "race.txt",
    ]
    assert b"Runner 2" in (uploads / "race.txt").read_bytes()  # the first one kept
    assert b"Runner 3" in (uploads / "race-2.txt").read_bytes()
    assert not (harness.settings.ingest_dir.parent / "escape.txt").exists()


async def test_only_http_links_are_rendered(harness: BotHarness) -> None:
    folder = harness.settings.ingest_dir / "hostile"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\ntitle: Glass bridge <b>opens</b>\nurl: javascript:alert(1)\ndate: 2025-06-19\n"
        "source: Evil & Co\n---\n\nThe glass bridge over the Quill opened to walkers on Monday.\n"
    )
    reply = await answer_to(harness, harness.api.message("/reindex", user_id=ADMIN))
    await harness.api.wait_for(
        lambda: [c for c in harness.api.sent("editMessageText") if "done" in c.text]
    )
    answer = await answer_to(
        harness, harness.api.message("When did the glass bridge over the Quill open?", user_id=5)
    )
    assert "Glass bridge &lt;b&gt;opens&lt;/b&gt;" in answer.text
    assert "javascript:" not in answer.text and 'href="javascript' not in answer.text
    latest = await answer_to(harness, harness.api.message("/sources 1", user_id=ADMIN))
    assert "Glass bridge &lt;b&gt;opens&lt;/b&gt;" in latest.text  # the hostile article listed…
    assert "javascript:" not in latest.text  # …with no link
    assert reply.text and "javascript:" not in reply.text
    links = re.findall(r'href="([^"]*)"', answer.text + latest.text)
    assert all(link.startswith(("http://", "https://")) for link in links), links


async def test_store_errors_reach_readers_without_hosts_or_paths(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(question: str, **kwargs: Any) -> Any:
        raise StoreUnavailableError(
            "cannot reach the vector store (chroma server http://db.internal:8000): refused"
        )

    monkeypatch.setattr(harness.services.qa, "answer", down)
    question = harness.api.message("Who won the national cup final?", user_id=9)
    reply = await answer_to(harness, question)
    assert reply.text == handlers.STORE_DOWN
    await handled(harness, question)
    assert all("db.internal" not in call.text for call in harness.api.calls)
    assert len(replies_to(harness, question)) == 1


async def test_an_llm_that_refuses_connections_gets_readers_the_polite_reply(
    tmp_path: Path, api: FakeBotAPI, sample_index: SampleIndex
) -> None:
    """docs/telegram.md: readers see a polite message when the LLM is down, never its address.
    The real LLM answerer (NEWSBOT_ANSWERER=llm) against an endpoint whose port refuses every
    connection (bound, never listening): one reply, the answering-service notice."""
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        port = refusing.getsockname()[1]
        settings = bot_settings(tmp_path, api, sample_index)
        llm = settings.llm.model_copy(
            update={"base_url": f"http://127.0.0.1:{port}/v1", "model": "fake", "timeout_s": 5.0}
        )
        settings = settings.model_copy(update={"answerer": "llm", "llm": llm})
        async with serving(settings, api, sample_index) as harness:
            question = api.message("Who is the new head coach of Kelby Rovers?", user_id=31)
            reply = await answer_to(harness, question)
            await handled(harness, question)
            shown = [call for call in api.calls if int(call.params.get("chat_id", 0)) == 31]
    assert reply.text == handlers.ANSWERER_DOWN
    assert len(replies_to(harness, question)) == 1
    assert shown and all(str(port) not in c.text and "127.0.0.1" not in c.text for c in shown)

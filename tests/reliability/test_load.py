"""50 chats x 10 questions through the fake Bot API, with the real model, while an admin's
`/reindex full` runs again and again: every question answered, correctly, none failed."""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot import handlers
from bot.render_html import strip_tags
from retrieval.answer.answerer import REFUSAL
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import build_engine
from retrieval.evaluation import correct_answer, load_questions
from tests.conftest import SAMPLE_QUESTIONS, SAMPLE_TODAY, SAMPLES
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.telegram import ADMIN, bot_settings, replies_to, start_bot, stop_bot

CHATS = 50
QUESTIONS_EACH = 10
# The sample archive's own questions (answerable and not), so answers are not all cached.
QUESTIONS = load_questions(SAMPLE_QUESTIONS)


async def test_fifty_chats_during_full_reindexes(
    tmp_path: Path,
    api: FakeBotAPI,
    real_embedder: SentenceTransformerEmbedder,
    figures: dict[str, Any],
) -> None:
    settings = bot_settings(tmp_path, api, questions_per_minute=600)
    shutil.copytree(SAMPLES, settings.ingest_dir)
    services = build_engine(settings, embedder=real_embedder, today=lambda: SAMPLE_TODAY).services
    services.index.sync([settings.ingest_dir])
    app = await start_bot(settings, services, api)
    latencies: list[float] = []
    outcomes: list[tuple[str, str]] = []
    readers_done = asyncio.Event()
    reindexes = 0

    async def chat(user: int) -> None:
        for n in range(QUESTIONS_EACH):
            item = QUESTIONS[(user * 7 + n) % len(QUESTIONS)]
            asked = time.monotonic()
            message = api.message(item.question, user_id=user)
            replies = await api.wait_for(lambda m=message: replies_to_app(m), timeout=600)
            latencies.append(time.monotonic() - asked)
            outcomes.append((strip_tags(replies[0].text).split("\n\nSources")[0], item))

    def replies_to_app(message: dict[str, Any]) -> list[Any]:
        return replies_to(SimpleNamespace(api=api), message)  # type: ignore[arg-type]

    async def admin() -> None:
        nonlocal reindexes
        while not readers_done.is_set():
            done_before = len([c for c in api.sent("editMessageText") if "done" in c.text])
            api.message("/reindex full", user_id=ADMIN)
            await api.wait_for(
                lambda before=done_before: (
                    len([c for c in api.sent("editMessageText") if "done" in c.text]) > before
                ),
                timeout=600,
            )
            reindexes += 1

    started = time.monotonic()
    try:
        admin_task = asyncio.create_task(admin())
        await asyncio.gather(*(chat(1000 + user) for user in range(CHATS)))
        readers_done.set()
        await admin_task
    finally:
        await stop_bot(app)
    wall = time.monotonic() - started
    failed = [text for text, _ in outcomes if text in (handlers.FAILED, handlers.STORE_DOWN)]
    right = [
        (item.answerable and correct_answer(text, item))
        or (not item.answerable and text.startswith(REFUSAL[:20]))
        for text, item in outcomes
    ]
    reports = [c.text for c in api.sent("editMessageText") if "done" in c.text]
    assert len(outcomes) == CHATS * QUESTIONS_EACH
    assert failed == []
    assert sum(right) >= 0.9 * len(outcomes)  # the sample eval's accuracy, under load
    # Each full re-index rebuilds the same 30 articles (none new: no follower is pushed them).
    assert reindexes >= 1 and all("0 added, 0 updated, 30 unchanged" in r for r in reports)
    ordered = sorted(latencies)
    figures["load"] = {
        "chats x questions": f"{CHATS} x {QUESTIONS_EACH}",
        "answered": len(outcomes),
        "answered correctly (or rightly refused)": sum(right),
        "distinct questions": len(QUESTIONS),
        "errors": len(failed),
        "full re-indexes completed during the load": reindexes,
        "p50 s": round(statistics.median(ordered), 2),
        "p95 s": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max s": round(ordered[-1], 2),
        "wall s": round(wall, 1),
        "questions per s": round(len(outcomes) / wall, 2),
    }

"""/healthz (liveness), /readyz (readiness) and Prometheus /metrics, scraped while the bot
answers, while a feed is in alert, while the Chroma server is down and while it stalls."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bot.handlers import STORE_DOWN
from bot.monitoring import MonitoringServer
from retrieval.core.version import newsbot_version
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.fakes.auth_proxy import auth_proxy
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.chroma import chroma_server  # noqa: F401  (a fixture)
from tests.support.telegram import BotHarness, answer_to, bot_settings, start_bot, stop_bot


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the scrape")


async def test_health_and_metrics_while_the_bot_answers(harness: BotHarness) -> None:
    server = MonitoringServer(harness.services, "127.0.0.1", 0).start()
    try:
        status, body = get(server.port, "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["reasons"] == []
        assert health["version"] == newsbot_version() != "0+unknown"
        status, body = get(server.port, "/readyz")
        ready = json.loads(body)
        assert status == 200 and ready["status"] == "ok" and ready["reasons"] == []
        assert ready["articles"] == 30 and ready["feeds_in_alert"] == 0
        before = get(server.port, "/metrics")[1]
        answered = (
            metric(before, 'newsbot_questions_total{outcome="answered"}')
            if ('outcome="answered"' in before)
            else 0.0
        )
        reply = await answer_to(harness, harness.api.message("Who won the national cup final?"))
        assert "Harborview FC" in reply.text
        status, scrape = get(server.port, "/metrics")
        assert status == 200
        assert metric(scrape, 'newsbot_questions_total{outcome="answered"}') == answered + 1
        assert metric(scrape, "newsbot_answer_seconds_count") >= 1
        assert metric(scrape, "newsbot_articles") == 30 and metric(scrape, "newsbot_passages") > 0
        assert "process_resident_memory_bytes" in scrape
        assert f'newsbot_build_info{{version="{newsbot_version()}"}} 1.0' in scrape
        assert metric(scrape, "newsbot_feeds_in_alert") == 0
        assert get(server.port, "/nothing")[0] == 404
        # A feed that keeps failing is reported (readiness body, metrics) but does not make a
        # serving bot unhealthy or unready: an orchestrator would restart it for nothing.
        registry = harness.services.feeds._registry  # as three failed polls in a row left it
        feed = registry.add("http://127.0.0.1:9/feed.xml", 3600)
        for _ in range(harness.settings.feeds.alert_after):
            registry.failed(registry.get(feed.id) or feed, "HTTP 500", 60)
        assert get(server.port, "/healthz")[0] == 200
        status, body = get(server.port, "/readyz")
        ready = json.loads(body)
        assert status == 200 and ready["reasons"] == [] and ready["feeds_in_alert"] == 1
        assert ready["warnings"] == ["feed http://127.0.0.1:9/feed.xml failed 3 times in a row"]
        assert metric(get(server.port, "/metrics")[1], "newsbot_feeds_in_alert") == 1
    finally:
        server.stop()


def test_readiness_fails_with_the_reason_while_chroma_is_down(
    tmp_path: Path,
    chroma_server: tuple[subprocess.Popen[bytes], int],  # noqa: F811
) -> None:
    process, port = chroma_server
    settings = make_settings(tmp_path / "data").model_copy()
    settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"host": "127.0.0.1", "port": port})}
    )
    engine = build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
    engine.services.index.sync([SAMPLES])
    server = MonitoringServer(engine.services, "127.0.0.1", 0).start()
    try:
        assert get(server.port, "/readyz")[0] == 200
        process.kill()
        process.wait(30)
        status, body = get(server.port, "/readyz")
        health: dict[str, Any] = json.loads(body)
        assert status == 503 and health["status"] == "failing"
        assert health["reasons"][0].startswith("the vector store does not answer")
        assert get(server.port, "/healthz")[0] == 200  # the process itself still serves
        status, scrape = get(server.port, "/metrics")  # metrics still come
        assert status == 200 and metric(scrape, "newsbot_articles") == 30
    finally:
        server.stop()


async def test_a_stalled_chroma_gives_readers_the_store_reply_within_the_timeout(
    tmp_path: Path,
    api: FakeBotAPI,
    chroma_server: tuple[subprocess.Popen[bytes], int],  # noqa: F811
) -> None:
    """A Chroma that accepts connections and never answers (a hung server behind a live
    socket): within NEWSBOT_STORE_TIMEOUT_S readers get the 'archive unavailable' reply and
    /readyz a 503 with the reason, while /healthz stays 200. Before the timeouts, both hung."""
    with auth_proxy(chroma_server[1]) as proxy:
        settings = bot_settings(tmp_path, api)
        store = settings.store.model_copy(
            update={"host": "127.0.0.1", "port": proxy.port, "timeout_s": 1.0}
        )
        settings = settings.model_copy(update={"store": store})
        engine = build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
        engine.services.index.sync([SAMPLES])
        app = await start_bot(settings, engine.services, api)
        server = MonitoringServer(engine.services, "127.0.0.1", 0).start()
        bot = BotHarness(api, app, engine, settings)
        question = "Who is the new head coach of Kelby Rovers?"
        try:
            reply = await answer_to(bot, api.message(question))
            assert "Rafael Mendes" in reply.text
            assert get(server.port, "/readyz")[0] == 200
            proxy.stalled.set()  # from now on the store's socket stays silent
            started = time.monotonic()
            status, body = await asyncio.to_thread(get, server.port, "/readyz")
            ready_after = time.monotonic() - started
            assert status == 503
            assert json.loads(body)["reasons"][0].startswith("the vector store does not answer")
            reply = await answer_to(bot, api.message(question))
            assert reply.text == STORE_DOWN
            assert get(server.port, "/healthz")[0] == 200
            # Bounded by the timeout (1 s a call, a reconnect's heartbeat included), not hung:
            # the margin is for a slow machine, far below "for ever".
            assert ready_after < 20, ready_after
        finally:
            server.stop()
            await stop_bot(app)

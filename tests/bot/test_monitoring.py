"""/healthz and Prometheus /metrics, scraped while the bot answers, while a feed is in alert,
and while the Chroma server is down."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.monitoring import MonitoringServer
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.bot.conftest import BotHarness
from tests.bot.test_telegram import answer_to
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.retrieval.test_chroma_server import chroma_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.integration


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
    server = MonitoringServer(harness.services.services, "127.0.0.1", 0).start()
    try:
        status, body = get(server.port, "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["reasons"] == []
        assert health["articles"] == 30 and health["feeds_in_alert"] == 0
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
        assert get(server.port, "/nothing")[0] == 404
        # A feed that keeps failing puts the bot in alert: 503, and why.
        registry = harness.services.feeds._registry  # as three failed polls in a row left it
        feed = registry.add("http://127.0.0.1:9/feed.xml", 3600)
        for _ in range(harness.settings.feeds.alert_after):
            registry.failed(registry.get(feed.id) or feed, "HTTP 500", 60)
        status, body = get(server.port, "/healthz")
        assert status == 503
        assert json.loads(body)["reasons"] == [
            "feed http://127.0.0.1:9/feed.xml failed 3 times in a row"
        ]
    finally:
        server.stop()


def test_health_fails_with_the_reason_while_chroma_is_down(
    tmp_path: Path,
    chroma_server: tuple[subprocess.Popen[bytes], int],  # noqa: F811
) -> None:
    process, port = chroma_server
    settings = make_settings(tmp_path / "data").model_copy()
    settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"host": "127.0.0.1", "port": port})}
    )
    engine = build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
    engine.index.sync([SAMPLES])
    server = MonitoringServer(engine.services, "127.0.0.1", 0).start()
    try:
        assert get(server.port, "/healthz")[0] == 200
        process.kill()
        process.wait(30)
        status, body = get(server.port, "/healthz")
        health: dict[str, Any] = json.loads(body)
        assert status == 503 and health["status"] == "failing"
        assert health["reasons"][0].startswith("the vector store does not answer")
        status, scrape = get(server.port, "/metrics")  # metrics still come
        assert status == 200 and metric(scrape, "newsbot_articles") == 30
    finally:
        server.stop()

"""`newsbot bot` picks long polling or a webhook from the settings, and serves either."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.fakes.telegram_server import FakeBotAPI
from tests.support.chroma import free_port
from tests.support.telegram import SampleIndex

# What `newsbot bot` does (the settings from the environment, then the real `run`), in a process
# of its own, with the hash embedder in place of the bundled model so it starts in seconds.
NEWSBOT_BOT = """
from bot.cli.common import load_settings
from bot.telegram_app import run
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine

settings = load_settings()
run(settings, build_engine(settings, embedder=HashEmbedder()).services)
"""


def http(port: int, path: str, update: dict[str, Any] | None = None, secret: str = "") -> Any:
    """(status, body) of a GET, or of a POST of `update` as Telegram sends it."""
    data = json.dumps(update).encode() if update is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def test_webhook_mode_through_the_real_run_answers_and_serves_health(
    tmp_path: Path, sample_index: SampleIndex
) -> None:
    """docs/telegram.md, webhook mode: `newsbot bot` with NEWSBOT_TELEGRAM_WEBHOOK_URL sets the
    webhook with its secret, listens at the URL's path, answers the updates posted there (and
    only with the secret), and serves /healthz and /readyz beside it."""
    api = FakeBotAPI()
    await api.start()
    data = tmp_path / "data"
    sample_index.restore(data)
    webhook_port, metrics_port = free_port(), free_port()
    url = "https://bot.example.org/newsbot/hook"
    env = {
        **os.environ,
        "NEWSBOT_DATA_DIR": str(data),
        "NEWSBOT_INGEST_DIR": str(sample_index.ingest),
        "NEWSBOT_TELEGRAM_TOKEN": api.token,
        "NEWSBOT_TELEGRAM_BASE_URL": api.base_url,
        "NEWSBOT_TELEGRAM_WEBHOOK_URL": url,
        "NEWSBOT_TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "NEWSBOT_TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "NEWSBOT_TELEGRAM_WEBHOOK_PORT": str(webhook_port),
        "NEWSBOT_METRICS_HOST": "127.0.0.1",
        "NEWSBOT_METRICS_PORT": str(metrics_port),
        # As make_settings has it for the hash embedder, whose scores are on another scale.
        "NEWSBOT_RETRIEVAL_MIN_PASSAGE_SCORE": "0",
        "NEWSBOT_RETRIEVAL_REFUSAL": "score",
    }
    log_path = tmp_path / "bot.log"
    with log_path.open("w") as log:
        bot = subprocess.Popen(
            [sys.executable, "-c", NEWSBOT_BOT], env=env, cwd=tmp_path, stdout=log, stderr=log
        )
    try:
        # Set once the webhook server listens (python-telegram-bot starts it first).
        hook = await api.wait_for(lambda: api.sent("setWebhook"), timeout=120)
        assert hook[0].params["url"] == url and hook[0].params["secret_token"] == "s3cret"
        question = api.message("Who is the new head coach of Kelby Rovers?", user_id=51)
        update = {"update_id": 9001, "message": question}
        refused = await asyncio.to_thread(http, webhook_port, "/newsbot/hook", update, "wrong")
        assert refused[0] == 403
        posted = await asyncio.to_thread(http, webhook_port, "/newsbot/hook", update, "s3cret")
        assert posted[0] == 200
        reply = await api.wait_for(lambda: api.sent(chat_id=51))
        assert len(reply) == 1 and "Rafael Mendes" in reply[0].text
        status, body = await asyncio.to_thread(http, metrics_port, "/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, body = await asyncio.to_thread(http, metrics_port, "/readyz")
        assert status == 200 and json.loads(body)["articles"] == 30
    finally:
        bot.send_signal(signal.SIGTERM)  # as docker stop: python-telegram-bot shuts down
        bot.wait(60)
        await api.stop()
    assert bot.returncode == 0, log_path.read_text()
    assert api.refusals == [] and api.sent("getUpdates") == []  # no polling in webhook mode
    assert api.token not in log_path.read_text()

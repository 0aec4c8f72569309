from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.telegram_app import build_application, set_commands
from retrieval.core.settings import Settings
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.services import Services
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.fakes.telegram_server import FakeBotAPI

ADMIN = 42


@dataclass
class BotHarness:
    api: FakeBotAPI
    app: Any
    engine: Engine  # the parts behind the facade, for tests that look at them
    settings: Settings

    @property
    def services(self) -> Services:
        """The facade the bot was given."""
        return self.engine.services


@dataclass(frozen=True)
class SampleIndex:
    """The sample archive indexed once for the whole session (hash embedder): each bot test
    starts from a copy. The ingest dir keeps one path all session, since articles without a
    URL take their id from the path they were read from."""

    ingest: Path
    data: Path

    def restore(self, data_dir: Path) -> None:
        shutil.rmtree(self.ingest, ignore_errors=True)
        shutil.copytree(SAMPLES, self.ingest)
        shutil.copytree(self.data, data_dir)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> SampleIndex:
    root = tmp_path_factory.mktemp("bot-sample")
    template = SampleIndex(root / "ingest", root / "data")
    shutil.copytree(SAMPLES, template.ingest)
    settings = make_settings(template.data).model_copy(update={"ingest_dir": template.ingest})
    build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY).services.index.sync(
        [template.ingest]
    )
    return template


def bot_settings(
    tmp_path: Path, api: FakeBotAPI, sample: SampleIndex | None = None, **telegram: Any
) -> Settings:
    """Settings for a bot on the fake Bot API; its ingest dir is the session's sample one when
    the test starts from that index (`serving`), else its own under the data dir."""
    settings = make_settings(tmp_path / "data")
    if sample is not None:
        settings = settings.model_copy(update={"ingest_dir": sample.ingest})
    return settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(
                update={
                    "token": __import__("pydantic").SecretStr(api.token),
                    "base_url": api.base_url,
                    "admin_ids": [ADMIN],
                    **telegram,
                }
            )
        }
    )


PROCESSED = "test:processed-updates"


async def _mark_processed(update: Update, context: Any) -> None:
    context.application.bot_data.setdefault(PROCESSED, set()).add(update.update_id)


async def start_bot(settings: Settings, services: Services, api: FakeBotAPI) -> Any:
    app = build_application(settings, services)
    # Runs after the bot's own handlers are done with an update: tests wait for this event
    # instead of sleeping before they assert that nothing was sent.
    app.add_handler(TypeHandler(Update, _mark_processed), group=99)
    await app.initialize()
    await set_commands(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return app


async def stop_bot(app: Any) -> None:
    if app.updater and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


async def handled(h: BotHarness, message: dict[str, Any]) -> None:
    """Wait until the bot has finished handling the update that carried `message`."""
    update_id = h.api.update_of[message["message_id"]]
    await h.api.wait_for(lambda: update_id in h.app.bot_data.get(PROCESSED, set()))


@pytest.fixture
async def api(caplog: pytest.LogCaptureFixture) -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API. Every log line of a bot test, at DEBUG, is checked for the token, and
    nothing the bot sent may have been refused as Telegram would (HTML it cannot parse, a text
    too long) unless the test forced the refusal: the bot's plain-text fallback would hide it."""
    caplog.set_level(logging.DEBUG)
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()
    leaked = [r.getMessage() for r in caplog.records if server.token in r.getMessage()]
    leaked += [r.exc_text for r in caplog.records if r.exc_text and server.token in r.exc_text]
    assert leaked == [], "the bot token reached a log line"
    assert any("[redacted]" in r.getMessage() for r in caplog.records)  # the check saw URLs
    assert server.refusals == [], "the bot sent what Telegram refuses"


@pytest.fixture
def telegram_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def harness(
    tmp_path: Path,
    api: FakeBotAPI,
    sample_index: SampleIndex,
    telegram_overrides: dict[str, Any],
) -> AsyncIterator[BotHarness]:
    settings = bot_settings(tmp_path, api, sample_index, **telegram_overrides)
    async with serving(settings, api, sample_index) as harness:
        yield harness


@asynccontextmanager
async def serving(
    settings: Settings, api: FakeBotAPI, sample: SampleIndex
) -> AsyncIterator[BotHarness]:
    """The sample archive in the ingest dir, indexed with the hash embedder (a copy of the
    session's index), and the bot running on it against the fake Bot API."""
    sample.restore(settings.data_dir)
    engine = build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
    app = await start_bot(settings, engine.services, api)
    try:
        yield BotHarness(api, app, engine, settings)
    finally:
        await stop_bot(app)


def replies_to(h: BotHarness, message: dict[str, Any]) -> list[Any]:
    """Messages sent to the question's chat after it arrived: quoted replies to it, or (for
    commands in private chats) plain messages."""
    chat_id = message["chat"]["id"]
    start = h.api.pushed_at[message["message_id"]]
    found = []
    for call in h.api.calls[start:]:
        if call.method != "sendMessage" or int(call.params["chat_id"]) != chat_id:
            continue
        quoted = call.params.get("reply_parameters", {}).get("message_id")
        if quoted in (None, message["message_id"]):
            found.append(call)
    return found


async def answer_to(h: BotHarness, message: dict[str, Any]) -> Any:
    found = await h.api.wait_for(lambda: replies_to(h, message))
    return found[0]


async def say(h: BotHarness, text: str, user_id: int = ADMIN) -> str:
    """Send a message, wait until it is handled, and return the bot's last reply to it."""
    message = h.api.message(text, user_id=user_id)
    await handled(h, message)
    replies = [c for c in h.api.calls[h.api.pushed_at[message["message_id"]] :]]
    texts = [c.text for c in replies if c.method in ("sendMessage", "editMessageText")]
    return texts[-1] if texts else ""

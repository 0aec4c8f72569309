from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.telegram_app import build_application, set_commands
from retrieval.embeddings import HashEmbedder
from retrieval.services import Services, build_services
from retrieval.settings import Settings
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.fakes.telegram_server import FakeBotAPI

ADMIN = 42


@dataclass
class BotHarness:
    api: FakeBotAPI
    app: Any
    services: Services
    settings: Settings


def bot_settings(tmp_path: Path, api: FakeBotAPI, **telegram: Any) -> Settings:
    settings = make_settings(tmp_path / "data")
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


async def start_bot(settings: Settings, services: Services, api: FakeBotAPI) -> Any:
    app = build_application(settings, services)
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


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def telegram_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def harness(
    tmp_path: Path, api: FakeBotAPI, telegram_overrides: dict[str, Any]
) -> AsyncIterator[BotHarness]:
    settings = bot_settings(tmp_path, api, **telegram_overrides)
    shutil.copytree(SAMPLES, settings.ingest_dir)
    services = build_services(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
    services.index.sync([settings.ingest_dir])
    app = await start_bot(settings, services, api)
    try:
        yield BotHarness(api, app, services, settings)
    finally:
        await stop_bot(app)

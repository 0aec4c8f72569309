"""`newsbot bot` picks long polling or a webhook from the settings, and serves either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.ext import Application

from bot.telegram_app import file_base_url, run
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import make_settings


def settings_with(tmp_path: Path, **telegram: Any) -> Any:
    settings = make_settings(tmp_path / "data")
    return settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(
                update={"token": SecretStr("123:ABC"), **telegram}
            )
        }
    )


@pytest.mark.parametrize(
    ("telegram", "expected"),
    [
        ({}, ("polling", {})),
        (
            {
                "webhook_url": "https://bot.example.org/newsbot/hook",
                "webhook_port": 8443,
                "webhook_secret": SecretStr("s3cret"),
            },
            (
                "webhook",
                {
                    "listen": "0.0.0.0",
                    "port": 8443,
                    "url_path": "newsbot/hook",
                    "webhook_url": "https://bot.example.org/newsbot/hook",
                    "secret_token": "s3cret",
                },
            ),
        ),
    ],
)
def test_polling_by_default_webhook_when_configured(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    telegram: dict[str, Any],
    expected: tuple[str, dict[str, Any]],
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        Application, "run_polling", lambda self, **kw: calls.append(("polling", {}))
    )
    monkeypatch.setattr(
        Application,
        "run_webhook",
        lambda self, **kw: calls.append(
            (
                "webhook",
                {k: kw[k] for k in ("listen", "port", "url_path", "webhook_url", "secret_token")},
            )
        ),
    )
    settings = settings_with(tmp_path, **telegram)
    run(settings, build_engine(settings, embedder=HashEmbedder()).services)
    assert calls == [expected]


def test_file_url_follows_a_self_hosted_bot_api() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"

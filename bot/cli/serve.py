"""`newsbot bot`: run the Telegram bot (long polling, or a webhook when configured)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import load_settings, services_for, user_errors


def register(app: typer.Typer) -> None:
    app.command("bot")(run_bot)


def run_bot(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Index directory.")] = None,
) -> None:
    """Start the Telegram bot with NEWSBOT_TELEGRAM_TOKEN."""
    from bot.telegram_app import run

    with user_errors():
        settings = load_settings(data_dir)
        run(settings, services_for(settings))

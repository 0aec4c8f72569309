"""`newsbot`: ingest, feeds, adapt, ask, chat, stats, eval and the Telegram bot, over one
service layer.

Each command module exposes `register(app)` and never imports this one (simonw/llm's
pattern): the app is assembled here, explicitly, and nothing registers as a side effect.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import ask, backup, evaluate, feedback, feeds, index, models, serve
from bot.cli.common import configure_cli_logging, out, warn_unknown_settings
from retrieval.core.version import newsbot_version

app = typer.Typer(
    help="Ask a news archive questions; every answer cites its passages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def show_version(value: bool) -> None:
    if value:
        out.print(f"newsbot {newsbot_version()}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    configure_cli_logging(verbose)
    warn_unknown_settings()


for module in (index, backup, feeds, models, ask, feedback, evaluate, serve):
    module.register(app)

__all__ = ["app"]

"""`newsbot ingest` and `newsbot stats`: keep the index, and say what it holds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.common import (
    AsJson,
    DataDir,
    date_range,
    load_settings,
    out,
    print_json,
    progress_bar,
    services_for,
    user_errors,
)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(stats)


def ingest(
    sources: Annotated[list[str], typer.Argument(help="Files, directories or http(s) URLs.")],
    full: Annotated[bool, typer.Option(help="Rebuild into a new collection, then switch.")] = False,
    prune: Annotated[bool, typer.Option(help="Delete articles no longer in the sources.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Index articles: unchanged ones are skipped, changed ones re-embedded."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        with progress_bar("ingest") as update:
            report = services.index.sync(sources, full=full, prune=prune, progress=update)
        out.print(escape(report.summary()))
        for origin, reason in report.skipped:
            out.print(f"  skipped {escape(origin)}: {escape(reason)}")


def stats(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """What the index holds."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        s = services.index.stats()
        if as_json:
            print_json(s)
            return
        table = Table(show_header=False)
        for key, value in (
            ("articles", s.articles),
            ("stories (copies counted once)", s.stories),
            ("passages (chunks)", s.chunks),
            ("published", date_range(s.first_published, s.last_published).strip(" ,") or "–"),
            ("embedding model", s.model),
            ("store", s.store),
            ("collection", s.collection),
            ("last sync", s.last_sync or "never"),
            ("newsbot", s.version),
        ):
            table.add_row(key, escape(str(value)))
        out.print(table)

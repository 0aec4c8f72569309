"""`newsbot backup DIR` and `newsbot restore DIR`: the whole archive in one consistent folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bot.cli.common import DataDir, load_settings, out, progress_bar, services_for, user_errors


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)


def backup(
    folder: Annotated[Path, typer.Argument(help="A new or empty folder to write the backup to.")],
    data_dir: DataDir = None,
) -> None:
    """Back up the archive (catalog, vectors, lexical index, feeds, follows, feedback, adapted
    models) while the bot keeps serving; safe during a sync."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        with progress_bar("backup") as update:
            manifest = services.backups.backup(folder, progress=update)
        out.print(
            f"Backed up {manifest.articles} articles, {manifest.passages} passages "
            f"({escape(manifest.identity or 'no vectors yet')}) to {escape(str(folder))}"
        )


def restore(
    folder: Annotated[Path, typer.Argument(help="A folder written by `newsbot backup`.")],
    data_dir: DataDir = None,
) -> None:
    """Restore a backup into an empty data dir and an empty vector store. The backup is
    checked first: a corrupt or partial one is refused and nothing changes."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        with progress_bar("restore") as update:
            manifest = services.backups.restore(folder, progress=update)
        out.print(
            f"Restored {manifest.articles} articles, {manifest.passages} passages from "
            f"{escape(str(folder))} (backed up {escape(manifest.created)})"
        )

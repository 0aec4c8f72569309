"""`newsbot feedback`: readers' 👍/👎, with the question, the answer and its citations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.common import (
    AsJson,
    DataDir,
    load_settings,
    out,
    parse_day,
    print_json,
    services_for,
    user_errors,
)


def register(app: typer.Typer) -> None:
    app.command("feedback")(feedback)


def feedback(
    since: Annotated[
        str | None, typer.Option(help="Only votes from this day on (YYYY-MM-DD).")
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Every 👍/👎 readers gave, oldest first."""
    with user_errors():
        day = parse_day(since)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() if day else 0.0
        votes = services_for(load_settings(data_dir)).feedback.votes(start)
        if as_json:
            print_json(votes)
            return
        if not votes:
            out.print("No feedback yet." if not day else f"No feedback since {day}.")
            return
        table = Table("when (UTC)", "vote", "question", "answer", "cited")
        for vote in votes:
            cited = ", ".join(str(c.get("title", "")) for c in vote.citations)
            table.add_row(
                vote.at.replace("T", " ")[:16],
                "👍" if vote.up else "👎",
                escape(vote.question),
                escape(vote.answer),
                escape(cited),
            )
        out.print(table)

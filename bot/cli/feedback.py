"""`newsbot feedback`: readers' 👍/👎, with the question, the answer and its citations.
`newsbot questions`: what readers asked, grouped by meaning, with how it went (no reader ids)."""

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
    app.command("questions")(questions)


def _start(day_text: str | None) -> float:
    day = parse_day(day_text)
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() if day else 0.0


def questions(
    since: Annotated[
        str | None, typer.Option(help="Only questions from this day on (YYYY-MM-DD).")
    ] = None,
    refused: Annotated[
        bool, typer.Option("--refused", help="Only those the archive could not answer.")
    ] = False,
    disliked: Annotated[
        bool, typer.Option("--disliked", help="Only those whose answer got a 👎.")
    ] = False,
    each: Annotated[
        bool, typer.Option("--each", help="Every question on its own, oldest first.")
    ] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """What readers asked, questions that mean the same thing counted together, the most asked
    first: with --refused, the stories the archive does not have. No reader ids."""
    with user_errors():
        service = services_for(load_settings(data_dir)).questions
        start = _start(since)
        if each:
            asked = service.asked(start, refused=refused, disliked=disliked)
            if as_json:
                print_json(asked)
                return
            table = Table("when (UTC)", "outcome", "👍", "👎", "question")
            for a in asked:
                table.add_row(
                    a.at.replace("T", " ")[:16], a.outcome, str(a.up), str(a.down),
                    escape(a.question),
                )  # fmt: skip
            out.print(table if asked else "No questions.")
            return
        groups = service.grouped(start, refused=refused, disliked=disliked)
        if as_json:
            print_json(groups)
            return
        if not groups:
            out.print("No questions.")
            return
        table = Table("asked", "refused", "👎", "last (UTC)", "question (and how else it was put)")
        for g in groups:
            others = sorted(set(g.questions) - {g.question})[:2]
            also = "".join(f"\n  · {escape(q)}" for q in others)
            table.add_row(
                str(g.count), str(g.refused), str(g.down), g.last.replace("T", " ")[:16],
                escape(g.question) + also,
            )  # fmt: skip
        out.print(table)


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
        start = _start(since)
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

"""`newsbot eval`: score retrieval and answers on a question file, configurations side by side.
Parses arguments and renders; the work is `EvalService.run`."""

from __future__ import annotations

import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bot.cli.common import (
    err,
    load_settings,
    out,
    parse_day,
    progress_bar,
    services_for,
    user_errors,
)

# Kept here (not imported from the engine) so that `newsbot --help` stays instant.
CONFIG_NAMES = "naive-baseline, dense, lexical, hybrid, hybrid+recency, hybrid+recency+rerank"


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate_command)


def evaluate_command(
    questions: Annotated[Path, typer.Argument(help="Question file (JSONL).")],
    corpus: Annotated[
        list[str], typer.Option("--corpus", help="Articles to index first (skipped if indexed).")
    ],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Index directory for this corpus.")
    ] = None,
    configs: Annotated[
        str, typer.Option(help=f"Comma-separated, from: {CONFIG_NAMES}.")
    ] = CONFIG_NAMES.replace(" ", ""),
    limit: Annotated[int, typer.Option(help="Only the first N questions (0: all).")] = 0,
    withheld: Annotated[
        bool,
        typer.Option(
            "--withheld",
            help="Also ask each answerable question with every article holding its answer "
            "hidden, and score the refusals (precision/recall).",
        ),
    ] = False,
    asked_from: Annotated[
        str | None, typer.Option(help="Only questions asked on or after this day (YYYY-MM-DD).")
    ] = None,
    asked_to: Annotated[
        str | None, typer.Option(help="Only questions asked on or before this day.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Also write the results as Markdown to this file.")
    ] = None,
) -> None:
    """Index CORPUS (incrementally) and score QUESTIONS: recall@1/5/10, MRR@10, accuracy,
    refusals, query time."""
    with user_errors():
        chosen = [c.strip() for c in configs.split(",") if c.strip()]
        settings = load_settings(data_dir or load_settings().data_dir / "eval")
        services = services_for(settings)
        with progress_bar("eval") as update:
            report = services.eval.run(
                questions,
                corpus,
                configs=chosen,
                limit=limit,
                withheld=withheld,
                asked_from=parse_day(asked_from),
                asked_to=parse_day(asked_to),
                progress=update,
            )
        err.print(escape(report.index.summary()))
        out.print(escape(report.header))
        out.print(escape(report.table))
        if output:
            command = "newsbot " + " ".join(shlex.quote(a) for a in sys.argv[1:])
            output.write_text(
                report.markdown(command, f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"),
                encoding="utf-8",
            )

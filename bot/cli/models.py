"""`newsbot adapt` and `newsbot model list|use`: adapt the embedding model to the archive, and
choose which version serves it (the bot's /adapt does the same)."""

from __future__ import annotations

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
    progress_bar,
    services_for,
    user_errors,
)
from retrieval.core.errors import ConfigError

model_app = typer.Typer(help="Versions of the embedding model and trained readers: list, use.")


def register(app: typer.Typer) -> None:
    app.command()(adapt)
    app.add_typer(model_app, name="model")


def adapt(
    before: Annotated[
        str | None,
        typer.Option(
            help="Learn only from articles published before this day (YYYY-MM-DD), e.g. the "
            "first day of an evaluation's questions."
        ),
    ] = None,
    max_examples: Annotated[
        int | None,
        typer.Option(min=64, help="Training pairs (default NEWSBOT_ADAPT_MAX_EXAMPLES)."),
    ] = None,
    reranker: Annotated[
        bool,
        typer.Option(
            "--reranker",
            help="Also train a cross-encoder reranker on the same pairs (used when "
            "NEWSBOT_RETRIEVAL_RERANKER=adapted; measured in BENCHMARKS.md).",
        ),
    ] = False,
    reader: Annotated[
        bool,
        typer.Option(
            "--reader",
            help="Train a reader instead: questions made from the archive's sentences teach it "
            "which sentence answers (no re-embedding; measured in BENCHMARKS.md).",
        ),
    ] = False,
    max_questions: Annotated[
        int | None,
        typer.Option(min=16, help="Reader questions (default NEWSBOT_ADAPT_READER_QUESTIONS)."),
    ] = None,
    teacher: Annotated[
        bool,
        typer.Option(
            "--teacher",
            help="With --reader: have the LLM endpoint (NEWSBOT_LLM_BASE_URL) write the "
            "questions instead of the templates (slow: one call a question; at training only).",
        ),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Fine-tune the embedding model on the indexed archive, re-embed the index with it and
    switch to it; or, with --reader, train a reader that picks the answering sentence (the
    originals stay: `newsbot model use original`)."""
    with user_errors():
        settings = load_settings(data_dir)
        if teacher and not reader:
            raise ConfigError("--teacher writes a reader's questions: use it with --reader")
        writer = None
        if teacher:
            from retrieval.answer.llm import QuestionWriter

            writer = QuestionWriter(settings.llm)
        services = services_for(settings)
        if reader:
            with progress_bar("adapt --reader") as update:
                trained = services.models.adapt_reader(
                    before=parse_day(before),
                    max_questions=max_questions,
                    progress=update,
                    teacher=writer,
                )
            out.print(escape(trained.summary()))
            out.print(f"in use now; saved in {escape(trained.path)}")
            return
        with progress_bar("adapt") as update:
            report = services.models.adapt(
                before=parse_day(before),
                max_examples=max_examples,
                reranker=reranker,
                progress=update,
            )
        out.print(f"adapted model {escape(report.summary())}")
        out.print(f"in use now; saved in {escape(report.path)}")


@model_app.command("list")
def list_models(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """The original model and every adapted version; the one in use is marked."""
    with user_errors():
        versions = services_for(load_settings(data_dir)).models.versions()
        if as_json:
            print_json(versions)
            return
        table = Table("", "version", "how it was made")
        for version in versions:
            table.add_row("*" if version.active else "", version.name, escape(version.summary))
        out.print(table)


@model_app.command("use")
def use_model(
    name: Annotated[
        str,
        typer.Argument(
            help="original (the shipped model and no trained reader), an adapted model such "
            "as v2, or a trained reader such as r1."
        ),
    ],
    data_dir: DataDir = None,
) -> None:
    """Serve with another version: a model version re-embeds the index first; a reader is used
    from the next question."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        with progress_bar(f"model {name}") as update:
            report = services.models.use(name, progress=update)
        done = f"{report.chunks} passages re-embedded" if report.chunks else "nothing to re-embed"
        out.print(f"serving with {escape(name)}: {done}")

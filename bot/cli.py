"""`newsbot`: ingest, ask, chat, stats, eval and the Telegram bot, over one service layer."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.render_text import render_answer, render_passages
from retrieval.errors import NewsbotError

if TYPE_CHECKING:
    from retrieval.services import Services
    from retrieval.settings import Settings

app = typer.Typer(
    help="Ask a news archive questions; every answer cites its passages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)
DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Index directory (default: NEWSBOT_DATA_DIR).")
]


def load_settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    from retrieval.settings import Settings

    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings.model_copy(update=overrides) if overrides else settings


def services_for(settings: Settings) -> Services:
    from retrieval.services import build_services

    return build_services(settings)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "chromadb", "sentence_transformers", "transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    configure_logging(verbose)


@contextmanager
def user_errors() -> Iterator[None]:
    """Errors meant for users become one line and exit 1; never a traceback."""
    try:
        yield
    except NewsbotError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int], None]]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage == "done":
                return
            # While reading, the total is not known yet; elsewhere 0 means nothing to do.
            known = total if total or stage != "reading" else None
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{label}: {stage}", total=known)
            bar.update(tasks[stage], completed=done, total=known)

        yield update


@app.command()
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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    show_retrieval: Annotated[
        bool, typer.Option("--show-retrieval", help="Also print the retrieved passages.")
    ] = False,
    today: Annotated[
        str | None, typer.Option(help="Reference date YYYY-MM-DD for 'this week' etc.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Answer one question with cited passages."""
    with user_errors():
        reference = _parse_day(today)
        services = services_for(load_settings(data_dir))
        answer = services.qa.answer(question, today=reference)
        if as_json:
            payload = answer.to_dict()
            if show_retrieval:
                payload["passages"] = [
                    {
                        "title": p.title,
                        "source": p.source,
                        "text": p.text,
                        "score": p.score,
                        "article_id": p.article_id,
                    }
                    for p in answer.passages
                ]
            print(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        out.print(escape(render_answer(answer)))
        if show_retrieval:
            out.print("\n[bold]Retrieved passages[/bold]")
            out.print(escape(render_passages(answer.passages)))


CHAT_HELP = (
    "Ask anything about the archive. /sources shows the last passages, /reset forgets "
    "the conversation, /quit leaves."
)


@app.command()
def chat(data_dir: DataDir = None) -> None:
    """Talk to the archive in the terminal (follow-up questions keep their context)."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        stats = services.index.stats()
        out.print(
            f"[bold]newsbot[/bold] — {stats.articles} articles, {stats.chunks} passages"
            f"{_range(stats.first_published, stats.last_published)}. {CHAT_HELP}"
        )
        history: list[tuple[str, str]] = []
        last = None
        while True:
            try:
                line = input("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                out.print()
                return
            if not line:
                continue
            if line in ("/quit", "/exit", "/q"):
                return
            if line == "/reset":
                history.clear()
                out.print("(conversation forgotten)")
                continue
            if line == "/help":
                out.print(CHAT_HELP)
                continue
            if line == "/sources":
                out.print(escape(render_passages(last.passages if last else [])))
                continue
            if line.startswith("/"):
                out.print(f"unknown command {escape(line.split()[0])}. {CHAT_HELP}")
                continue
            try:
                last = services.qa.answer(line, history=history)
            except NewsbotError as exc:
                out.print(f"[red]{escape(str(exc))}[/red]")
                continue
            out.print(escape(render_answer(last)))
            history = [*history, (line, last.text)][-services.settings.telegram.history_turns :]


@app.command()
def stats(data_dir: DataDir = None) -> None:
    """What the index holds."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        s = services.index.stats()
        table = Table(show_header=False)
        for key, value in (
            ("articles", s.articles),
            ("passages (chunks)", s.chunks),
            ("published", _range(s.first_published, s.last_published).strip(" ,") or "–"),
            ("embedding model", s.model),
            ("store", s.store),
            ("collection", s.collection),
            ("last sync", s.last_sync or "never"),
        ):
            table.add_row(key, escape(str(value)))
        out.print(table)


def _range(first: date | None, last: date | None) -> str:
    if not first or not last:
        return ""
    return f", published {first.isoformat()} to {last.isoformat()}"


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2024-03-02") from None


def _register_more_commands() -> None:
    """`newsbot eval` and `newsbot bot` live in their own modules; importing registers them."""
    from bot import cli_bot, cli_eval  # noqa: F401


_register_more_commands()

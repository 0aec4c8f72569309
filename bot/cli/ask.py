"""`newsbot ask` and `newsbot chat`: one answer, or a conversation, in the terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from bot.cli.common import (
    DataDir,
    date_range,
    load_settings,
    out,
    parse_day,
    services_for,
    user_errors,
)
from bot.render_text import lead, render_answer, render_evidence, render_passages
from retrieval.core.errors import NewsbotError
from retrieval.core.records import Answer


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(chat)


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
        reference = parse_day(today)
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
        show_answer(answer)
        if show_retrieval:
            out.print("\n[bold]Retrieved passages[/bold]")
            out.print(escape(render_passages(answer.passages)))
            out.print("\n[bold]Why this answer[/bold]")
            out.print(escape(render_evidence(answer)))


def show_answer(answer: Answer) -> None:
    """The answer in the terminal, its short answer in bold."""
    text = Text(render_answer(answer))
    text.stylize("bold", 0, len(lead(answer)))
    out.print(text)


CHAT_HELP = (
    "Ask anything about the archive. /sources shows the last passages, /reset forgets "
    "the conversation, /quit leaves."
)


def chat(data_dir: DataDir = None) -> None:
    """Talk to the archive in the terminal (follow-up questions keep their context)."""
    with user_errors():
        services = services_for(load_settings(data_dir))
        stats = services.index.stats()
        out.print(
            f"[bold]newsbot[/bold] — {stats.articles} articles, {stats.chunks} passages"
            f"{date_range(stats.first_published, stats.last_published)}. {CHAT_HELP}"
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
            show_answer(last)
            history = services.qa.remember(history, line, last)

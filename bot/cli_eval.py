"""`newsbot eval`: score retrieval and answers on a question file, configurations side by side."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli import app, err, load_settings, out, progress_bar, services_for, user_errors
from retrieval.errors import SourceError

if TYPE_CHECKING:
    from retrieval.evaluation import EvalQuestion
    from retrieval.models import Passage
    from retrieval.services import Services

CONFIGS = (
    "naive-baseline",
    "dense",
    "lexical",
    "hybrid",
    "hybrid+recency",
    "hybrid+recency+rerank",
)


@app.command("eval")
def evaluate_command(
    questions: Annotated[Path, typer.Argument(help="Question file (JSONL).")],
    corpus: Annotated[
        list[str], typer.Option("--corpus", help="Articles to index first (skipped if indexed).")
    ],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Index directory for this corpus.")
    ] = None,
    configs: Annotated[
        str, typer.Option(help=f"Comma-separated, from: {', '.join(CONFIGS)}.")
    ] = ",".join(CONFIGS),
    limit: Annotated[int, typer.Option(help="Only the first N questions (0: all).")] = 0,
    output: Annotated[
        Path | None, typer.Option(help="Also write the results as Markdown to this file.")
    ] = None,
) -> None:
    """Index CORPUS (incrementally) and score QUESTIONS: recall@1/5/10, MRR@10, accuracy,
    refusals, query time."""
    from retrieval.answerers.extractive import ExtractiveAnswerer
    from retrieval.evaluation import evaluate, load_questions, markdown_table

    with user_errors():
        chosen = [c.strip() for c in configs.split(",") if c.strip()]
        unknown = [c for c in chosen if c not in CONFIGS]
        if unknown:
            raise typer.BadParameter(f"unknown configuration(s): {', '.join(unknown)}")
        items = load_questions(questions)
        if limit:
            items = items[:limit]
        for source in corpus:
            if not source.startswith("http") and not Path(source).exists():
                raise SourceError(f"{source}: no such file or directory")
        settings = load_settings(data_dir or load_settings().data_dir / "eval")
        services = services_for(settings)
        with progress_bar("index") as update:
            report = services.index.sync(corpus, progress=update)
        err.print(escape(report.summary()))
        answerer = ExtractiveAnswerer(services.embedder, vectors=services.vectors)
        results = []
        for name in chosen:
            search = _searcher(name, services, settings.data_dir, corpus)
            services.vectors.clear()  # each configuration's query times start cold
            with Progress(
                TextColumn(f"eval {name}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
            ) as bar:
                task = bar.add_task(name, total=len(items))
                results.append(
                    evaluate(
                        name,
                        items,
                        search,
                        answerer,
                        k_answer=settings.retrieval.top_k,
                        progress=lambda done, total, t=task: bar.update(t, completed=done),  # type: ignore[misc]
                    )
                )
        table = markdown_table(results)
        answerable = sum(1 for i in items if i.answerable)
        header = (
            f"{len(items)} questions ({answerable} answerable) from {questions}; corpus "
            f"{', '.join(corpus)}: {services.index.stats().articles} articles, "
            f"{services.index.stats().chunks} passages."
        )
        out.print(escape(header))
        out.print(escape(table))
        if output:
            command = "newsbot " + " ".join(shlex.quote(a) for a in sys.argv[1:])
            machine = (
                f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
            )
            output.write_text(
                f"<!-- written by newsbot eval on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC -->\n"
                f"Command: `{command}`  \nMachine: {machine}  \n{header}\n\n{table}\n",
                encoding="utf-8",
            )


def _searcher(
    name: str, services: Services, data_dir: Path, corpus: list[str]
) -> Callable[[EvalQuestion, int], list[Passage]]:
    """The retrieval function a configuration name stands for."""
    if name == "naive-baseline":
        from retrieval.baseline import NaiveBaseline

        baseline = NaiveBaseline(data_dir / "baseline", services.embedder)
        with progress_bar("baseline index") as update:
            baseline.build(corpus, progress=update)
        return lambda item, k: baseline.search(item.question, k)
    from retrieval.search import SearchRequest

    mode, *extras = name.split("+")
    config = replace(
        services.searcher.config,
        mode=mode,  # type: ignore[arg-type]
        recency="recency" in extras,
        rerank="rerank" in extras,
    )
    return lambda item, k: services.searcher.search(
        SearchRequest(item.question, item.asked or date.today(), k), config=config
    )

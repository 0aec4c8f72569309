"""What every `newsbot` command shares: consoles, settings, services, errors, progress bars."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.logs import configure_logging, register_secrets
from retrieval.core.errors import NewsbotError
from retrieval.core.records import Stage

if TYPE_CHECKING:
    from retrieval.core.settings import Settings
    from retrieval.services import Services

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line
DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Index directory (default: NEWSBOT_DATA_DIR).")
]


def load_settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from retrieval.core.errors import ConfigError
    from retrieval.core.settings import Settings, describe_invalid

    try:
        settings = Settings()
    except ValidationError as exc:
        raise ConfigError(describe_invalid(exc)) from None
    except SettingsError as exc:  # one pydantic-settings cannot parse before validating
        raise ConfigError(f"invalid setting: {exc}") from None
    register_secrets(settings)
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings.model_copy(update=overrides) if overrides else settings


# How the commands build the engine's services from the settings. The real one by default; a
# test hands its own (a hash embedder, a fake answerer) for the commands it runs:
# `with services_factory(factory): CliRunner().invoke(app, args)`. (Not Click's `obj`: typer
# runs its own copy of Click, whose current context `click.get_current_context` never sees.)
ServicesFactory = Callable[["Settings"], "Services"]
_FACTORY: ContextVar[ServicesFactory | None] = ContextVar("services_factory", default=None)


@contextmanager
def services_factory(factory: ServicesFactory) -> Iterator[None]:
    token = _FACTORY.set(factory)
    try:
        yield
    finally:
        _FACTORY.reset(token)


def services_for(settings: Settings) -> Services:
    factory = _FACTORY.get()
    if factory is not None:
        return factory(settings)
    from retrieval.engine import build_engine

    return build_engine(settings).services


def configure_cli_logging(verbose: bool) -> None:
    """Warnings by default, INFO with -v; NEWSBOT_LOG_LEVEL and NEWSBOT_LOG_FORMAT where set
    (-v never makes it quieter)."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from retrieval.core.settings import Settings

    try:
        settings = Settings()
        level, log_format = settings.log_level, settings.log_format
    except (ValidationError, SettingsError):  # the command reports it itself, in one line
        level, log_format = None, "text"
    chosen = logging.getLevelName(level) if level else logging.WARNING
    if verbose:
        chosen = min(chosen, logging.INFO)
    configure_logging(chosen, log_format)


AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def print_json(value: Any) -> None:
    """Dataclasses (and lists of them) as JSON, dates as ISO strings: for scripts and
    monitoring, like `ask --json`."""
    import dataclasses
    import json

    def plain(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return {k: plain(v) for k, v in dataclasses.asdict(item).items()}
        if isinstance(item, list | tuple):
            return [plain(v) for v in item]
        if isinstance(item, date):
            return item.isoformat()
        return item

    print(json.dumps(plain(value), ensure_ascii=False, indent=2))


def warn_unknown_settings() -> None:
    """A misspelt NEWSBOT_* variable or .env key, one line each, before the command runs."""
    from retrieval.core.settings import unknown_settings

    for line in unknown_settings():
        err.print(f"warning: {escape(line)}")


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


PLAIN_PROGRESS_EVERY = 15.0  # seconds between lines when stderr is not a terminal


def is_done(stage: str) -> bool:
    """A job's (`Stage.DONE`) or a part's end (`newsbot eval`'s "index done")."""
    return stage == Stage.DONE or stage.endswith(f" {Stage.DONE}")


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A `progress(stage, done, total)` callback drawing one bar a stage.

    Without a terminal (nohup, a log file, a service) a live bar draws nothing, so a line is
    written instead when a stage starts, every PLAIN_PROGRESS_EVERY seconds and when it ends.
    """
    if not err.is_terminal:
        yield _plain_progress(label)
        return
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
            if is_done(stage):
                return
            # While reading, the total is not known yet; elsewhere 0 means nothing to do.
            known = total if total or not stage.endswith(Stage.READING) else None
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{label}: {stage}", total=known)
            bar.update(tasks[stage], completed=done, total=known)

        yield update


def _plain_progress(label: str) -> Callable[[str, int, int], None]:
    last: dict[str, float] = {}  # stage -> time of its last line; inf once its end is written
    started: dict[str, float] = {}

    def update(stage: str, done: int, total: int) -> None:
        if is_done(stage):
            return
        now = time.monotonic()
        finished = bool(total) and done >= total
        since = now - last.get(stage, -PLAIN_PROGRESS_EVERY)
        if last.get(stage) == float("inf") or (not finished and since < PLAIN_PROGRESS_EVERY):
            return
        started.setdefault(stage, now)
        last[stage] = float("inf") if finished else now
        count = f"{done:,}/{total:,}" if total else f"{done:,}"
        err.print(f"{label}: {stage} {count} ({now - started[stage]:.0f} s)")

    return update


def date_range(first: date | None, last: date | None) -> str:
    if not first or not last:
        return ""
    return f", published {first.isoformat()} to {last.isoformat()}"


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2024-03-02") from None

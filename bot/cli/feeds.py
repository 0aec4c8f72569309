"""`newsbot feeds list|add|remove|poll`: the archive's feeds, for cron, systemd timers and
compose set-ups without the bot (the bot polls them itself on its JobQueue)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.common import (
    AsJson,
    DataDir,
    load_settings,
    out,
    print_json,
    services_for,
    user_errors,
)
from retrieval.live.subscriptions import PollStatus, describe_interval, parse_interval

feeds_app = typer.Typer(help="Feeds the archive polls: list, add, remove, poll.")


def register(app: typer.Typer) -> None:
    app.add_typer(feeds_app, name="feeds")


@feeds_app.command("list")
def list_feeds(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """The feeds, with their last poll, new articles and errors."""
    with user_errors():
        feeds = services_for(load_settings(data_dir)).feeds.all()
        if as_json:
            print_json(feeds)
            return
        if not feeds:
            out.print("No feeds yet: newsbot feeds add URL")
            return
        table = Table("N", "URL", "every", "last poll", "new (last / all)", "errors")
        now = time.time()
        for number, feed in enumerate(feeds, start=1):
            last = f"{int(now - feed.last_poll)}s ago" if feed.last_poll else "never"
            errors = f"{feed.failures}: {feed.last_error}" if feed.failures else "–"
            table.add_row(
                str(number),
                escape(feed.url),
                describe_interval(feed.interval_s),
                last,
                f"{feed.last_new} / {feed.total_new}",
                escape(errors),
            )
        out.print(table)


@feeds_app.command("add")
def add_feed(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL (RSS or Atom).")],
    every: Annotated[
        str | None, typer.Option(help="How often to poll it: 30m, 2h, 1d. Default: the setting.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Subscribe the archive to a feed."""
    with user_errors():
        feeds = services_for(load_settings(data_dir)).feeds
        feed = feeds.add(url, parse_interval(every) if every else None)
        out.print(f"added {escape(feed.url)}, polled every {describe_interval(feed.interval_s)}")


@feeds_app.command("remove")
def remove_feed(
    number: Annotated[int, typer.Argument(help="The feed's number in `newsbot feeds list`.")],
    data_dir: DataDir = None,
) -> None:
    """Unsubscribe from a feed (its articles stay in the archive)."""
    with user_errors():
        feeds = services_for(load_settings(data_dir)).feeds
        listed = feeds.all()
        if not 1 <= number <= len(listed):
            out.print(f"error: there is no feed {number} (newsbot feeds list)")
            raise typer.Exit(1)
        feeds.remove(listed[number - 1].id)
        out.print(f"removed {escape(listed[number - 1].url)}")


@feeds_app.command("poll")
def poll_feeds(
    due: Annotated[bool, typer.Option(help="Only feeds whose interval has passed.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Poll the feeds once now and index what is new (exit 1 if any feed failed)."""
    with user_errors():
        feeds = services_for(load_settings(data_dir)).feeds
        results = feeds.poll_due() if due else feeds.poll_all()
        for result in results:
            if result.status is PollStatus.FAILED:
                line = f"failed ({escape(result.error)})"
            elif result.status in (PollStatus.POSTPONED, PollStatus.BUSY):
                line = "put off: a re-index or another poll is running"
            else:
                line = f"{len(result.added_ids)} new, {result.updated} updated"
            out.print(f"{escape(result.feed.url)}: {line}")
        if not results:
            out.print("no feeds to poll")
        if any(r.status is PollStatus.FAILED for r in results):
            raise typer.Exit(1)

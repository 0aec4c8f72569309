"""`newsbot feeds list|add|remove|poll`, the real commands against a loopback feed server
(with the hash embedder: the feeds are under test, not the model)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.common import services_factory
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.fakes.feed_server import FeedItem, FeedServer

STORY = "The harbour authority in Port Elsin approved a new breakwater on Monday. " * 8


def run(data_dir: Path, *args: str) -> tuple[int, str]:
    hashed = services_factory(lambda s: build_engine(s, embedder=HashEmbedder()).services)
    with pytest.MonkeyPatch.context() as patch, hashed:
        patch.chdir(data_dir.parent)
        result = CliRunner().invoke(
            app,
            list(args),
            env={"NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_FETCH_ALLOW_PRIVATE": "true"},
            catch_exceptions=False,
        )
    return result.exit_code, result.output


@pytest.fixture
def server() -> Iterator[FeedServer]:
    fake = FeedServer()
    fake.start()
    yield fake
    fake.stop()


def test_feeds_commands(tmp_path: Path, server: FeedServer) -> None:
    data = tmp_path / "data"
    items = [FeedItem(f"http://example.org/{n}", f"Breakwater {n}", STORY + str(n)) for n in (1, 2)]
    url = server.feed("/news.rss", "Harbour Daily", items)
    assert run(data, "feeds", "list")[1].startswith("No feeds yet")
    code, output = run(data, "feeds", "add", url, "--every", "2h")
    assert code == 0 and "polled every 2h" in output
    code, output = run(data, "feeds", "add", url)
    assert code == 1 and "already on the list" in output
    code, output = run(data, "feeds", "add", url + "2", "--every", "1m")
    assert code == 1 and "more often than every 5m" in output
    code, output = run(data, "feeds", "poll")
    assert code == 0 and "2 new, 0 updated" in output
    code, output = run(data, "feeds", "poll", "--due")
    assert code == 0 and "no feeds to poll" in output  # polled a moment ago, due in 2h
    code, output = run(data, "feeds", "list")
    assert "2h" in output and "2 / 2" in output
    [listed] = json.loads(run(data, "feeds", "list", "--json")[1])
    assert listed["url"] == url and listed["interval_s"] == 7200 and listed["total_new"] == 2
    server.routes["/news.rss"].status = 500
    code, output = run(data, "feeds", "poll")
    assert code == 1 and "failed" in output and "HTTP 500" in output
    assert "1: " in run(data, "feeds", "list")[1]
    code, output = run(data, "feeds", "remove", "3")
    assert code == 1 and "no feed 3" in output
    assert run(data, "feeds", "remove", "1")[0] == 0
    assert re.search(r"articles\W+2\b", run(data, "stats")[1])  # its articles stay
    assert json.loads(run(data, "stats", "--json")[1])["articles"] == 2
    models = json.loads(run(data, "model", "list", "--json")[1])
    assert models == [{"name": "original", "active": True, "summary": "the model as shipped"}]

"""`newsbot feedback`: the votes readers gave, with their question, answer and citations."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.common import services_factory
from retrieval.core.records import Answer, Citation
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import make_settings


def run(data: Path, *args: str) -> tuple[int, str]:
    hashed = services_factory(lambda s: build_engine(s, embedder=HashEmbedder()).services)
    with pytest.MonkeyPatch.context() as patch, hashed:
        patch.chdir(data.parent)
        result = CliRunner().invoke(
            app, list(args), env={"NEWSBOT_DATA_DIR": str(data)}, catch_exceptions=False
        )
    return result.exit_code, result.output


def test_feedback_lists_votes_with_their_answers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = build_engine(make_settings(data), embedder=HashEmbedder()).services.feedback
    assert run(data, "feedback")[1].strip() == "No feedback yet."
    cited = Citation(1, "a1", "Cup final", "Herald", date(2025, 5, 20), "https://e.org/1", "q")
    first = log.record(1, 7, "Who won the cup?", Answer("Harborview FC won. [1]", [cited]))
    second = log.record(1, 8, "Who lost?", Answer("Kelby Rovers lost. [1]", [cited]))
    assert log.vote(first, 7, up=True) and log.vote(second, 8, up=False)
    code, output = run(data, "feedback", "--json")
    votes = json.loads(output)
    assert code == 0 and [(v["question"], v["up"]) for v in votes] == [
        ("Who won the cup?", True),
        ("Who lost?", False),
    ]
    assert votes[0]["citations"][0]["title"] == "Cup final" and votes[0]["answer_id"] == first
    table = run(data, "feedback")[1]
    assert "Who won the cup?" in table and "Cup final" in table
    tomorrow = date.fromtimestamp(time.time() + 86400).isoformat()
    assert json.loads(run(data, "feedback", "--json", "--since", tomorrow)[1]) == []
    code, output = run(data, "feedback", "--since", "yesterday")
    assert code != 0 and "not a date like" in output
    assert log.counts(since=time.time() + 60) == (0, 0, 0) and log.counts() == (2, 1, 1)

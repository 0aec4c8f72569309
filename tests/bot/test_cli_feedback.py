"""`newsbot feedback`: the votes readers gave, with their question, answer and citations."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.common import services_factory
from retrieval.core.records import Answer, Citation
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import make_settings

pytestmark = pytest.mark.unit


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


@pytest.mark.integration
def test_questions_are_grouped_by_meaning_with_their_outcome(
    tmp_path: Path, real_embedder: Any
) -> None:
    """`newsbot questions`: rephrasings of one question counted together with the bundled
    model, the most asked first; --refused keeps what the archive could not answer; no reader
    id anywhere in the output."""
    data = tmp_path / "data"
    log = build_engine(make_settings(data), embedder=HashEmbedder()).services.feedback
    refused = Answer("The archive does not say.", [], refused=True)
    for user, question in (
        (7, "Who won the national cup final?"),
        (8, "Which team won the national cup final?"),
        (9, "Who won the cup final this year?"),
        (7, "When does the new tram line open?"),
    ):
        log.record(1, user, question, refused if "tram" in question else Answer("Harborview."))
    answered = log.record(1, 9, "How many jobs will Corvanta cut?", Answer("600 [1]", []))
    assert log.vote(answered, 9, up=False)

    def questions(*args: str) -> Any:
        real = services_factory(lambda s: build_engine(s, embedder=real_embedder).services)
        with pytest.MonkeyPatch.context() as patch, real:
            patch.chdir(data.parent)
            result = CliRunner().invoke(
                app,
                ["questions", *args],
                env={"NEWSBOT_DATA_DIR": str(data)},
                catch_exceptions=False,
            )
        assert result.exit_code == 0, result.output
        return result.output

    groups = json.loads(questions("--json"))
    assert [(g["count"], g["question"]) for g in groups] == [
        (3, "Who won the national cup final?"),
        (1, "How many jobs will Corvanta cut?"),
        (1, "When does the new tram line open?"),
    ]  # equal counts: the last asked first
    assert sorted(groups[0]["questions"]) == sorted(
        [
            "Who won the national cup final?",
            "Which team won the national cup final?",
            "Who won the cup final this year?",
        ]
    )
    gaps = json.loads(questions("--refused", "--json"))
    assert [(g["question"], g["refused"]) for g in gaps] == [
        ("When does the new tram line open?", 1)
    ]
    disliked = json.loads(questions("--disliked", "--each", "--json"))
    assert [(a["question"], a["down"]) for a in disliked] == [
        ("How many jobs will Corvanta cut?", 1)
    ]
    table = questions()
    assert "Who won the national cup final?" in table and "user" not in table.lower()
    fields = {"question", "count", "refused", "down", "last", "questions"}
    assert all(set(g) == fields for g in groups)  # nothing that names a reader
    assert set(disliked[0]) == {"at", "question", "outcome", "up", "down"}

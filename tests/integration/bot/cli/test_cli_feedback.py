"""`newsbot feedback`: the votes readers gave, with their question, answer and citations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.common import services_factory
from retrieval.core.records import Answer
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import make_settings


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

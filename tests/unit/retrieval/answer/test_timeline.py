"""Timeline answers: "What has happened with X?" lists dated passages, newest first."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from retrieval.core.analysis import is_timeline
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from tests.conftest import make_settings

STORIES = [
    (
        "2023-01-10",
        "Port Elsin approves breakwater",
        "The council of Port Elsin approved the "
        "breakwater plan on Tuesday after storms flooded the old quay twice last winter.",
    ),
    (
        "2023-03-02",
        "Breakwater construction begins in Port Elsin",
        "Construction of the Port "
        "Elsin breakwater began on Thursday, with barges bringing the first granite blocks.",
    ),
    (
        "2023-02-14",
        "Breakwater costs rise in Port Elsin",
        "The Port Elsin breakwater will cost "
        "41 million euros, eight million more than planned, the harbour authority said.",
    ),
    (
        "2023-02-20",
        "Cheese festival draws crowds",
        "The cheese festival in Valbonne drew record "
        "crowds to the market square on Sunday, organisers said.",
    ),
]


@pytest.mark.parametrize(
    "question",
    [
        "What has happened with the Port Elsin breakwater?",
        "What's been happening in Port Elsin?",
        "latest on the breakwater",
        "Any developments on the breakwater?",
        "Give me a timeline of the breakwater project",
        "What's new with the breakwater?",
        "What is the latest?",
        "Give me the latest news about the breakwater",
    ],
)
def test_timeline_questions_are_recognised(question: str) -> None:
    assert is_timeline(question)


@pytest.mark.parametrize(
    "question",
    [
        "How much will the breakwater cost?",
        "Who approved the breakwater?",
        "What happened?",
        # "the latest" as an adjective asks for one thing (RealTimeQA quiz questions, which
        # the bot's path sent to the timeline before this was measured through it)
        "Which company is the latest port to announce a breakwater?",
        "Which striker became one of the latest stars to switch clubs?",
    ],
)
def test_other_questions_are_not_timelines(question: str) -> None:
    assert not is_timeline(question)


def test_a_timeline_answer_lists_each_story_dated_newest_first(tmp_path: Path) -> None:
    source = tmp_path / "stories.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(
                {
                    "title": t,
                    "text": f"{x} " * 3,
                    "date": d,
                    "source": "Harbour Daily",
                    "url": f"https://example.org/{n}",
                }
            )
            for n, (d, t, x) in enumerate(STORIES)
        )
    )
    engine = build_engine(
        make_settings(tmp_path / "data"), embedder=HashEmbedder(), today=lambda: date(2023, 3, 5)
    )
    engine.services.index.sync([source])
    answer = engine.services.qa.answer("What has happened with the Port Elsin breakwater?")
    assert answer.timeline and not answer.refused
    lines = answer.text.splitlines()
    assert [line.split(" — ")[0] for line in lines] == ["02 Mar 2023", "14 Feb 2023", "10 Jan 2023"]
    assert all(line.endswith(f"[{n}]") for n, line in enumerate(lines, start=1))
    assert [c.published for c in answer.citations] == sorted(
        (c.published for c in answer.citations), reverse=True
    )
    assert all("breakwater" in c.quote for c in answer.citations)
    plain = engine.services.qa.answer("How much will the Port Elsin breakwater cost?")
    assert not plain.timeline and "41 million euros" in plain.text

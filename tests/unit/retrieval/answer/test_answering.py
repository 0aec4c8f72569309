from __future__ import annotations

from datetime import date

import pytest

from retrieval.answer.answerer import REFUSAL
from retrieval.answer.citations import renumber
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.kinds import short_answer
from retrieval.answer.question import Question
from retrieval.core.records import Passage
from retrieval.search.rewriting import contextual_query, is_follow_up


def passage(n: int, text: str, title: str = "Forum in Moscow") -> Passage:
    return Passage(
        f"a{n}:0000",
        f"a{n}",
        text,
        title,
        "Trend",
        date(2019, 11, 25),
        f"https://e.org/{n}",
        1.0 / n,
    )


FORUM = [
    passage(
        1,
        "The forum was organised by the economy ministries of both countries. It was held "
        "Nov. 22-23 in Moscow, the organisers said.",
    ),
    passage(
        2,
        "The forum was attended by First Vice-President Mehriban Aliyeva and Valentina "
        "Matviyenko, officials said. Business leaders from both countries came too.",
    ),
    passage(
        3,
        "Trade between the two countries grew by 12 percent last year to 3.2 billion "
        "dollars, ministers said.",
    ),
]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who attended the forum?", "person"),
        ("When was the forum held?", "date"),
        ("How much did trade grow?", "number"),
        ("Which team does Hamlin play for?", "organisation"),
        ("Where was the forum held?", "place"),
        ("Tell me about the forum", "any"),
        ("Ardern has served as prime minister since when?", "date"),
        # A "when" clause that sets the scene does not ask for a date.
        ("The network said this week when it announced it would part with which host?", "name"),
        ("Who was on the throne when the colonies declared independence?", "person"),
    ],
)
def test_answer_type(question: str, kind: str) -> None:
    assert Question.read(question).worded == kind


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who attended the forum?", "Mehriban Aliyeva"),
        ("When was the forum held?", "Nov. 22-23"),
        ("How much did trade between the countries grow?", "12 percent"),
    ],
)
def test_picks_the_sentence_with_the_asked_kind_of_answer(question: str, expected: str) -> None:
    answer = ExtractiveAnswerer().answer(Question.read(question), FORUM)
    assert not answer.refused
    assert expected in answer.text
    assert answer.text.count("[") <= 2  # one or two sentences, each cited
    for citation in answer.citations:
        assert citation.quote in FORUM[int(citation.article_id[1:]) - 1].text
        assert f"[{citation.n}]" in answer.text
        assert citation.title and citation.source and citation.url and citation.published


def test_refuses_when_the_evidence_is_weak() -> None:
    """The answerer's own weak-evidence floor (`refuse_below`, the "score" decision); the
    learned decision reads the bundled model's scales and is tested with it."""
    scored = ExtractiveAnswerer(config=ExtractiveConfig(refusal="score"))
    answer = scored.answer(Question.read("Who won the Nobel Prize in Literature?"), FORUM)
    assert answer.refused and answer.text == REFUSAL and answer.citations == []
    assert answer.missing  # and it says what was missing
    assert ExtractiveAnswerer().answer(Question.read("Who attended?"), []).refused


def test_renumber_drops_unknown_markers_and_numbers_by_first_use() -> None:
    text, citations = renumber("Trade grew [3]. Aliyeva came [2][9]. Again [3, 2].", FORUM)
    assert text == "Trade grew [1]. Aliyeva came [2]. Again [1][2]."
    assert [(c.n, c.article_id) for c in citations] == [(1, "a3"), (2, "a2")]
    assert citations[0].quote in FORUM[2].text


def test_follow_up_detection_and_context() -> None:
    history = [("When was the Russia-Azerbaijan forum held?", "Nov. 22-23 [1]")]
    assert is_follow_up("Who attended it?")
    assert is_follow_up("And who attended?")
    assert not is_follow_up("Who attended the Russia-Azerbaijan forum?")
    query, extra = contextual_query("Who attended it?", history)
    assert "Russia-Azerbaijan forum" in query and extra == history[0][0]
    assert contextual_query("Who attended it?", []) == ("Who attended it?", "")
    standalone = "Which team does Damar Hamlin play for?"
    assert contextual_query(standalone, history) == (standalone, "")


def test_a_word_opening_the_sentence_is_not_part_of_the_name_after_it() -> None:
    # Found reading April-June answers by hand: "While Salt Bae was there, …" gave a bold
    # "While Salt Bae".
    sentence = "While Salt Bae was there, he salted the food of gymnast Simone Biles."
    assert (
        short_answer(sentence, Question.read("Who was named sportswoman of the year?"))
        == "Salt Bae"
    )
    assert short_answer(
        "The Rovers signed Kwame Osei.", Question.read("Who did the Rovers sign?")
    ) == ("Kwame Osei")

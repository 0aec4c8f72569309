from __future__ import annotations

from datetime import date

import pytest

from retrieval.search.timeframe import resolve_timeframe

TODAY = date(2023, 3, 10)


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What did the Fed do this week?", date(2023, 3, 2), TODAY),
        ("Who won the game yesterday?", date(2023, 3, 8), TODAY),
        ("What happened today in Paris?", date(2023, 3, 9), TODAY),
        ("What did the council decide last week?", date(2023, 2, 23), TODAY),
        ("What happened last month?", date(2023, 2, 1), TODAY),
        ("What was decided in 2019?", date(2019, 1, 1), date(2020, 2, 4)),
        ("What was the inflation rate in January?", date(2023, 1, 1), date(2023, 3, 7)),
        ("What happened in December?", date(2022, 12, 1), date(2023, 2, 4)),
        ("What happened on March 3?", date(2023, 3, 2), date(2023, 3, 6)),
        ("What happened on Nov. 22, 2019?", date(2019, 11, 21), date(2019, 11, 25)),
        ("What happened two weeks ago?", date(2023, 2, 20), date(2023, 2, 28)),
        ("Who resigned in the past 3 days?", date(2023, 3, 6), TODAY),
    ],
)
def test_time_words_resolve_against_the_reference_date(
    question: str, start: date, end: date
) -> None:
    frame = resolve_timeframe(question, TODAY)
    assert frame.explicit
    assert (frame.start, frame.end) == (start, end)


def test_no_time_words_means_only_not_after_today() -> None:
    frame = resolve_timeframe("Which team does Damar Hamlin play for?", TODAY)
    assert (frame.start, frame.end, frame.explicit) == (None, TODAY, False)


def test_may_the_verb_is_not_a_month() -> None:
    assert not resolve_timeframe("Who may become the next president?", TODAY).explicit

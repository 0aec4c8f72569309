"""Time words in questions, read against a reference date ("today" for the bot, the quiz date in
evaluation): "this week", "yesterday", "last month", "in 2019", "on March 3", "3 days ago";
Russian ones from `timeframe_ru.py`, Azerbaijani ones from `timeframe_az.py`; other languages'
dates and relative days through dateparser, which reads some 200 languages."""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from retrieval.core import azerbaijani as az
from retrieval.core.language import CYRILLIC
from retrieval.search.timeframe_az import azerbaijani_rules
from retrieval.search.timeframe_ru import russian_rules
from retrieval.search.windows import (
    around,
    day,
    days_before,
    latest_month,
    month_span,
    previous_month,
    span,
)

logger = logging.getLogger(__name__)

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9
MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
UNITS = {"day": 1, "week": 7, "month": 31, "year": 366}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "few": 3,
    "several": 5,
}


@dataclass(frozen=True)
class TimeFrame:
    """Published-date bounds for a question. `explicit`: the question named a time."""

    start: date | None
    end: date | None
    explicit: bool
    phrase: str = ""


def resolve_timeframe(question: str, today: date, language: str = "en") -> TimeFrame:
    """The published-date window a question names, if any. `language`: the question's (ISO
    639-1); English and Russian are read from tables, others through dateparser."""
    q = question.lower()
    if CYRILLIC.search(q):
        return _first_match(q, russian_rules(today), today)
    if language == "az":  # dateparser reads "Fevral ayında" as one day: the table only
        return _first_match(az.lower(question), azerbaijani_rules(today), today)
    frame = _first_match(q, _english_rules(today), today)
    if frame.explicit or language in ("en", "ru"):
        return frame
    return _dateparser_frame(question, today, language)


def _english_rules(today: date) -> list[tuple[str, object]]:
    return [
        (r"\btoday\b|\bthis morning\b|\btonight\b", lambda m: (today - timedelta(days=1), today)),
        (r"\byesterday\b", lambda m: (today - timedelta(days=2), today)),
        (r"\b(this|past) weekend\b", lambda m: (today - timedelta(days=4), today)),
        (r"\b(this|past) week\b", lambda m: (today - timedelta(days=8), today)),
        (r"\blast week\b", lambda m: (today - timedelta(days=15), today)),
        (r"\b(this|past) month\b", lambda m: (today - timedelta(days=31), today)),
        (r"\blast month\b", lambda m: (month_span(*previous_month(today))[0], today)),
        (r"\bthis year\b", lambda m: (date(today.year, 1, 1), today)),
        (
            r"\blast year\b",
            lambda m: span(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        ),
        (
            rf"\b(?:the )?(past|last) (\d+|{'|'.join(NUMBER_WORDS)}) (day|week|month|year)s?\b",
            lambda m: (days_before(today, _count(m[2]) * UNITS[m[3]] + 1), today),
        ),
        (
            rf"\b(\d+|{'|'.join(NUMBER_WORDS)}) (day|week|month|year)s? ago\b",
            lambda m: around(days_before(today, _count(m[1]) * UNITS[m[2]]), UNITS[m[2]]),
        ),
        (
            rf"\b{MONTH} (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b",
            lambda m: day(int(m[3]), MONTHS[m[1][:3]], int(m[2])),
        ),
        (
            rf"\b(\d{{1,2}})(?:st|nd|rd|th)? {MONTH},? (\d{{4}})\b",
            lambda m: day(int(m[3]), MONTHS[m[2][:3]], int(m[1])),
        ),
        (
            rf"\bon {MONTH} (\d{{1,2}})(?:st|nd|rd|th)?\b",
            lambda m: day(latest_month(MONTHS[m[1][:3]], today), MONTHS[m[1][:3]], int(m[2])),
        ),
        (
            rf"\bin {MONTH},? (\d{{4}})\b",
            lambda m: span(*month_span(int(m[2]), MONTHS[m[1][:3]])),
        ),
        (
            rf"\bin {MONTH}\b(?! \d)",
            lambda m: span(*month_span(latest_month(MONTHS[m[1][:3]], today), MONTHS[m[1][:3]])),
        ),
        (
            r"\b(?:in|during|of|since) (19\d\d|20\d\d)\b",
            lambda m: span(date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)),
        ),
    ]


def _first_match(q: str, rules: Sequence[tuple[str, object]], today: date) -> TimeFrame:
    for pattern, make in rules:
        match = re.search(pattern, q)
        if not match:
            continue
        try:
            start, end = make(match)  # type: ignore[operator]
        except (ValueError, KeyError, OverflowError):  # "on February 30", "in 0000"
            continue
        return TimeFrame(start, min(end, today), True, match.group(0))
    return TimeFrame(None, today, False)


def _dateparser_frame(question: str, today: date, language: str) -> TimeFrame:
    """A date or a relative day in another language ("Dünən", "geçen hafta", "3 mars 2023"),
    as a few days around it."""
    try:
        from dateparser.search import search_dates

        found = search_dates(
            question,
            languages=[language],
            settings={"RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
                      "PREFER_DATES_FROM": "past"},
        )  # fmt: skip
    except (ValueError, KeyError, OverflowError) as exc:  # a language dateparser lacks
        logger.debug("dateparser could not read %r: %s", question, exc)
        return TimeFrame(None, today, False)
    for phrase, moment in found or []:
        when = moment.date()
        if date(1900, 1, 1) <= when <= today:
            start, end = around(when, 3)
            return TimeFrame(start, min(end, today), True, phrase)
    return TimeFrame(None, today, False)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 1)

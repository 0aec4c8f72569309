"""Time words in questions, read against a reference date ("today" for the bot, the quiz date in
evaluation): "this week", "yesterday", "last month", "in 2019", "on March 3", "3 days ago";
Russian ones from `timeframe_ru.py`; other languages' dates and relative days through
dateparser, which reads some 200 languages."""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from retrieval.core.language import CYRILLIC
from retrieval.search.timeframe_ru import russian_rules

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
# News reports an event on the day or the days after it...
REPORTING_GRACE = timedelta(days=3)
# ...and a month's or a year's figures in the weeks after it ends.
PERIOD_GRACE = timedelta(days=35)
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


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _latest_month(month: int, today: date) -> int:
    """The year of the most recent `month` not after today."""
    return today.year if month <= today.month else today.year - 1


def resolve_timeframe(question: str, today: date, language: str = "en") -> TimeFrame:
    """The published-date window a question names, if any. `language`: the question's (ISO
    639-1); English and Russian are read from tables, others through dateparser."""
    q = question.lower()
    if CYRILLIC.search(q):
        return _first_match(q, russian_rules(today), today)
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
        (r"\blast month\b", lambda m: (_month_span(*_previous_month(today))[0], today)),
        (r"\bthis year\b", lambda m: (date(today.year, 1, 1), today)),
        (
            r"\blast year\b",
            lambda m: _span(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        ),
        (
            rf"\b(?:the )?(past|last) (\d+|{'|'.join(NUMBER_WORDS)}) (day|week|month|year)s?\b",
            lambda m: (_days_before(today, _count(m[2]) * UNITS[m[3]] + 1), today),
        ),
        (
            rf"\b(\d+|{'|'.join(NUMBER_WORDS)}) (day|week|month|year)s? ago\b",
            lambda m: _around(_days_before(today, _count(m[1]) * UNITS[m[2]]), UNITS[m[2]]),
        ),
        (
            rf"\b{MONTH} (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b",
            lambda m: _day(int(m[3]), MONTHS[m[1][:3]], int(m[2])),
        ),
        (
            rf"\b(\d{{1,2}})(?:st|nd|rd|th)? {MONTH},? (\d{{4}})\b",
            lambda m: _day(int(m[3]), MONTHS[m[2][:3]], int(m[1])),
        ),
        (
            rf"\bon {MONTH} (\d{{1,2}})(?:st|nd|rd|th)?\b",
            lambda m: _day(_latest_month(MONTHS[m[1][:3]], today), MONTHS[m[1][:3]], int(m[2])),
        ),
        (
            rf"\bin {MONTH},? (\d{{4}})\b",
            lambda m: _span(*_month_span(int(m[2]), MONTHS[m[1][:3]])),
        ),
        (
            rf"\bin {MONTH}\b(?! \d)",
            lambda m: _span(*_month_span(_latest_month(MONTHS[m[1][:3]], today), MONTHS[m[1][:3]])),
        ),
        (
            r"\b(?:in|during|of|since) (19\d\d|20\d\d)\b",
            lambda m: _span(date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)),
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
            start, end = _around(when, 3)
            return TimeFrame(start, min(end, today), True, phrase)
    return TimeFrame(None, today, False)


def _days_before(today: date, days: int) -> date:
    """`days` before today, or the earliest date there is ("the past 3000 years")."""
    if days >= (today - date.min).days:
        return date.min
    return today - timedelta(days=days)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 1)


def _previous_month(today: date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def _span(start: date, end: date) -> tuple[date, date]:
    return start, end + PERIOD_GRACE


def _day(year: int, month: int, day: int) -> tuple[date, date]:
    when = date(year, month, day)
    return when - timedelta(days=1), when + REPORTING_GRACE


def _around(when: date, width_days: int) -> tuple[date, date]:
    half = timedelta(days=max(2, width_days // 2 + 1))
    start = when - half if (when - date.min) > half else date.min
    return start, when + half

"""Russian time words, read as the English ones are (`timeframe.py`): "вчера", "на прошлой
неделе", "в прошлом месяце", "три дня назад", "3 марта 2023 года", "в марте", "в 2022 году".

A table, like the English one, rather than dateparser alone: dateparser turns a phrase into one
moment and misses "на прошлой неделе" altogether, while a question needs a window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from retrieval.search import windows

MONTH_STEMS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
MONTH = r"(январ[ья]|январе|феврал[ья]|феврале|марта?|марте|апрел[ья]|апреле|ма[йяе]|июн[ья]|июне|июл[ья]|июле|августа?|августе|сентябр[ья]|сентябре|октябр[ья]|октябре|ноябр[ья]|ноябре|декабр[ья]|декабре)"  # noqa: E501
NUMBER_WORDS = {
    "один": 1, "одну": 1, "одного": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "десять": 10, "несколько": 3, "пару": 2,
}  # fmt: skip
_COUNT = rf"(\d+|{'|'.join(NUMBER_WORDS)})"
UNIT = r"(дн[еяи]\w*|день|недел\w*|месяц\w*|год\w*|лет)"


def month_number(word: str) -> int:
    for stem, number in MONTH_STEMS.items():
        if word.startswith(stem):
            return number
    raise KeyError(word)


def count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 1)


def unit_days(word: str) -> int:
    if word.startswith("нед"):
        return 7
    if word.startswith("месяц"):
        return 31
    if word.startswith(("год", "лет")):
        return 366
    return 1


Rule = tuple[str, Callable[[Any], tuple[date, date]]]


def russian_rules(today: date) -> list[Rule]:
    """(pattern, window) pairs in the order they are tried, drawn with the window makers
    `timeframe` uses, so both languages get the same windows."""
    return [
        (r"\bсегодня\b|\bсегодняшн\w*|\bэтим утром\b|\bэтой ночью\b",
         lambda m: (today - timedelta(days=1), today)),
        (r"\bвчера\b|\bвчерашн\w*", lambda m: (today - timedelta(days=2), today)),
        (r"\b(?:на )?(?:этих|прошедших|прошлых) выходных\b",
         lambda m: (today - timedelta(days=4), today)),
        (r"\bна этой неделе\b|\bза (?:последнюю |эту )?неделю\b",
         lambda m: (today - timedelta(days=8), today)),
        (r"\bна прошлой неделе\b", lambda m: (today - timedelta(days=15), today)),
        (r"\bв этом месяце\b|\bза (?:последний |этот )?месяц\b",
         lambda m: (today - timedelta(days=31), today)),
        (r"\bв прошлом месяце\b",
         lambda m: (windows.month_span(*windows.previous_month(today))[0], today)),
        (r"\bв этом году\b|\bс начала года\b", lambda m: (date(today.year, 1, 1), today)),
        (r"\bв прошлом году\b",
         lambda m: windows.span(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
        (rf"\bза (?:последние|прошедшие) {_COUNT} {UNIT}",
         lambda m: (windows.days_before(today, count(m[1]) * unit_days(m[2]) + 1), today)),
        (rf"\b{_COUNT} {UNIT} назад\b",
         lambda m: windows.around(windows.days_before(today, count(m[1]) * unit_days(m[2])),
                             unit_days(m[2]))),
        (rf"\b(\d{{1,2}}) {MONTH} (\d{{4}})",
         lambda m: windows.day(int(m[3]), month_number(m[2]), int(m[1]))),
        (rf"\b(\d{{1,2}}) {MONTH}\b",
         lambda m: windows.day(windows.latest_month(month_number(m[2]), today), month_number(m[2]),
                          int(m[1]))),
        (rf"\bв {MONTH} (\d{{4}})",
         lambda m: windows.span(*windows.month_span(int(m[2]), month_number(m[1])))),
        (rf"\bв {MONTH}\b(?! \d)",
         lambda m: windows.span(*windows.month_span(windows.latest_month(month_number(m[1]), today),
                                           month_number(m[1])))),
        (r"\b(?:в|во|за|с|до) (19\d\d|20\d\d)(?:\s*(?:год\w*|г\.))?",
         lambda m: windows.span(date(int(m[1]), 1, 1), date(int(m[1]), 12, 31))),
    ]  # fmt: skip

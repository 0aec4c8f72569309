"""Azerbaijani time words, read as the English and Russian ones are: "dünən", "bu gün", "keçən
həftə", "üç gün əvvəl", "bu ilin martında", "fevral ayında", "14 aprel 2025-ci il",
"aprelin 14-də", "2024-cü ildə".

A table rather than dateparser: dateparser reads "Fevral ayında" as the 20th of February and
"keçən həftə" as one day, misses "bu ilin martında" and "üç gün əvvəl", while a question
needs a window (a month's figures are reported in the weeks after it)."""

from __future__ import annotations

from datetime import date, timedelta

from retrieval.search import windows
from retrieval.search.timeframe_ru import Rule

MONTH_STEMS = {
    "yanvar": 1, "fevral": 2, "mart": 3, "aprel": 4, "may": 5, "iyun": 6, "iyul": 7,
    "avqust": 8, "sentyabr": 9, "oktyabr": 10, "noyabr": 11, "dekabr": 12,
}  # fmt: skip
# A month with its case ending: mart, martda, martın, martında, mayın, iyununda.
MONTH = rf"({'|'.join(MONTH_STEMS)})(?:ın|in|un|ün|nın|nin|da|də|ında|ində|unda|ündə)?\b"
NUMBER_WORDS = {
    "bir": 1, "iki": 2, "üç": 3, "dörd": 4, "beş": 5, "altı": 6, "yeddi": 7, "səkkiz": 8,
    "doqquz": 9, "on": 10, "bir neçə": 3,
}  # fmt: skip
_COUNT = rf"(\d+|{'|'.join(sorted(NUMBER_WORDS, key=len, reverse=True))})"
# A unit with its case ending: gün, günə, həftədə, ayda, ilin (never "ilk", "aylıq").
UNIT = r"(gün|həftə|ay|il)(?:[ıiuüə]|[dt][aə]|[dt][aə]n|d[aə]k|[ıi]n|l[aə]r\w*)?\b"
_ENDING = r"(?:[ıiuüə]|[dt][aə]|[dt][aə]n|[ıiuü]n|[ıiuü]n[dt][aə]|d[aə]k|ki|[dt][aə]ki)?\b"
UNIT_DAYS = {"gün": 1, "həftə": 7, "ay": 31, "il": 366}
# The year's suffix: 2025-ci il, 2024-cü ildə, 2023-cü ilin.
YEAR = r"(19\d\d|20\d\d)(?:-(?:ci|cı|cu|cü))?"


def month_number(word: str) -> int:
    return MONTH_STEMS[word]


def count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 1)


def azerbaijani_rules(today: date) -> list[Rule]:
    """(pattern, window) pairs in the order they are tried, over the question lower-cased the
    Azerbaijani way, drawn with the window makers the English and Russian tables use."""

    def this_years(month: int) -> tuple[date, date]:
        return windows.span(*windows.month_span(today.year, month))

    return [
        (r"\bbu ?gün\b|\bbu günkü\b|\bbu səhər\b|\bbu axşam\b",
         lambda m: (today - timedelta(days=1), today)),
        (r"\bdünən\w*", lambda m: (today - timedelta(days=2), today)),
        (r"\b(?:bu|keçən|ötən) həftə ?sonu\w*", lambda m: (today - timedelta(days=4), today)),
        (rf"\bbu həftə{_ENDING}", lambda m: (today - timedelta(days=8), today)),
        (rf"\b(?:keçən|ötən) həftə{_ENDING}", lambda m: (today - timedelta(days=15), today)),
        (rf"\b(?:bu|keçən|ötən) ilin {MONTH}",
         lambda m: this_years(month_number(m[1])) if m[0].startswith("bu")
         else windows.span(*windows.month_span(today.year - 1, month_number(m[1])))),
        (rf"\bbu ay{_ENDING}", lambda m: (today - timedelta(days=31), today)),
        (rf"\b(?:keçən|ötən) ay{_ENDING}",
         lambda m: (windows.month_span(*windows.previous_month(today))[0], today)),
        (rf"\bbu il{_ENDING}", lambda m: (date(today.year, 1, 1), today)),
        (rf"\b(?:keçən|ötən) il{_ENDING}",
         lambda m: windows.span(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
        (rf"\b(?:son|ötən|keçən) {_COUNT} {UNIT}",
         lambda m: (windows.days_before(today, count(m[1]) * UNIT_DAYS[m[2]] + 1), today)),
        (rf"\b{_COUNT} {UNIT} (?:əvvəl|öncə|bundan qabaq)\b",
         lambda m: windows.around(windows.days_before(today, count(m[1]) * UNIT_DAYS[m[2]]),
                                  UNIT_DAYS[m[2]])),
        (rf"\b(\d{{1,2}}) {MONTH} {YEAR}",
         lambda m: windows.day(int(m[3]), month_number(m[2]), int(m[1]))),
        (r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b",
         lambda m: windows.day(int(m[3]), int(m[2]), int(m[1]))),
        (rf"\b(\d{{1,2}}) {MONTH}",
         lambda m: windows.day(windows.latest_month(month_number(m[2]), today),
                               month_number(m[2]), int(m[1]))),
        (rf"\b{MONTH} (\d{{1,2}})-(?:[dt]ə|[dt]a|i|ı|u|ü|si|sı|su|sü)",  # aprelin 14-də
         lambda m: windows.day(windows.latest_month(month_number(m[1]), today),
                               month_number(m[1]), int(m[2]))),
        (rf"\b{YEAR} ilin {MONTH}",
         lambda m: windows.span(*windows.month_span(int(m[1]), month_number(m[2])))),
        (rf"\b{MONTH} {YEAR}",
         lambda m: windows.span(*windows.month_span(int(m[2]), month_number(m[1])))),
        (rf"\b{MONTH}(?: ay\w*)?(?! \d)",
         lambda m: windows.span(*windows.month_span(
             windows.latest_month(month_number(m[1]), today), month_number(m[1])))),
        (rf"\b{YEAR} il\w*",
         lambda m: windows.span(date(int(m[1]), 1, 1), date(int(m[1]), 12, 31))),
    ]  # fmt: skip

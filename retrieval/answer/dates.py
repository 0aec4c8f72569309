"""The short answer to a *when* question, read as a news reader reads a story: a weekday or
"yesterday" counts back from the day the story was published, and a sentence that gives no date
at all is answered with the story's own date, said as such.

A story of 27 May 2025 (a Tuesday) saying the bridge "opened on Monday": **26 May 2025**.
"The runway reopened after six weeks of repairs", published 5 March 2025: **reported
05 Mar 2025**.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from retrieval.answer.answerer import question_texts
from retrieval.answer.forms import Kind
from retrieval.answer.kinds import things
from retrieval.answer.question import Question
from retrieval.core.i18n import format_day, mark
from retrieval.core.records import Passage

WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "понедельник"),
            ("tuesday", "вторник"),
            ("wednesday", "среду", "среда"),
            ("thursday", "четверг"),
            ("friday", "пятницу", "пятница"),
            ("saturday", "субботу", "суббота"),
            ("sunday", "воскресенье"),
        )
    )
    for name in names
}
# Days named by their distance from the day of the story.
RELATIVE_DAYS = {
    "yesterday": -1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "earlier today": 0,
    "вчера": -1,
    "сегодня": 0,
    "позавчера": -2,
}
RELATIVE = re.compile(  # not "today's": an adjective, not a day
    r"\b(?:" + "|".join(sorted(map(re.escape, RELATIVE_DAYS), key=len, reverse=True)) + r")\b"
    r"(?!['’]s)",
    re.IGNORECASE,
)
LONE_WEEKDAY = re.compile(r"^(?:(on|last|в|во)\s+)?(" + "|".join(WEEKDAYS) + r")$", re.IGNORECASE)
REPORTED = mark("reported {day}")


def resolve_day(phrase: str, published: date) -> date | None:
    """The day a weekday or a relative day names, counted back from `published` (the last such
    weekday on or before it: news reports what has happened); None for any other phrase."""
    text = " ".join(phrase.lower().split())
    if text in RELATIVE_DAYS:
        return published + timedelta(days=RELATIVE_DAYS[text])
    weekday = LONE_WEEKDAY.match(text)
    if weekday:
        back = (published.weekday() - WEEKDAYS[weekday.group(2).lower()]) % 7
        if back == 0 and weekday.group(1) == "last":  # "last Monday", said on a Monday
            back = 7
        return published - timedelta(days=back)
    return None


def date_phrase(sentence: str, question: Question) -> str | None:
    """The date the sentence gives: an explicit one first ("on 3 March"), else a weekday or a
    day relative to the story ("yesterday"), whichever the sentence names first."""
    found = things(sentence, question, Kind.DATE)
    explicit = [t for t in found if not LONE_WEEKDAY.match(t.text.lower())]
    if explicit:
        return explicit[0].text
    relative = RELATIVE.search(sentence)
    if found and (relative is None or found[0].start < relative.start()):
        return found[0].text
    return relative.group() if relative else None


def date_answer(sentence: str, question: Question, passage: Passage) -> str | None:
    """What a *when* question is answered with, from the quoted sentence of `passage`: the date
    it gives (a weekday or "yesterday" resolved against the story's date), else the story's
    date ("reported 05 Mar 2025"); None when neither is known."""
    words = question_texts(question)
    phrase = date_phrase(sentence, question)
    if phrase is not None:
        day = resolve_day(phrase, passage.published) if passage.published else None
        return format_day(day, words) if day else phrase
    if passage.published is None:
        return None
    return words.t(REPORTED).format(day=format_day(passage.published, words))

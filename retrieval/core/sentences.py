"""Sentence splitting for news prose: titles, initials, months, U.S.-style abbreviations, and
Russian's (т. е., ул., им., млн.) and its guillemets. Cyrillic and Latin capitals both open a
sentence."""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "gen",
        "gov",
        "sen",
        "rep",
        "lt",
        "col",
        "capt",
        "sgt",
        "cmdr",
        "adm",
        "maj",
        "pres",
        "supt",
        "rev",
        "fr",
        "hon",
        "messrs",
        "mt",
        "ft",
        "ave",
        "blvd",
        "rd",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "llc",
        "dept",
        "univ",
        "est",
        "approx",
        "fig",
        "vol",
        "pp",
        "al",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "d.c",
        "u.s.a",
        "ph.d",
        "b.a",
        "m.a",
        # Russian: "ул. Низами", "им. Пушкина", "т.е.", "5 млн. рублей", "г. Баку"
        "ул",
        "им",
        "пр",
        "пл",
        "д",
        "кв",
        "обл",
        "р-н",
        "т.е",
        "т.к",
        "т.н",
        "т.д",
        "т.п",
        "напр",
        "см",
        "тыс",
        "млн",
        "млрд",
        "руб",
        "долл",
        "проф",
        "акад",
        "гг",
        "св",
        "ст",
        "чел",
    ]
)
# A sentence ends at . ! ? or …, after closing quotes or brackets and after any citation markers
# that follow it ("… the Buffalo Bills. [1][2]": real models put them there), before a capital
# or a digit (never before a marker: it belongs to the sentence it follows).
BOUNDARY = re.compile(
    r"[.!?…]+[\"'”’»)\]]*(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*\s+(?!\[\d)"
    r"(?=[\"'“‘«(\[—–-]?\s?[A-Z0-9А-ЯЁ\u00c0-\u00de\u018f\u0130])"
)


# "at 9.15 p.m. Weekend crossings stop" ends a sentence; "at 9 p.m. Friday" and "10 a.m. ET" do
# not.
CLOCK = frozenset(["a.m", "p.m"])
CLOCK_CONTINUES = re.compile(
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"(?-i:[A-Z]{2,4}\b)|local|eastern|central|pacific|gmt|utc|\d",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph or more; paragraph breaks always end a sentence."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        start = 0
        for match in BOUNDARY.finditer(paragraph):
            before = paragraph[start : match.start() + 1]
            last_word = before.rsplit(" ", 1)[-1].rstrip(".").lower().lstrip("(\"'“")
            if match.group().startswith(".") and (
                last_word in ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())
            ):
                continue
            if last_word in CLOCK and CLOCK_CONTINUES.match(paragraph, match.end()):
                continue
            sentences.append(paragraph[start : match.end()].strip())
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences

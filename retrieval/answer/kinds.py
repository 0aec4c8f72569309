"""The things of the asked kind a sentence names that the question does not, how surely they
are of that kind, and the short answer they make: the extractive answerer's choice of sentence
and its bold answer stand on these. What the things look like is in `forms.py`; each language's
question words are a table of their own (`kinds_en.py`, `kinds_ru.py`, `kinds_az.py`)."""

from __future__ import annotations

import re

from retrieval.answer import kinds_az as az_kinds
from retrieval.answer.forms import (
    ADDRESS,
    DATE_PHRASE,
    MONEY,
    ORG_BEFORE,
    ORGANISATION_SUFFIX,
    PERCENT,
    PERSON_BEFORE,
    PLACE_BEFORE,
    PLACE_SUFFIX,
    RU_WHICH,
    Kind,
    Thing,
)
from retrieval.answer.question import Question
from retrieval.core.analysis import DATEISH, NAME, NUMBER, STOPWORDS, key_terms
from retrieval.core.i18n import mark

# What a specific question asks for, and how a refusal names what is missing.
MISSING = {
    Kind.MONEY: mark("the amount"),
    Kind.PERCENTAGE: mark("the share"),
    Kind.NUMBER: mark("the figure"),
    Kind.DATE: mark("the date"),
    Kind.PERSON: mark("who it was"),
    Kind.ORGANISATION: mark("which organisation"),
    Kind.PLACE: mark("the place"),
}
# Kinds whose answer is short enough to say first, in bold.
SHORT_KINDS = frozenset(MISSING) | {Kind.NAME}


def things(sentence: str, question: Question, kind: Kind) -> list[Thing]:
    """The things of `kind` the sentence names that the question does not, strong ones first,
    then in the order the sentence names them."""
    asked = question.lowered
    azerbaijani = question.language == "az"
    if kind in ("money", "percentage", "number", "date"):
        pattern = {"money": MONEY, "percentage": PERCENT, "number": NUMBER, "date": DATE_PHRASE}
        found = [
            Thing(m.group().strip(" ,."), m.start(), True)
            for m in pattern[kind].finditer(sentence)
            if m.group().strip(" ,.").lower() not in asked
        ]
        if kind == "number" and azerbaijani:
            found = [az_kinds.figure(t, sentence, asked) for t in found]
        if kind == "number":  # a year or a date's day is seldom the figure asked for
            dates = [(m.start(), m.end()) for m in DATE_PHRASE.finditer(sentence)]
            found = [
                Thing(t.text, t.start, not any(a <= t.start < b for a, b in dates)) for t in found
            ]
    else:
        found = _names(sentence, asked, kind, azerbaijani=azerbaijani)
        if kind == "place":
            found += [Thing(m.group(), m.start(), True) for m in ADDRESS.finditer(sentence)]
    ordered = sorted(found, key=lambda t: (not t.strong, t.start))
    if azerbaijani and kind in ("money", "percentage", "number"):
        return az_kinds.same_form_first(ordered, sentence, asked)
    return ordered


# A name in guillemets is one name however many words it has: компания «Северный берег».
QUOTED_NAME = re.compile(r"«([^«»]{2,60})»")

# Words that open a sentence with a capital and are never part of the name after them.
SENTENCE_OPENERS = STOPWORDS | frozenset(
    "while when although though because since unless until if as meanwhile".split()
)


def _name_matches(sentence: str, *, azerbaijani: bool = False) -> list[tuple[str, int]]:
    quoted = [(m.group(1), m.start(1), m.end(1)) for m in QUOTED_NAME.finditer(sentence)]
    if azerbaijani:
        quoted += [
            (m.group(1), m.start(1), m.end(1))
            for m in az_kinds.AZ_QUOTED_NAME.finditer(sentence)
            if len(m.group(1).split()) <= 4
        ]
    found = [(name, start) for name, start, _ in quoted]
    for match in NAME.finditer(sentence):
        if not any(a <= match.start() < b for _, a, b in quoted):
            name, start = match.group().rstrip("."), match.start()
            head, _, rest = name.partition(" ")
            if start == 0 and rest and head.lower() in SENTENCE_OPENERS:
                # "While Salt Bae was there, …": the capital is the sentence's, not the name's.
                name, start = rest, len(head) + 1
            found.append((name, start))
    return sorted(found, key=lambda item: item[1])


def _names(sentence: str, asked: str, kind: str, *, azerbaijani: bool = False) -> list[Thing]:
    found = []
    addresses = [(m.start(), m.end()) for m in ADDRESS.finditer(sentence)]
    for name, start in _name_matches(sentence, azerbaijani=azerbaijani):
        if any(a <= start < b for a, b in addresses):
            continue
        if start == 0 and " " not in name:
            continue  # a capital at the start of a sentence is not a name
        headed = azerbaijani and az_kinds.headed(name, asked)
        if headed:  # "hansı orkestr?": "Azərbaycan Dövlət Simfonik Orkestri" is one
            found.append(Thing(name, start, True))
            continue
        if azerbaijani:  # "Leyla Qasımova Xəzər Texniki Universitetinin": the asked words cut
            kept = name.split()
            asked_words = re.findall(r"\w+", asked)
            while len(kept) > 1 and any(w.startswith(kept[-1].lower()[:5]) for w in asked_words):
                kept.pop()
            name = " ".join(kept)
        if all(part.lower() in asked for part in name.split()) or DATEISH.fullmatch(name):
            continue
        before = sentence[:start]
        organisation = bool(ORGANISATION_SUFFIX.search(name) or ORG_BEFORE.search(before))
        place = bool(PLACE_SUFFIX.search(name) or PLACE_BEFORE.search(before))
        titled = bool(PERSON_BEFORE.search(before))
        if azerbaijani:
            organisation |= bool(
                az_kinds.AZ_ORGANISATION_AFTER.match(sentence[start + len(name) :])
            )
            titled |= bool(az_kinds.AZ_PERSON_BEFORE.search(before))
            whole = " " in name or name.lower() in az_kinds.AZ_PLACES_ENDING_SO
            ending = None if whole else az_kinds.AZ_PLACE_ENDING.search(name)
            if kind == "place" and ending:  # Şəkidə: in Şəki
                name, place = name[: ending.start()], True
            if titled and kind in ("place", "organisation"):
                continue  # "şirkətin rəhbəri Tural Babayev" is a person
            quoted = start > 0 and sentence[start - 1] in '"«'
            if kind == "name":  # a title is quoted: "Son qatar" filmi
                found.append(Thing(name, start, quoted))
                continue
        if kind == "person":
            # "Who won?" is as often a team or a company as a person; never a stadium.
            strong = titled or (not place and (organisation or " " in name))
        elif kind == "organisation":
            strong = organisation
        elif kind == "place":
            strong = not organisation and place
        else:
            strong = True
        found.append(Thing(name, start, strong))
    return found


def holds_asked(sentence: str, question: Question, kind: Kind) -> bool:
    """Whether the sentence names something of the asked kind that the question does not."""
    if kind in MISSING:
        return bool(things(sentence, question, kind))
    return True


MAYBE = 0.75


def kind_strength(sentence: str, question: Question, kind: Kind) -> float:
    """1 when the sentence names a thing of the asked kind that surely is one, `MAYBE` when it
    names one that might be ("who won?" is often a team), 0 when none."""
    found = things(sentence, question, kind)
    if not found:
        return 0.0
    return 1.0 if found[0].strong else MAYBE


def short_answer(sentence: str, question: Question) -> str | None:
    """The name, date, place or figure the sentence gives for a who/which/when/where/how-many
    question ("Rafael Mendes"), or None when the question asks for no such thing or the
    sentence names none."""
    kind = question.kind
    if kind not in SHORT_KINDS:
        return None
    if kind == "name" and not re.match(
        rf"\s*(?:which|{RU_WHICH})\b|.*\bhansı\b", question.text, re.IGNORECASE
    ):
        return None  # "what happened…" asks for an account, not a name
    found = things(sentence, question, kind)
    if kind in ("number", "money", "percentage") and len(found) > 1:
        # "12,000 scores and … 1,450 seats", asked for the seats: the figure whose own words
        # are the question's.
        asked = question.terms
        counted = [t for t in found if _counts(sentence, t) & asked]
        found = counted or found
    return found[0].text if found else None


def _counts(sentence: str, thing: Thing) -> set[str]:
    """The key terms of the few words after a figure, and of those joined to it ("300
    musiqiçi"): what it counts ("1,450 seats")."""
    after = sentence[thing.start + len(thing.text) :]
    return key_terms(" ".join([*thing.text.split()[1:], *after.split()[:3]]))

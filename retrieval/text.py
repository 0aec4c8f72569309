"""Text heuristics shared by the engine: what a question asks for, its key terms, the names,
numbers and dates a sentence holds, and the words that carry no meaning of their own.

One home for them, so the extractive answerer and the follow-up detector read questions the
same way. Stems come from the same Snowball stemmer as the BM25 index (one per thread: a
PyStemmer instance is not thread-safe).
"""

from __future__ import annotations

import functools
import re

from retrieval.lexical import thread_stemmer

STOPWORDS = frozenset(
    """
    a an the of in on at to for from by with about as is are was were be been being do does did
    has have had this that these those it its he she they them his her their what which who whom
    whose when where why how many much will would can could should may might than then there
    here into over after before during under up down out not no yes or and but if so such week
    year month day today yesterday recently latest new news according said says tell me us we
    you your our i recent last first one become became
    """.split()
)
# Words a question opens with: a capital there does not make a name.
QUESTION_OPENERS = frozenset(
    """
    who what when where why how which whom whose is are was were did does do can could will
    would should has have had in on at after before during according name
    """.split()
)
WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
NAME = re.compile(
    r"\b[A-Z][\w'’.-]+(?:\s+(?:of|the|de|da|van|von|al|bin|la|le|&)?\s*[A-Z][\w'’.-]+)*"
)
NUMBER = re.compile(
    r"(?:[$€£]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent|million|billion|trillion|thousand))?|\b(?:one|two|"
    r"three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|dozens|hundreds|thousands|millions)\b",
    re.IGNORECASE,
)
DATEISH = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|yesterday|tomorrow|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"^(?:read more|sign up|subscribe|follow|click|advertisement|related:|watch:|photo:|"
    r"copyright|all rights reserved)|(?:newsletter|cookies?)\b",
    re.IGNORECASE,
)


def answer_type(question: str) -> str:
    q = question.lower()
    if re.search(
        r"\bhow (many|much|old|long|far|big|tall|high)\b|\bwhat (percentage|share|"
        r"number|amount|price)\b|\bhow much\b",
        q,
    ):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|day|month)\b", q):
        return "date"
    if re.search(r"\bwho(m|se)?\b", q):
        return "person"
    if re.search(r"\bwhere\b|\bwhich (country|city|state|town|region|nation|place)\b", q):
        return "place"
    if re.search(r"\b(which|what)\b", q):
        return "name"
    return "any"


def key_terms(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def question_names(question: str) -> set[str]:
    """Stems of the capitalised words a question names (not its first word): Messi, Nobel."""
    words = WORD.findall(question)
    found = set()
    for position, word in enumerate(words):
        if not word[:1].isupper() or word.lower() in STOPWORDS:
            continue
        if position == 0 and word.lower() in QUESTION_OPENERS:
            continue
        found.add(stem(word.lower()))
    return found


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (the same stemmer as the BM25 index): replace, replaces, replaced -> replac."""
    word = word.replace("’", "'").removesuffix("'s")
    return str(thread_stemmer().stemWord(word))


def new_entities(sentence: str, question: str, kind: str) -> int:
    """How many things of the asked kind the sentence names that the question does not."""
    asked = question.lower()
    if kind == "number":
        found = [m for m in NUMBER.findall(sentence) if m.lower() not in asked]
    elif kind == "date":
        found = [m for m in DATEISH.findall(sentence) if m.lower() not in asked]
    else:
        names = NAME.findall(sentence)
        if names and sentence.startswith(names[0]) and " " not in names[0]:
            names = names[1:]  # a capital at the start of a sentence is not a name
        found = [
            n
            for n in names
            if not all(p.lower() in asked for p in n.split()) and not DATEISH.fullmatch(n)
        ]
        if kind == "person":
            found = [n for n in found if " " in n.strip()] or found[:1]
    return len(found)


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's key terms that the other text holds too."""
    terms_a, terms_b = key_terms(a), key_terms(b)
    return len(terms_a & terms_b) / max(1, min(len(terms_a), len(terms_b)))

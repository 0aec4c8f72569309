"""The question as the answer stage reads it, once: its language, what it asks for, its key
terms and names. Built in the pipeline when a question arrives and handed down to the answerer,
the evidence, the short answer and the refusal, which before each read the text again."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.answer.forms import MONEY_QUESTION, Kind
from retrieval.answer.kinds_az import AZ_KINDS
from retrieval.answer.kinds_en import EN_KINDS
from retrieval.answer.kinds_ru import RU_KINDS
from retrieval.core import azerbaijani as az
from retrieval.core.analysis import is_timeline, key_terms, question_names
from retrieval.core.language import CYRILLIC, question_language


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # ISO 639-1, as `question_language` says
    kind: Kind  # what it asks for, an amount of money told apart from other figures
    worded: Kind  # what its question words ask for ("how much did it cost?": a number)
    terms: frozenset[str]  # its key terms (stemmed, without stop words)
    names: frozenset[str]  # the key terms of the names it gives
    lowered: str  # the text lower-cased, for the checks of what it already says
    timeline: bool  # "what has happened with X?"

    @classmethod
    def read(cls, text: str) -> Question:
        language = question_language(text)
        worded = worded_kind(text, language)
        return cls(
            text=text,
            language=language,
            kind=asked_kind(text, worded),
            worded=worded,
            terms=frozenset(key_terms(text)),
            names=frozenset(question_names(text)),
            # Azerbaijani's İ is i, not i with a combining dot (which \w does not match).
            lowered=az.lower(text) if language == "az" else text.lower(),
            timeline=is_timeline(text),
        )


def worded_kind(text: str, language: str) -> Kind:
    """The first kind of the question's language table whose pattern the question holds."""
    lowered = text.lower()
    if language == "az":
        table = AZ_KINDS
    elif CYRILLIC.search(lowered):
        table = RU_KINDS
    else:
        table = EN_KINDS
    return next((kind for kind, pattern in table if pattern.search(lowered)), Kind.ANY)


def asked_kind(text: str, worded: Kind) -> Kind:
    """`worded`, with amounts of money told apart from other figures."""
    if worded in (Kind.NUMBER, Kind.NAME, Kind.ANY) and MONEY_QUESTION.search(text):
        return Kind.MONEY  # "what was the turnover in dollars?" asks for an amount
    return worded

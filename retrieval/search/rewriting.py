"""Turning a question (and the conversation so far) into a search request.

Two rewriters, chosen with the answerer (retrieval/answer/factory.py): with the extractive answerer,
`ContextualRewriter` (no model); with an LLM, `CondensingRewriter` (the condense prompt rewrites
a follow-up to stand alone).

Follow-up questions without an LLM: search in the context of the previous turn.

"When was the forum held?" then "Who attended it?": the second question alone names nothing.
A question that leans on the conversation (a pronoun, "and ...", "what about ...", or no content
word of its own) is searched together with the previous question; its own words lead the dense
query and the previous question's words join the lexical one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

from retrieval.core.analysis import NAME, QUESTION_OPENERS, key_terms
from retrieval.core.language import question_language
from retrieval.search.hybrid import SearchRequest

LEANING = re.compile(
    r"\b(he|she|it|its|they|them|their|his|her|hers|him|this|that|these|those|there|then|"
    r"the same|the latter|the former)\b|^\s*(and|but|also|so|what about|how about|and what)\b"
    # Russian: "он", "её", "там", "это", "а сколько…", "и что…", "а как насчёт…"
    r"|\b(он|она|оно|они|его|её|ее|их|ему|ей|им|нём|нем|ней|них|там|тогда|это|этот|эта|этого|"
    r"этой|этом|эту|тот|та|того|той|том)\b|^\s*(а|и|но|также|ещё|еще|а как насчёт|а что)\b",
    re.IGNORECASE,
)
# Azerbaijani: "Bəs nə qədər başa gəlib?", "o", "onu", "orada", "həmin" (only for a question
# in Azerbaijani: "o" and "bu" are English text too, "5 o'clock").
AZ_LEANING = re.compile(
    r"^\s*(bəs|və|amma|onda)\b|\b(o|onu|onun|ona|onlar|onların|orada|oraya|həmin|bu)\b(?!')",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    own_names = [n for n in NAME.findall(question) if n.split()[0].lower() not in _QUESTION_WORDS]
    leaning = LEANING.search(question) or (
        question_language(question) == "az" and AZ_LEANING.search(question)
    )
    if leaning and not own_names:
        return True
    return len(key_terms(question)) <= 1


_QUESTION_WORDS = QUESTION_OPENERS | {"and", "tell", "а", "и", "расскажи", "скажи", "bəs", "və"}


def contextual_query(question: str, history: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(dense query, extra lexical words) for a question given earlier (question, answer) turns."""
    if not history or not is_follow_up(question):
        return question, ""
    previous = history[-1][0]
    if len(history) > 1 and is_follow_up(previous):
        previous = f"{history[-2][0]} {previous}"
    return f"{question} ({previous})", previous


class QueryRewriter(Protocol):
    def rewrite(
        self, question: str, history: Sequence[tuple[str, str]], today: date, k: int
    ) -> SearchRequest: ...


class ContextualRewriter:
    """A follow-up is searched with the previous question's words beside its own."""

    def rewrite(
        self, question: str, history: Sequence[tuple[str, str]], today: date, k: int
    ) -> SearchRequest:
        query, extra = contextual_query(question, history)
        return SearchRequest(query, today, k, lexical_extra=extra)


class CondensingRewriter:
    """A follow-up is rewritten to stand alone by a model (the LLM's condense prompt)."""

    def __init__(self, condense: Callable[[str, Sequence[tuple[str, str]]], str]) -> None:
        self.condense = condense

    def rewrite(
        self, question: str, history: Sequence[tuple[str, str]], today: date, k: int
    ) -> SearchRequest:
        if not history:
            return ContextualRewriter().rewrite(question, history, today, k)
        return SearchRequest(self.condense(question, history), today, k)

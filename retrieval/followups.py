"""Follow-up questions without an LLM: search in the context of the previous turn.

"When was the forum held?" then "Who attended it?": the second question alone names nothing.
A question that leans on the conversation (a pronoun, "and ...", "what about ...", or no content
word of its own) is searched together with the previous question; its own words lead the dense
query and the previous question's words join the lexical one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.text import NAME, QUESTION_OPENERS, key_terms

LEANING = re.compile(
    r"\b(he|she|it|its|they|them|their|his|her|hers|him|this|that|these|those|there|then|"
    r"the same|the latter|the former)\b|^\s*(and|but|also|so|what about|how about|and what)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    own_names = [n for n in NAME.findall(question) if n.split()[0].lower() not in _QUESTION_WORDS]
    if LEANING.search(question) and not own_names:
        return True
    return len(key_terms(question)) <= 1


_QUESTION_WORDS = QUESTION_OPENERS | {"and", "tell"}


def contextual_query(question: str, history: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(dense query, extra lexical words) for a question given earlier (question, answer) turns."""
    if not history or not is_follow_up(question):
        return question, ""
    previous = history[-1][0]
    if len(history) > 1 and is_follow_up(previous):
        previous = f"{history[-2][0]} {previous}"
    return f"{question} ({previous})", previous

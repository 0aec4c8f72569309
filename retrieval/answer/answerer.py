"""Answerers turn a question and numbered passages into an `Answer` with checked citations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from retrieval.answer.question import Question
from retrieval.core.i18n import Texts, mark, texts
from retrieval.core.records import Answer, Passage


class Answerer(Protocol):
    """Answers a question read once (`Question.read`) from numbered passages."""

    def answer(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer: ...


@runtime_checkable
class StreamingAnswerer(Protocol):
    """An answerer that can show its text as it is written: `on_text` gets the raw text so far
    (from the calling thread), and the returned `Answer` is the checked one."""

    def answer(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer: ...

    def stream(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        on_text: Callable[[str], None],
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer: ...


REFUSAL = mark("The archive does not say: I found no passage that answers this question.")


# Azerbaijani in Cyrillic letters: detected (the reader is answered in Azerbaijani), not read.
LATIN_ONLY = mark(
    "I read Azerbaijani written in the Latin alphabet only: please ask again in Latin letters "
    "(for example «Kim qalib gəldi?»)."
)


def refusal(question: Question) -> str:
    """`REFUSAL` in the question's language (English where there is no catalogue for it)."""
    return question_texts(question).t(REFUSAL)


def question_texts(question: Question) -> Texts:
    """The answer's own words in the language the question was asked in."""
    return texts(question.language)

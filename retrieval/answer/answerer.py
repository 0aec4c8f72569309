"""Answerers turn a question and numbered passages into an `Answer` with checked citations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from retrieval.core.records import Answer, Passage


class Answerer(Protocol):
    def answer(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[tuple[str, str]] = ()
    ) -> Answer: ...


REFUSAL = "The archive does not say: I found no passage that answers this question."

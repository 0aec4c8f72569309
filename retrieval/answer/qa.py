"""`QAService`: a question (with its conversation) through the retrieval chain to an `Answer`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from retrieval import metrics
from retrieval.answer.answerer import LATIN_ONLY, Answerer, StreamingAnswerer
from retrieval.answer.pipeline import Ask, build_chain
from retrieval.core.errors import ConfigError, EmptyIndexError, QuestionError
from retrieval.core.i18n import texts
from retrieval.core.language import cyrillic_azerbaijani, question_language
from retrieval.core.records import Answer
from retrieval.index.collections import Collections
from retrieval.search.hybrid import HybridSearcher, SearchOptions
from retrieval.search.rewriting import QueryRewriter


class QAService:
    def __init__(
        self,
        *,
        searcher: HybridSearcher,
        answerer: Answerer,
        rewriter: QueryRewriter,
        collections: Collections,
        k: int = 5,
        history_turns: int = 4,
        today: Callable[[], date] = date.today,
        timeline: Answerer | None = None,
    ) -> None:
        self._searcher, self._rewriter, self._timeline = searcher, rewriter, timeline
        self._history_turns = history_turns
        self._collections = collections
        self._k = k
        self._today = today
        self._streams = isinstance(answerer, StreamingAnswerer)
        self._chain = build_chain(
            searcher=searcher, answerer=answerer, rewriter=rewriter, timeline=timeline
        )

    def with_answerer(self, answerer: Answerer) -> QAService:
        """The same path (search, rewriting, timelines, the index checks) with another
        answerer: an evaluation's configurations score their answers through it."""
        return QAService(
            searcher=self._searcher,
            answerer=answerer,
            rewriter=self._rewriter,
            collections=self._collections,
            k=self._k,
            history_turns=self._history_turns,
            today=self._today,
            timeline=self._timeline,
        )

    @property
    def streams(self) -> bool:
        """Whether answers can be shown as they are written (an LLM answerer)."""
        return self._streams

    def remember(
        self, history: Sequence[tuple[str, str]], question: str, answer: Answer
    ) -> list[tuple[str, str]]:
        """The conversation with this turn added, as many turns as follow-ups use."""
        if self._history_turns <= 0:
            return []
        return [*history, (question, answer.text)][-self._history_turns :]

    def answer(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, str]] = (),
        today: date | None = None,
        k: int | None = None,
        on_text: Callable[[str], None] | None = None,
        hidden: frozenset[str] = frozenset(),
        search: SearchOptions | None = None,
        fetch: int = 0,
    ) -> Answer:
        """Answer `question`; `history` is earlier (question, answer) turns, oldest first;
        `on_text` gets the answer's raw text as the model writes it (when `streams`). One
        hold on the index for the whole question: the emptiness and model checks and the
        search read the same collection, with the model that embedded it.

        For evaluations, on the same path: `today` the quiz's date, `hidden` articles never
        returned, `search` its own search options, `fetch` passages searched (the answerer
        reads the first `k`; `Answer.searched` has them all)."""
        question = " ".join(question.split())
        if not question:
            raise QuestionError("the question is empty: type a question about the news")
        started = time.monotonic()
        ask = Ask(
            question,
            tuple(history),
            today or self._today(),
            k or self._k,
            on_text=on_text,
            hidden=hidden,
            search=search,
            fetch=fetch,
        )
        try:
            answer = self._answer(ask)
        except Exception as exc:
            metrics.count_error(type(exc).__name__)
            metrics.observe_answer(time.monotonic() - started, "error")
            raise
        outcome = "partial" if answer.partial else "refused" if answer.refused else "answered"
        metrics.observe_answer(time.monotonic() - started, outcome)
        return answer

    def _answer(self, ask: Ask) -> Answer:
        if question_language(ask.question) == "az" and cyrillic_azerbaijani(ask.question):
            # Its words would meet no Latin-script Azerbaijani passage: said so, in Azerbaijani.
            return Answer(texts("az").t(LATIN_ONLY), [], refused=True)
        with self._collections.reading() as view:
            if view.empty:
                raise EmptyIndexError(
                    "the archive is empty: index some articles first (newsbot ingest PATH)"
                )
            stale = view.stale_reason()
            if stale:  # vectors of another model or backend: searching them would be noise
                raise ConfigError(stale)
            return self._chain.invoke(replace(ask, view=view))

"""The LCEL retrieval chain: question -> search request -> numbered passages -> answerer ->
Answer, with typed values between the steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from langchain_core.runnables import Runnable, RunnableLambda

from retrieval.answer.answerer import Answerer, StreamingAnswerer
from retrieval.answer.question import Question
from retrieval.core.records import Answer, Passage
from retrieval.index.collections import IndexView
from retrieval.search.hybrid import HybridSearcher, SearchOptions, SearchRequest
from retrieval.search.rewriting import QueryRewriter

TIMELINE_PASSAGES = 8  # a timeline reads more articles, one passage each


@dataclass(frozen=True)
class Ask:
    """A question as the chain takes it: its conversation (earlier (question, answer) turns,
    oldest first), its reference date, how many passages to read, and the request's hold on
    the index (taken once by the caller, handed down to the search)."""

    question: str
    history: Sequence[tuple[str, str]]
    today: date
    k: int
    view: IndexView | None = None
    # Handed the answer's text as it is written, when the answerer can stream.
    on_text: Callable[[str], None] | None = None
    # What an evaluation asks beyond a reader: articles never returned (answers withheld),
    # its own search options (dense only, BM25 only, no recency, no rerank), and more
    # passages searched than the answerer reads (recall@10).
    hidden: frozenset[str] = frozenset()
    search: SearchOptions | None = None
    fetch: int = 0


@dataclass(frozen=True)
class Retrieved:
    ask: Ask
    question: Question  # read once, here, for the search's language and every answer step
    request: SearchRequest
    passages: list[Passage]
    timeline: bool


def build_chain(
    *,
    searcher: HybridSearcher,
    answerer: Answerer,
    rewriter: QueryRewriter,
    timeline: Answerer | None = None,
) -> Runnable[Ask, Answer]:
    """ "What has happened with X?" questions go to the `timeline` answerer, over one passage of
    more articles; every other question to `answerer`."""

    def retrieve(ask: Ask) -> Retrieved:
        question = Question.read(ask.question)
        request = rewriter.rewrite(ask.question, ask.history, ask.today, max(ask.k, ask.fetch))
        request = replace(
            request,
            language=question.language,
            hidden_articles=ask.hidden,
            options=ask.search or request.options,
        )
        if timeline is not None and question.timeline:
            wide = replace(
                request,
                k=max(ask.k, TIMELINE_PASSAGES, ask.fetch),
                options=replace(request.options, per_article=1),
            )
            found = searcher.search(wide, view=ask.view)
            return Retrieved(ask, question, request, found, True)
        found = searcher.search(request, view=ask.view)
        return Retrieved(ask, question, request, found, False)

    def answer(found: Retrieved) -> Answer:
        chosen = timeline if found.timeline and timeline is not None else answerer
        ask = found.ask
        read = found.passages[: max(ask.k, TIMELINE_PASSAGES) if found.timeline else ask.k]
        if ask.on_text is not None and isinstance(chosen, StreamingAnswerer):
            result = chosen.stream(found.question, read, on_text=ask.on_text, history=ask.history)
        else:
            result = chosen.answer(found.question, read, history=ask.history)
        return replace(
            result,
            passages=result.passages or read,
            searched=found.passages,
            search_query=found.request.query,
            language=found.request.language,
        )

    return RunnableLambda(retrieve) | RunnableLambda(answer)

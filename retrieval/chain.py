"""The LCEL retrieval chain: question -> search query -> numbered passages -> answerer -> Answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from pydantic import ConfigDict

from retrieval.answerers import Answerer
from retrieval.models import Answer, Passage
from retrieval.search import HybridSearcher, SearchRequest
from retrieval.text import is_timeline

TIMELINE_PASSAGES = 8  # a timeline reads more articles, one passage each


class NewsRetriever(BaseRetriever):
    """The hybrid searcher as a LangChain retriever, for use in other chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    searcher: HybridSearcher
    k: int = 5
    today: Callable[[], date] = date.today

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        passages = self.searcher.search(SearchRequest(query, self.today(), self.k))
        return [passage_to_document(p) for p in passages]


def passage_to_document(passage: Passage) -> Document:
    return Document(
        page_content=passage.text,
        metadata={
            "chunk_id": passage.chunk_id,
            "article_id": passage.article_id,
            "title": passage.title,
            "source": passage.source,
            "url": passage.url,
            "published": passage.published.isoformat() if passage.published else None,
            "score": passage.score,
        },
    )


def build_chain(
    *,
    searcher: HybridSearcher,
    answerer: Answerer,
    rewrite: Callable[[dict[str, Any]], SearchRequest],
    timeline: Answerer | None = None,
) -> Runnable[dict[str, Any], Answer]:
    """Input: {"question", "history", "today", "k"}; output: an `Answer`. "What has happened
    with X?" questions go to the `timeline` answerer, over one passage of more articles."""

    def wants_timeline(values: dict[str, Any]) -> bool:
        return timeline is not None and is_timeline(values["question"])

    def retrieve(values: dict[str, Any]) -> list[Passage]:
        request = values["request"]
        if wants_timeline(values):
            return searcher.search(
                replace(request, k=max(request.k, TIMELINE_PASSAGES)),
                replace(searcher.config, per_article=1),
            )
        return searcher.search(request)

    def answer(values: dict[str, Any]) -> Answer:
        chosen = timeline if timeline is not None and wants_timeline(values) else answerer
        result = chosen.answer(values["question"], values["passages"], history=values["history"])
        return Answer(
            result.text,
            result.citations,
            result.refused,
            result.passages or values["passages"],
            search_query=values["request"].query,
            partial=result.partial,
            dropped_sentences=result.dropped_sentences,
            timeline=result.timeline,
        )

    return (
        RunnablePassthrough.assign(request=RunnableLambda(rewrite))
        | RunnablePassthrough.assign(passages=RunnableLambda(retrieve))
        | RunnableLambda(answer)
    )

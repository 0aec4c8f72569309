"""The LCEL retrieval chain: question -> search query -> numbered passages -> answerer -> Answer."""

from __future__ import annotations

from collections.abc import Callable
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
) -> Runnable[dict[str, Any], Answer]:
    """Input: {"question", "history", "today", "k"}; output: an `Answer`."""

    def retrieve(values: dict[str, Any]) -> list[Passage]:
        return searcher.search(values["request"])

    def answer(values: dict[str, Any]) -> Answer:
        result = answerer.answer(values["question"], values["passages"], history=values["history"])
        return Answer(
            result.text,
            result.citations,
            result.refused,
            result.passages or values["passages"],
            search_query=values["request"].query,
            partial=result.partial,
            dropped_sentences=result.dropped_sentences,
        )

    return (
        RunnablePassthrough.assign(request=RunnableLambda(rewrite))
        | RunnablePassthrough.assign(passages=RunnableLambda(retrieve))
        | RunnableLambda(answer)
    )

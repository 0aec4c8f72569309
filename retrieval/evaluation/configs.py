"""The retrieval configurations an evaluation compares, by name."""

from __future__ import annotations

from datetime import date

from retrieval.core.language import question_language
from retrieval.core.records import Passage
from retrieval.core.settings import RetrievalSettings
from retrieval.evaluation.scoring import EvalQuestion, Search
from retrieval.search.hybrid import HybridSearcher, SearchRequest
from retrieval.search.rewriting import contextual_query

# The last one is the bot's own configuration.
CONFIGS = (
    "naive-baseline",
    "dense",
    "lexical",
    "hybrid",
    "hybrid+recency",
    "hybrid+recency+rerank",
)
BASELINE = "naive-baseline"
BOT = CONFIGS[-1]


def search_settings(name: str, base: RetrievalSettings) -> tuple[RetrievalSettings, bool]:
    """`mode[+recency][+rerank]` as (settings, rerank); everything else as the bot has it."""
    if name not in CONFIGS or name == BASELINE:
        raise ValueError(f"unknown configuration {name!r}")
    mode, *extras = name.split("+")
    settings = base.model_copy(update={"mode": mode, "recency": "recency" in extras})
    return settings, "rerank" in extras


def searcher_for(name: str, searcher: HybridSearcher) -> Search:
    settings, rerank = search_settings(name, searcher.settings)

    def search(item: EvalQuestion, k: int, hidden: frozenset[str]) -> list[Passage]:
        query, extra = contextual_query(item.question, item.history())
        request = SearchRequest(
            query,
            item.asked or date.today(),
            k,
            lexical_extra=extra,
            hidden_articles=hidden,
            language=question_language(item.question),
        )
        return searcher.search(request, settings, rerank=rerank)

    return search

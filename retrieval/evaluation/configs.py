"""The retrieval configurations an evaluation compares, by name."""

from __future__ import annotations

from datetime import date

from retrieval.core.settings import RetrievalSettings
from retrieval.evaluation.scoring import Search
from retrieval.search.hybrid import HybridSearcher, SearchRequest

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
    return lambda item, k, hidden: searcher.search(
        SearchRequest(item.question, item.asked or date.today(), k, hidden_articles=hidden),
        settings,
        rerank=rerank,
    )

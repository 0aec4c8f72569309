"""The retrieval configurations an evaluation compares, by name."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from retrieval.evaluation.scoring import Search
from retrieval.search import HybridSearcher, SearchConfig, SearchRequest

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


def search_config(name: str, base: SearchConfig) -> SearchConfig:
    """`mode[+recency][+rerank]` as a SearchConfig; everything else as the bot has it."""
    if name not in CONFIGS or name == BASELINE:
        raise ValueError(f"unknown configuration {name!r}")
    mode, *extras = name.split("+")
    return replace(
        base,
        mode=mode,  # type: ignore[arg-type]
        recency="recency" in extras,
        rerank="rerank" in extras,
    )


def searcher_for(name: str, searcher: HybridSearcher) -> Search:
    config = search_config(name, searcher.config)
    return lambda item, k, hidden: searcher.search(
        SearchRequest(item.question, item.asked or date.today(), k, hidden_articles=hidden),
        config=config,
    )

"""The retrieval configurations an evaluation compares, by name, each asked through the bot's
own path (`QAService.answer`)."""

from __future__ import annotations

from datetime import date
from typing import cast

from retrieval.answer.qa import QAService
from retrieval.core.records import Answer
from retrieval.evaluation.scoring import RECALL_AT, AskQuestion, EvalQuestion
from retrieval.search.hybrid import SearchMode, SearchOptions

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


def search_options(name: str) -> SearchOptions:
    """`mode[+recency][+rerank]` as the options a search request carries; everything else as
    the bot has it."""
    if name not in CONFIGS or name == BASELINE:
        raise ValueError(f"unknown configuration {name!r}")
    mode, *extras = name.split("+")
    return SearchOptions(
        mode=cast(SearchMode, mode), recency="recency" in extras, rerank="rerank" in extras
    )


def asker_for(name: str, qa: QAService, k: int) -> AskQuestion:
    """Each question as a reader asks it, on its quiz day, after the question it follows; the
    bot's configuration as the bot searches, the others with their options on the request.
    The answerer reads `k` passages; the search returns enough for recall@10."""
    options = None if name == BOT else search_options(name)

    def ask(item: EvalQuestion, hidden: frozenset[str]) -> Answer:
        return qa.answer(
            item.question,
            history=item.history(),
            today=item.asked or date.today(),
            k=k,
            hidden=hidden,
            search=options,
            fetch=max(RECALL_AT),
        )

    return ask

"""The retrieval configurations an evaluation compares, by name, each asked through the bot's
own path (`QAService.answer`)."""

from __future__ import annotations

from datetime import date

from retrieval.answer.pipeline import SearchOverride
from retrieval.answer.qa import QAService
from retrieval.core.records import Answer
from retrieval.core.settings import RetrievalSettings
from retrieval.evaluation.scoring import RECALL_AT, AskQuestion, EvalQuestion

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


def asker_for(name: str, qa: QAService, base: RetrievalSettings, k: int) -> AskQuestion:
    """Each question as a reader asks it, on its quiz day, after the question it follows; the
    bot's configuration with the bot's own settings, the others with theirs on the request.
    The answerer reads `k` passages; the search returns enough for recall@10."""
    override = None
    if name != BOT:
        settings, rerank = search_settings(name, base)
        override = SearchOverride(settings, rerank)

    def ask(item: EvalQuestion, hidden: frozenset[str]) -> Answer:
        return qa.answer(
            item.question,
            history=item.history(),
            today=item.asked or date.today(),
            k=k,
            hidden=hidden,
            search=override,
            fetch=max(RECALL_AT),
        )

    return ask

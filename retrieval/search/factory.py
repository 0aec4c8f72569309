"""What the search is, from the settings: its config, and which reranker re-orders the
candidates."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from retrieval.core.settings import Settings
from retrieval.embed.cache import CachedVectors
from retrieval.search.fusion import FusionConfig
from retrieval.search.hybrid import Reranker, SearchConfig


def search_config(settings: Settings) -> SearchConfig:
    """Each field of the search's config (and of its fusion's) is the NEWSBOT_RETRIEVAL_*
    setting of its name, so a field added to either is read without another list to keep."""
    retrieval = settings.retrieval

    built = {"dense_languages", "fusion"}  # SearchConfig's own: not settings of those names

    def named(config: type[Any], skip: set[str]) -> dict[str, Any]:
        return {f.name: getattr(retrieval, f.name) for f in fields(config) if f.name not in skip}

    return SearchConfig(
        **named(SearchConfig, built),
        dense_languages=settings.embedding.language_set(),
        fusion=FusionConfig(**named(FusionConfig, set())),
    )


def build_reranker(settings: Settings, vectors: CachedVectors, adapted: Path) -> Reranker | None:
    """`adapted`: where `newsbot adapt` keeps model versions (and the rerankers beside them)."""
    from retrieval.search.rerank import AdaptedReranker, CrossEncoderReranker, SentenceReranker

    device = settings.embedding.device
    match settings.retrieval.reranker:
        case "adapted":  # the one trained beside the model version each request holds
            return AdaptedReranker(adapted, device=device)
        case "":
            depth = settings.retrieval.sentence_rerank
            if not depth:
                return None
            return SentenceReranker(
                vectors, depth=depth, per_passage=settings.retrieval.sentence_rerank_per_passage
            )
        case model:  # a CrossEncoder, by path or hub name
            return CrossEncoderReranker(model, device=device)

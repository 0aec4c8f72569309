"""What the search is, from the settings: its config, and which reranker re-orders the
candidates."""

from __future__ import annotations

from pathlib import Path

from retrieval.core.settings import Settings
from retrieval.embed.cache import CachedVectors
from retrieval.search.fusion import FusionConfig
from retrieval.search.hybrid import Reranker, SearchConfig


def search_config(settings: Settings) -> SearchConfig:
    retrieval = settings.retrieval
    return SearchConfig(
        mode=retrieval.mode,
        candidates=retrieval.candidates,
        per_article=retrieval.per_article,
        recency=retrieval.recency,
        stories=retrieval.stories,
        dense_weight=retrieval.dense_weight,
        foreign_dense_weight=retrieval.foreign_dense_weight,
        dense_languages=settings.embedding.language_set(),
        fusion=FusionConfig(
            fusion=retrieval.fusion,
            rrf_k=retrieval.rrf_k,
            recency_weight=retrieval.recency_weight,
            recency_half_life_days=retrieval.recency_half_life_days,
            window_bonus=retrieval.window_bonus,
        ),
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

"""Which reranker re-orders the candidates, from the settings."""

from __future__ import annotations

from pathlib import Path

from retrieval.core.settings import Settings
from retrieval.embed.cache import CachedVectors
from retrieval.search.hybrid import Reranker


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

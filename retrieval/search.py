"""Finding passages: dense (Chroma) and lexical (BM25) candidates, fused, dated, diversified."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, Protocol

from retrieval.catalog import Catalog, date_to_int, int_to_date
from retrieval.embeddings import CachedVectors, Embedder
from retrieval.lexical import LexicalIndex
from retrieval.models import Passage
from retrieval.store import VectorStore
from retrieval.timeframe import TimeFrame, resolve_timeframe

logger = logging.getLogger(__name__)
Mode = Literal["dense", "lexical", "hybrid"]


class Reranker(Protocol):
    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]: ...


@dataclass(frozen=True)
class SearchConfig:
    mode: Mode = "hybrid"
    recency: bool = True
    candidates: int = 50
    per_article: int = 2
    fusion: Literal["convex", "rrf"] = "convex"
    rrf_k: int = 60
    # convex: dense_weight * cosine + (1 - dense_weight) * BM25 / best BM25 of the query.
    dense_weight: float = 0.5
    # No time words: today's story gains `recency_weight`, one `half_life` old half of that.
    recency_half_life_days: float = 14.0
    recency_weight: float = 0.2
    # Time words ("this week", "in 2019"): stories inside the window gain this much. A boost,
    # not a filter: on RealTimeQA dev a hard filter lost 3.7 points of recall@5, since the
    # answer is often in background stories from before the window.
    window_bonus: float = 0.2
    rerank: bool = True  # apply the searcher's reranker, if it has one


@dataclass(frozen=True)
class SearchRequest:
    query: str
    today: date
    k: int = 5
    lexical_extra: str = ""  # words searched lexically only (follow-up context)
    # Articles never returned (evaluation's answer-withheld mode).
    hidden_articles: frozenset[str] = frozenset()


def fuse(rankings: Sequence[tuple[float, Sequence[str]]], rrf_k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: each list adds weight / (rrf_k + rank)."""
    scores: dict[str, float] = {}
    for weight, ids in rankings:
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (rrf_k + rank)
    return scores


def cap_per_article(passages: Sequence[Passage], per_article: int, k: int) -> list[Passage]:
    """Best first, at most `per_article` passages of one article, `k` in all."""
    taken: dict[str, int] = {}
    result: list[Passage] = []
    for passage in passages:
        if taken.get(passage.article_id, 0) >= per_article:
            continue
        taken[passage.article_id] = taken.get(passage.article_id, 0) + 1
        result.append(passage)
        if len(result) == k:
            break
    return result


def convex(
    dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]], dense_weight: float
) -> dict[str, float]:
    """Score fusion: cosine similarity and max-normalised BM25, mixed. A candidate missing from
    the dense list gets that list's lowest similarity (it ranked below all of them)."""
    dense_scores = dict(dense)
    floor = min(dense_scores.values(), default=0.0)
    best = max((s for _, s in lexical), default=0.0) or 1.0
    lexical_scores = {i: s / best for i, s in lexical}
    weight = dense_weight if dense else 0.0
    if not lexical:
        weight = 1.0
    return {
        item: weight * dense_scores.get(item, floor)
        + (1.0 - weight) * lexical_scores.get(item, 0.0)
        for item in dense_scores.keys() | lexical_scores.keys()
    }


def recency_bonus(published: date | None, today: date, config: SearchConfig) -> float:
    if published is None:
        return 0.0
    age = max(0, (today - published).days)
    return config.recency_weight * math.pow(0.5, age / config.recency_half_life_days)


def time_bonus(
    published: date | None, frame: TimeFrame, today: date, config: SearchConfig
) -> float:
    """What a passage's date adds to its score: inside the question's time window when it
    names one, else the recency bonus (when recency is on)."""
    if frame.explicit:
        return config.window_bonus * _inside(published, frame)
    if config.recency:
        return recency_bonus(published, today, config)
    return 0.0


def fuse_hits(
    dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]], config: SearchConfig
) -> dict[str, float]:
    """The configured fusion of dense and lexical candidates."""
    if config.fusion == "rrf":
        return fuse([(1.0, [i for i, _ in dense]), (1.0, [i for i, _ in lexical])], config.rrf_k)
    return convex(dense, lexical, config.dense_weight)


def rank_candidates(
    scores: dict[str, float],
    found: dict[str, Passage],
    *,
    frame: TimeFrame,
    today: date,
    config: SearchConfig,
    similarity: dict[str, float] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> list[Passage]:
    """Fused candidates as passages, dated and sorted best first. A candidate missing from
    `found` (written to one index and not yet the other) or of a hidden article is skipped."""
    passages = []
    for chunk_id, score in scores.items():
        passage = found.get(chunk_id)
        if passage is None or passage.article_id in hidden:
            continue
        score += time_bonus(passage.published, frame, today, config)
        passages.append(replace(passage, score=score, similarity=(similarity or {}).get(chunk_id)))
    passages.sort(key=lambda p: p.score, reverse=True)
    return passages


class HybridSearcher:
    def __init__(
        self,
        *,
        embedder: Embedder,
        store: VectorStore,
        lexical: LexicalIndex,
        catalog: Catalog,
        collections: Callable[[], AbstractContextManager[str]],
        config: SearchConfig,
        reranker: Reranker | None = None,
        vectors: CachedVectors | None = None,
    ) -> None:
        self.embedder = embedder
        # The question's vector through the cache the sentence rerank and the answerer read:
        # embedded once a question, not three times.
        self.vectors = vectors
        self.store = store
        self.lexical = lexical
        self.catalog = catalog
        # `collections()` names the active collection and holds it for one request: a full
        # re-index may switch to another meanwhile, and drops the old one only when released.
        self.collections = collections
        self.config = config
        self.reranker = reranker

    def timeframe(self, request: SearchRequest) -> TimeFrame:
        if not self.config.recency:
            return TimeFrame(None, None, False)
        return resolve_timeframe(request.query, request.today)

    def search(self, request: SearchRequest, config: SearchConfig | None = None) -> list[Passage]:
        config = config or self.config
        frame = self.timeframe(request) if config.recency else TimeFrame(None, None, False)
        with self.collections() as collection:
            passages = self._search(collection, request, config, frame)
        if config.rerank and self.reranker is not None and passages:
            passages = self.reranker.rerank(request.query, passages)
        return cap_per_article(passages, config.per_article, request.k)

    def _dense(
        self, collection: str, query: str, n: int, date_to: int
    ) -> tuple[list[tuple[str, float]], dict[str, Passage]]:
        """Nearest chunks published by `date_to`. Chroma's metadata filter makes a query ~30x
        slower, so ask without it for twice as many and filter here; use the filter only when
        too few are left (an archive mostly newer than the reference date)."""
        vector = (
            self.vectors.vectors([query])[0] if self.vectors else self.embedder.embed_query(query)
        )
        hits = self.store.query(collection, vector, 2 * n, None)
        found = self.catalog.passages(collection, [i for i, _ in hits])
        limit = int_to_date(date_to) if date_to else None

        def in_time(chunk_id: str) -> bool:
            published = found[chunk_id].published if chunk_id in found else None
            return limit is None or published is None or published <= limit

        kept = [(i, s) for i, s in hits if i in found and in_time(i)][:n]
        if len(kept) < n // 2 and len(hits) == 2 * n:
            kept = self.store.query(collection, vector, n, _date_where(date_to))
            found.update(self.catalog.passages(collection, [i for i, _ in kept]))
        return kept, found

    def _search(
        self, collection: str, request: SearchRequest, config: SearchConfig, frame: TimeFrame
    ) -> list[Passage]:
        date_to = date_to_int(frame.end)  # windows boost (below); only the future is filtered out
        dense_hits: list[tuple[str, float]] = []
        lexical_hits: list[tuple[str, float]] = []
        n = config.candidates
        found: dict[str, Passage] = {}
        if config.mode in ("dense", "hybrid"):
            dense_hits, found = self._dense(collection, request.query, n, date_to)
        if config.mode in ("lexical", "hybrid"):
            query = f"{request.query} {request.lexical_extra}".strip()
            lexical_hits = self.lexical.search(collection, query, n, date_to=date_to)
        scores = fuse_hits(dense_hits, lexical_hits, config)
        if not scores:
            return []
        missing = [i for i in scores if i not in found]
        found.update(self.catalog.passages(collection, missing))
        return rank_candidates(
            scores,
            found,
            frame=frame,
            today=request.today,
            config=config,
            similarity=dict(dense_hits),
            hidden=request.hidden_articles,
        )


def _inside(published: date | None, frame: TimeFrame) -> bool:
    if published is None:
        return False
    return (frame.start is None or published >= frame.start) and (
        frame.end is None or published <= frame.end
    )


def _date_where(date_to: int) -> dict[str, Any] | None:
    return {"published": {"$lte": date_to}} if date_to else None

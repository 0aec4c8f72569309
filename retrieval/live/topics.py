"""Followed topics: does a newly arrived article match a reader's topic?

Scored the way answers rank passages (the convex fusion of `search/fusion.py`, with the search's
own weight): for the topic as a query, each passage of the article gets dense_weight x cosine +
(1 - dense_weight) x its BM25 score over the best BM25 score of the whole archive for it. The
article's score is its best passage's. Because both parts are absolute (a cosine, and BM25
measured against the whole archive, not against the few new articles), one threshold works for
any batch of arrivals; it was measured on RealTimeQA (benchmarks/follow_threshold.py,
BENCHMARKS.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np

from retrieval.core.records import Passage
from retrieval.embed.protocol import Embedder
from retrieval.index.catalog.passages import PassageStore
from retrieval.index.collections import IndexView
from retrieval.index.lexical import LexicalIndex
from retrieval.index.store import VectorStore
from retrieval.search.fusion import mix

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicMatch:
    article_id: str
    score: float
    passage: Passage  # the best matching passage, to quote


class TopicMatcher:
    def __init__(
        self,
        *,
        embedder: Embedder,
        store: VectorStore,
        lexical: LexicalIndex,
        passages: PassageStore,
        collections: Callable[[], AbstractContextManager[IndexView]],
        dense_weight: float,
        threshold: float,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.passages = passages
        self.collections = collections
        self.dense_weight = dense_weight
        self.threshold = threshold

    def score(self, topic: str, article_ids: Sequence[str]) -> dict[str, TopicMatch]:
        """Every article's best passage for `topic`, with its score (matching or not)."""
        if not article_ids or not topic.strip():
            return {}
        with self.collections() as view:
            collection = view.collection
            vectors = self.store.vectors(collection, list(article_ids))
            if not vectors:
                return {}
            chunk_ids = list(vectors)
            query = np.asarray(self.embedder.embed_query(topic), dtype=np.float32)
            matrix = np.stack([vectors[i] for i in chunk_ids])
            cosines = (
                matrix
                @ query
                / (np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0) + 1e-12)
            )
            bm25, best = self.lexical.snapshot(collection).scores(topic, chunk_ids)
            passages = self.passages.by_id(collection, chunk_ids)
        matches: dict[str, TopicMatch] = {}
        for chunk_id, cosine in zip(chunk_ids, cosines, strict=True):
            passage = passages.get(chunk_id)
            if passage is None:
                continue
            lexical = bm25.get(chunk_id, 0.0) / best if best > 0 else 0.0
            score = mix(float(cosine), lexical, self.dense_weight)
            current = matches.get(passage.article_id)
            if current is None or score > current.score:
                matches[passage.article_id] = TopicMatch(passage.article_id, score, passage)
        return matches

    def match(self, topic: str, article_ids: Sequence[str]) -> list[TopicMatch]:
        """The articles that match `topic`, best first."""
        found = [m for m in self.score(topic, article_ids).values() if m.score >= self.threshold]
        return sorted(found, key=lambda m: m.score, reverse=True)

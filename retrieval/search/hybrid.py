"""Finding passages: dense (Chroma) and lexical (BM25) candidates, fused, dated, one copy of
each story (retrieval/index/stories.py), reranked, diversified (at most `per_article` passages
of one article)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, Protocol

from retrieval.core.records import Passage
from retrieval.embed.cache import CachedVectors
from retrieval.embed.protocol import Embedder
from retrieval.index.catalog.db import date_to_int, int_to_date
from retrieval.index.catalog.passages import PassageStore
from retrieval.index.collections import IndexView
from retrieval.index.lexical import LexicalIndex
from retrieval.index.state import ORIGINAL_MODEL
from retrieval.index.store import VectorStore
from retrieval.index.stories import StoryIndex
from retrieval.search.fusion import (
    FusionConfig,
    cap_per_article,
    fuse_hits,
    one_copy_a_story,
    rank_candidates,
)
from retrieval.search.timeframe import TimeFrame, resolve_timeframe

logger = logging.getLogger(__name__)


class Reranker(Protocol):
    def rerank(
        self, query: str, passages: Sequence[Passage], *, model_version: str = ORIGINAL_MODEL
    ) -> list[Passage]:
        """Best first. `model_version`: the model version the request holds (an adapted
        model's reranker is trained with it)."""
        ...


SearchMode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class SearchConfig:
    """What the search reads of the settings (NEWSBOT_RETRIEVAL_*, and the embedding model's
    languages), built once by retrieval/search/factory.py. A request's `options` may choose
    otherwise for one call."""

    mode: SearchMode
    candidates: int  # taken from each of dense search and BM25
    per_article: int
    recency: bool
    stories: bool
    dense_weight: float
    # The embedding model's languages: a question in another leans on BM25 with this weight.
    foreign_dense_weight: float
    dense_languages: frozenset[str]
    fusion: FusionConfig


@dataclass(frozen=True)
class SearchOptions:
    """What one call chooses for itself; None (and `rerank` True): as configured. A timeline
    reads one passage an article; an evaluation's configurations search in another mode,
    without time words and recency, or without the rerank; a benchmark reads every copy of a
    story."""

    mode: SearchMode | None = None
    recency: bool | None = None
    stories: bool | None = None
    per_article: int | None = None
    rerank: bool = True  # False: the reranker (if one is configured) is skipped


@dataclass(frozen=True)
class SearchRequest:
    query: str
    today: date
    k: int = 5
    lexical_extra: str = ""  # words searched lexically only (follow-up context)
    # Articles never returned (evaluation's answer-withheld mode).
    hidden_articles: frozenset[str] = frozenset()
    language: str = "en"  # the question's: BM25 analyses it so, time words are read so
    options: SearchOptions = SearchOptions()


class HybridSearcher:
    def __init__(
        self,
        *,
        embedder: Embedder,
        store: VectorStore,
        lexical: LexicalIndex,
        passages: PassageStore,
        collections: Callable[[], AbstractContextManager[IndexView]],
        config: SearchConfig,
        reranker: Reranker | None = None,
        vectors: CachedVectors | None = None,
        stories: StoryIndex | None = None,
    ) -> None:
        self.embedder = embedder
        # Copies of one report are one story: an answer reads one copy of each.
        self.stories = stories
        # The question's vector through the cache the sentence rerank and the answerer read:
        # embedded once a question, not three times.
        self.vectors = vectors
        self.store = store
        self.lexical = lexical
        self.passages = passages
        # `collections()` holds the active collection for one request (a full re-index may
        # switch to another meanwhile, and drops the old one only when released); a caller
        # that already holds one (a question) hands its view down instead.
        self.collections = collections
        self.config = config
        self.reranker = reranker

    def search(self, request: SearchRequest, *, view: IndexView | None = None) -> list[Passage]:
        """The `request.k` best passages, searched as configured but for what the request's
        `options` choose."""
        if view is None:
            with self.collections() as held:
                return self.search(request, view=held)
        config, options = self.config, request.options
        mode = options.mode or config.mode
        recency = config.recency if options.recency is None else options.recency
        frame = (
            resolve_timeframe(request.query, request.today, request.language)
            if recency
            else TimeFrame(None, None, False)
        )
        passages = self._search(view.collection, request, frame, mode=mode, recency=recency)
        with_stories = config.stories if options.stories is None else options.stories
        stories = self.stories if with_stories else None
        if stories is not None and passages:
            # Before the rerank, so that it weighs as many stories as it can take.
            story_of = stories.stories_of(view.collection, {p.article_id for p in passages})
            passages = one_copy_a_story(passages, story_of, named_outlet(request.query))
        if options.rerank and self.reranker is not None and passages:
            passages = self.reranker.rerank(
                request.query, passages, model_version=view.model_version
            )
        found = cap_per_article(passages, options.per_article or config.per_article, request.k)
        if stories is None or not found:
            return found
        shown = {p.story: p.article_id for p in found if p.story}
        others = stories.other_outlets(view.collection, shown)
        return [replace(p, also_reported_by=others.get(p.story, ())) for p in found]

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
        found = self.passages.by_id(collection, [i for i, _ in hits])
        limit = int_to_date(date_to) if date_to else None

        def in_time(chunk_id: str) -> bool:
            published = found[chunk_id].published if chunk_id in found else None
            return limit is None or published is None or published <= limit

        kept = [(i, s) for i, s in hits if i in found and in_time(i)][:n]
        if len(kept) < n // 2 and len(hits) == 2 * n:
            kept = self.store.query(collection, vector, n, _date_where(date_to))
            found.update(self.passages.by_id(collection, [i for i, _ in kept]))
        return kept, found

    def _search(
        self,
        collection: str,
        request: SearchRequest,
        frame: TimeFrame,
        *,
        mode: SearchMode,
        recency: bool,
    ) -> list[Passage]:
        config = self.config
        date_to = date_to_int(frame.end)  # windows boost (below); only the future is filtered out
        foreign = request.language not in config.dense_languages and mode == "hybrid"
        dense_weight = config.foreign_dense_weight if foreign else config.dense_weight
        dense_hits: list[tuple[str, float]] = []
        lexical_hits: list[tuple[str, float]] = []
        n = config.candidates
        found: dict[str, Passage] = {}
        if mode in ("dense", "hybrid"):
            dense_hits, found = self._dense(collection, request.query, n, date_to)
        if mode in ("lexical", "hybrid"):
            query = f"{request.query} {request.lexical_extra}".strip()
            lexical_hits = self.lexical.search(
                collection, query, n, date_to=date_to, language=request.language
            )
        scores = fuse_hits(dense_hits, lexical_hits, config.fusion, dense_weight)
        if not scores:
            return []
        missing = [i for i in scores if i not in found]
        found.update(self.passages.by_id(collection, missing))
        return rank_candidates(
            scores,
            found,
            frame=frame,
            today=request.today,
            config=config.fusion,
            recency=recency,
            similarity=dict(dense_hits),
            hidden=request.hidden_articles,
        )


def named_outlet(question: str) -> Callable[[Passage], bool]:
    """Whether a passage's outlet is named in the question ("What did Trend report …"): its
    name as written ("Trend", "APA": capitals count, so a trend is no outlet), or the name of
    a web address, in any case ("cnn.com": "CNN")."""
    named: dict[str, bool] = {}

    def names(passage: Passage) -> bool:
        source = passage.source.strip()
        if not source:
            return False
        if source not in named:
            host = source.lower().removeprefix("www.")
            label = host.split(".")[0] if "." in host and " " not in host else ""
            named[source] = bool(
                re.search(rf"(?<!\w){re.escape(source)}(?!\w)", question)
                or (
                    len(label) >= 3
                    and re.search(rf"(?<!\w){re.escape(label)}(?!\w)", question, re.IGNORECASE)
                )
            )
        return named[source]

    return names


def _date_where(date_to: int) -> dict[str, Any] | None:
    return {"published": {"$lte": date_to}} if date_to else None

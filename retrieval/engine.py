"""The one place that connects the object graph, from the settings, with plain constructors;
which embedder, answerer and reranker is chosen in each kind's factory (`embed/factory.py`,
`answer/factory.py`, `search/factory.py`).

`build_engine(settings)` gives the whole graph (`Engine`), for tests and benchmarks that need
its parts; front ends take `engine.services`, the facade (retrieval/services.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

from retrieval.adapt.reader import readers_root
from retrieval.adapt.versions import ModelService, active_embedder, adapted_root
from retrieval.answer import log as answer_log
from retrieval.answer.answerer import Answerer
from retrieval.answer.factory import build_answering, extractive_config, reader_slot
from retrieval.answer.gaps import AskedQuestions
from retrieval.answer.log import AnswerLog
from retrieval.answer.qa import QAService
from retrieval.answer.reader import ReaderSlot
from retrieval.core.errors import NewsbotError
from retrieval.core.records import Article
from retrieval.core.settings import Settings
from retrieval.embed.active import ActiveEmbedder
from retrieval.embed.cache import CachedVectors
from retrieval.embed.factory import model_maker
from retrieval.embed.protocol import Embedder
from retrieval.evaluation.service import EvalService
from retrieval.index.backup import BackupService
from retrieval.index.catalog import Catalog
from retrieval.index.catalog import db as catalog_db
from retrieval.index.collections import Collections
from retrieval.index.lexical import LexicalIndex, TantivyIndex
from retrieval.index.reembed import Reembedder
from retrieval.index.state import IndexState
from retrieval.index.store import ChromaStore, VectorStore
from retrieval.index.stories import StoryConfig, StoryIndex
from retrieval.index.sync import SyncService
from retrieval.index.writing import CollectionWriter
from retrieval.ingest.chunking import ChunkingConfig
from retrieval.ingest.loaders import HttpFetcher
from retrieval.live import briefs as briefs_schema
from retrieval.live import follows as follows_schema
from retrieval.live import subscriptions
from retrieval.live.briefs import BriefService, BriefStore
from retrieval.live.follows import FollowService, FollowStore
from retrieval.live.subscriptions import FeedRegistry, FeedService
from retrieval.live.topics import TopicMatcher
from retrieval.monitor import Monitor
from retrieval.search.factory import build_reranker, search_config
from retrieval.search.hybrid import HybridSearcher, SearchRequest
from retrieval.services import IndexOps, Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Engine:
    """The whole object graph. Front ends get `services`; tests and benchmarks reach the
    parts."""

    settings: Settings
    embedder: ActiveEmbedder  # the model in use, swapped when the index re-embeds
    store: VectorStore
    catalog: Catalog
    state: IndexState
    lexical: LexicalIndex
    collections: Collections
    writer: CollectionWriter
    syncer: SyncService
    reembedder: Reembedder
    searcher: HybridSearcher
    vectors: CachedVectors
    topics: TopicMatcher
    reader: ReaderSlot  # the trained reader in use, if any
    services: Services

    def warm_up(self) -> None:
        warm_up(self.embedder, self.collections, self.lexical, self.searcher)


def warm_up(
    embedder: Embedder, collections: Collections, lexical: LexicalIndex, searcher: HybridSearcher
) -> None:
    """Load everything a question touches before the first one arrives: the model, the
    lexical index, the vector index (Chroma loads it on the first query), the kernels of the
    sentence rerank. One search does all of it; the answerer is not called (an LLM answerer
    would send a request at every start)."""
    embedder.embed_query("warm-up")
    with collections.reading() as view:
        lexical.snapshot(view.collection)
        if not view.empty and view.stale_reason() is None:
            request = SearchRequest("What happened in the news this week?", date.today(), 5)
            searcher.search(request, view=view)


# What each SQLite file's schema is at in this version (a backup from a newer one is refused).
SCHEMA_VERSIONS = {
    "catalog.sqlite": len(catalog_db.MIGRATIONS),
    "bot.sqlite": len(answer_log.MIGRATIONS),
    "feeds.sqlite": len(subscriptions.MIGRATIONS),
    "follows.sqlite": len(follows_schema.MIGRATIONS),
    "briefs.sqlite": len(briefs_schema.MIGRATIONS),
}


def build_engine(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    answerer: Answerer | None = None,
    today: Callable[[], date] = date.today,
) -> Engine:
    """Plain constructors, nothing loaded yet: the model loads on first use."""
    data_dir = settings.data_dir
    retrieval = settings.retrieval
    catalog = Catalog(data_dir / "catalog.sqlite")
    state = IndexState(catalog.state, settings.store.collection)
    make = model_maker(settings, state)
    if embedder is None:  # the version in use: the original, or one adapted to this archive
        embedder = active_embedder(state, make, settings.embedding.model, data_dir)
    active = ActiveEmbedder(embedder)  # one swappable model for every part below
    store = store or ChromaStore(
        path=data_dir / "chroma",
        host=settings.store.host,
        port=settings.store.port,
        ssl=settings.store.ssl,
        headers=settings.store.request_headers(),
        tenant=settings.store.tenant,
        database=settings.store.database,
        timeout_s=settings.store.timeout_s,
    )
    lexical = TantivyIndex(data_dir / "lexical")
    stories = StoryIndex(catalog.db, StoryConfig(threshold=retrieval.story_threshold))
    collections = Collections(
        state=state,
        catalog=catalog,
        store=store,
        lexical=lexical,
        embedder=active,
        stories=stories,
    )
    writer = CollectionWriter(
        articles=catalog.articles,
        passages=catalog.passages,
        store=store,
        lexical=lexical,
        state=state,
        embedder=active,
        chunking=ChunkingConfig(retrieval.chunk_tokens, retrieval.chunk_overlap),
        stories=stories,
    )
    fetcher = HttpFetcher(allow_private=settings.fetch_allow_private)  # pages and feeds by URL
    syncer = SyncService(
        collections=collections,
        writer=writer,
        articles=catalog.articles,
        arrivals=catalog.arrivals,
        state=state,
    )
    reembedder = Reembedder(collections=collections, writer=writer, articles=catalog.articles)
    vectors = CachedVectors(active)  # sentence vectors: the reranker's and the answerer's
    searcher = HybridSearcher(
        embedder=active,
        store=store,
        lexical=lexical,
        passages=catalog.passages,
        collections=collections.reading,
        config=search_config(settings),
        reranker=build_reranker(settings, vectors, adapted_root(data_dir)),
        vectors=vectors,
        stories=stories,
    )
    reader = reader_slot(settings, readers_root(data_dir), state.reader_version)
    answering = build_answering(settings, active, vectors, reader)
    qa = QAService(
        searcher=searcher,
        answerer=answerer or answering.answerer,
        rewriter=answering.rewriter,
        collections=collections,
        k=retrieval.top_k,
        history_turns=settings.telegram.history_turns,
        today=today,
        timeline=answering.timeline,
    )
    models = ModelService(
        collections=collections,
        reembedder=reembedder,
        state=state,
        passages=catalog.passages,
        lexical=lexical,
        data_dir=data_dir,
        base_model=settings.embedding.model,
        make=make,
        config=settings.adapt,
    )
    evaluation = EvalService(
        sync=syncer,
        fetcher=fetcher,
        collections=collections,
        passages=catalog.passages,
        qa=qa,
        embedder=active,
        vectors=vectors,
        data_dir=data_dir,
        k_answer=retrieval.top_k,
        answerer_config=extractive_config(settings),
        trained_through=models.trained_through,
        reader=reader,
    )
    feeds = FeedService(
        registry=FeedRegistry(data_dir / "feeds.sqlite"),
        sync=syncer,
        collections=collections,
        settings=settings.feeds,
        allow_private=settings.fetch_allow_private,
    )
    topics = TopicMatcher(
        embedder=active,
        store=store,
        lexical=lexical,
        passages=catalog.passages,
        collections=collections.reading,
        dense_weight=retrieval.dense_weight,
        threshold=settings.follow.threshold,
    )
    log = AnswerLog(data_dir / "bot.sqlite")
    follows = FollowService(
        store=FollowStore(data_dir / "follows.sqlite"),
        arrivals=catalog.arrivals,
        matcher=topics,
        log=log,
        settings=settings.follow,
    )

    def published_between(start: date, end: date) -> list[Article]:
        with collections.reading() as view:  # the collection readers see, under a lease
            return catalog.articles.published_between(view.collection, start, end)

    def stories_of(article_ids: Sequence[str]) -> dict[str, str]:
        with collections.reading() as view:
            return stories.stories_of(view.collection, article_ids)

    briefs = BriefService(
        store=BriefStore(data_dir / "briefs.sqlite"),
        published_between=published_between,
        stories=stories_of,
        today=today,
    )
    services = Services(
        qa=qa,
        index=IndexOps(syncer, collections, fetcher),
        feeds=feeds,
        follows=follows,
        briefs=briefs,
        models=models,
        feedback=log,
        questions=AskedQuestions(log, active),
        eval=evaluation,
        monitor=Monitor(
            articles=catalog.articles,
            collections=collections,
            store=store,
            lexical=lexical,
            feeds=feeds,
            alert_after=settings.feeds.alert_after,
        ),
        warm_up=partial(warm_up, active, collections, lexical, searcher),
        backups=BackupService(
            data_dir=data_dir,
            collections=collections,
            store=store,
            lexical=lexical,
            base_collection=settings.store.collection,
            schema_versions=SCHEMA_VERSIONS,
        ),
    )
    engine = Engine(
        settings=settings,
        embedder=active,
        store=store,
        catalog=catalog,
        state=state,
        lexical=lexical,
        collections=collections,
        writer=writer,
        syncer=syncer,
        reembedder=reembedder,
        searcher=searcher,
        vectors=vectors,
        topics=topics,
        reader=reader,
        services=services,
    )
    # An index an older newsbot wrote has no Tantivy words yet; a sync killed before its
    # words were committed left some pending. Either is written now, once; a failure is
    # logged and left to the next sync (which catches up too), never a reason not to start.
    try:
        syncer.catch_up_words()
    except (NewsbotError, OSError, ValueError) as exc:
        logger.warning("the lexical index could not catch up now (%s); the next sync will", exc)
    # Likewise the stories of an index an older newsbot wrote, or grouped with another
    # threshold: grouped now (from the catalog's text; no vector is touched).
    try:
        syncer.catch_up_stories()
    except (NewsbotError, OSError, ValueError) as exc:
        logger.warning("the stories could not catch up now (%s); the next sync will", exc)
    return engine

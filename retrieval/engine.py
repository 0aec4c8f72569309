"""The one place that builds the object graph, from the settings, with plain constructors.

`build_engine(settings)` gives the whole graph (`Engine`), for tests and benchmarks that need
its parts; front ends take `engine.services`, the facade (retrieval/services.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from retrieval.adapt.reader import readers_root
from retrieval.adapt.versions import ORIGINAL, Maker, ModelService, adapted_root, model_embedder
from retrieval.answer import log as answer_log
from retrieval.answer.answerer import Answerer
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.gaps import AskedQuestions
from retrieval.answer.log import AnswerLog
from retrieval.answer.qa import QAService
from retrieval.answer.reader import ReaderSlot
from retrieval.answer.timeline import TimelineAnswerer
from retrieval.core.errors import ConfigError, NewsbotError
from retrieval.core.settings import Settings
from retrieval.embed.active import ActiveEmbedder
from retrieval.embed.cache import CachedVectors
from retrieval.embed.choice import choose_backend, cpu_flags, make_embedder
from retrieval.embed.protocol import Embedder, bundled_model_path
from retrieval.evaluation.service import EvalService
from retrieval.index import catalog as catalog_schema
from retrieval.index.backup import BackupService
from retrieval.index.catalog import Catalog
from retrieval.index.collections import Collections
from retrieval.index.lexical import LexicalIndex, TantivyIndex
from retrieval.index.reembed import Reembedder
from retrieval.index.state import IndexState
from retrieval.index.store import ChromaStore, VectorStore
from retrieval.index.sync import SyncService
from retrieval.index.writing import CollectionWriter
from retrieval.ingest.chunking import ChunkingConfig
from retrieval.ingest.loaders import HttpFetcher
from retrieval.live import follows as follows_schema
from retrieval.live import subscriptions
from retrieval.live.follows import FollowService, FollowStore
from retrieval.live.subscriptions import FeedRegistry, FeedService
from retrieval.live.topics import TopicMatcher
from retrieval.monitor import Monitor
from retrieval.search.hybrid import HybridSearcher, Reranker, SearchRequest
from retrieval.search.rewriting import CondensingRewriter, ContextualRewriter, QueryRewriter
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

    # The facade's parts, reachable from the engine too (tests and benchmarks call them).
    @property
    def index(self) -> IndexOps:
        return self.services.index

    @property
    def qa(self) -> QAService:
        return self.services.qa

    @property
    def feeds(self) -> FeedService:
        return self.services.feeds

    @property
    def follows(self) -> FollowService:
        return self.services.follows

    @property
    def models(self) -> ModelService:
        return self.services.models

    @property
    def eval(self) -> EvalService:
        return self.services.eval

    def warm_up(self) -> None:
        """Load everything a question touches before the first one arrives: the model, the
        lexical index, the vector index (Chroma loads it on the first query), the kernels of
        the sentence rerank. One search does all of it; the answerer is not called (an LLM
        answerer would send a request at every start)."""
        self.embedder.embed_query("warm-up")
        with self.collections.reading() as view:
            self.lexical.snapshot(view.collection)
            if not view.empty and view.stale_reason() is None:
                request = SearchRequest("What happened in the news this week?", date.today(), 5)
                self.searcher.search(request, view=view)


def build_answerer(
    settings: Settings,
    embedder: Embedder,
    vectors: CachedVectors | None = None,
    reader: ReaderSlot | None = None,
) -> Answerer:
    if settings.answerer == "llm":
        from retrieval.answer.llm import LLMAnswerer

        return LLMAnswerer(settings.llm)
    return ExtractiveAnswerer(embedder, extractive_config(settings), vectors=vectors, reader=reader)


def reader_slot(settings: Settings, state: IndexState) -> ReaderSlot:
    """The reader `newsbot adapt --reader` trained, when the catalog says one is in use; in
    bfloat16 only when NEWSBOT_EMBEDDING_PRECISION says so (float32 by default: the precision
    its figures in BENCHMARKS.md were measured in)."""
    return ReaderSlot(
        readers_root(settings.data_dir),
        state.reader_version,
        device=settings.embedding.device,
        bf16=settings.embedding.precision == "bfloat16",
    )


def extractive_config(settings: Settings) -> ExtractiveConfig:
    return ExtractiveConfig(
        min_passage_score=settings.retrieval.min_passage_score,
        refusal=settings.retrieval.refusal,
        dense_languages=settings.embedding.language_set(),
        short_answer_floor=settings.retrieval.short_answer_floor,
        reader_weight=settings.retrieval.reader_weight,
        reader_refuse_below=settings.retrieval.reader_refuse_below,
        reader_short_floor=settings.retrieval.reader_short_floor,
    )


def build_rewriter(settings: Settings, answerer: Answerer) -> QueryRewriter:
    """The LLM condenses follow-ups with its prompt; otherwise they are searched in context."""
    if settings.answerer == "llm":
        from retrieval.answer.llm import LLMAnswerer

        if isinstance(answerer, LLMAnswerer):
            return CondensingRewriter(answerer.condense)
    return ContextualRewriter()


def build_reranker(settings: Settings, vectors: CachedVectors) -> Reranker | None:
    from retrieval.search.rerank import AdaptedReranker, CrossEncoderReranker, SentenceReranker

    chosen = settings.retrieval.reranker
    if chosen == "adapted":  # the one trained beside the model version each request holds
        return AdaptedReranker(adapted_root(settings.data_dir), device=settings.embedding.device)
    if chosen:
        return CrossEncoderReranker(chosen, device=settings.embedding.device)
    if settings.retrieval.sentence_rerank:
        return SentenceReranker(
            vectors,
            depth=settings.retrieval.sentence_rerank,
            per_passage=settings.retrieval.sentence_rerank_per_passage,
        )
    return None


def embedding_backend(settings: Settings, state: IndexState) -> tuple[str, str]:
    """The backend and torch precision to embed with. `auto` is chosen from the CPU once per
    data dir and then kept: a machine with another CPU keeps using the backend the index was
    built with (slower, perhaps) instead of re-embedding the whole archive."""
    configured = settings.embedding
    if configured.backend != "auto":
        return configured.backend, configured.precision
    recorded = state.auto_backend()
    if recorded:
        return recorded
    path = Path(configured.model or bundled_model_path())
    backend, precision = choose_backend("auto", path if path.is_dir() else None, cpu_flags())
    # A data dir indexed before the choice was recorded keeps the backend its vectors have.
    built = {i.backend for i in state.identities()}
    if built:
        backend = next(
            (
                name
                for tag, name in (("onnx-int8", "onnx-int8"), ("onnx-fp32", "onnx"))
                if tag in built
            ),
            "torch",
        )
    if configured.precision == "bfloat16" and backend == "torch":
        precision = "bfloat16"
    state.set_auto_backend(backend, precision)
    logger.info("embedding backend chosen for this CPU: %s (%s)", backend, precision)
    return backend, precision


def model_maker(settings: Settings, state: IndexState) -> Maker:
    """Makes an embedder of a model (path or hub name) on this data dir's backend. The
    backend is settled at the first call, not before: a data dir whose vectors say which
    backend made them must not have `auto` recorded before they are written."""
    cache_dir = settings.embedding.cache_dir or settings.data_dir / "models"
    chosen: list[tuple[str, str]] = []

    def make(model: str, name: str) -> Embedder:
        if settings.embedding.backend == "remote":
            if model != settings.embedding.model:
                raise ConfigError(
                    "adapted model versions run locally: set NEWSBOT_EMBEDDING_BACKEND to a "
                    "local backend to use one, or `newsbot model use original`"
                )
            return remote_embedder(settings)
        if not chosen:
            chosen.append(embedding_backend(settings, state))
        backend, precision = chosen[0]
        return make_embedder(
            model,
            device=settings.embedding.device,
            batch_size=settings.embedding.batch_size,
            precision=precision,
            backend=backend,
            cache_dir=cache_dir,
            name=name,
        )

    return make


def remote_embedder(settings: Settings) -> Embedder:
    from retrieval.embed.remote_backend import RemoteEmbedder

    configured = settings.embedding
    local = Path(configured.model or bundled_model_path())
    return RemoteEmbedder(
        configured.url,
        configured.remote_model,
        api_key=configured.api_key.get_secret_value() if configured.api_key else None,
        tokenizer_dir=local if local.is_dir() else None,
        max_tokens=configured.remote_max_tokens,
        batch_size=configured.batch_size,
        in_flight=configured.in_flight,
        timeout_s=configured.timeout_s,
        dimensions=configured.dimensions,
    )


def active_embedder(state: IndexState, make: Maker, base_model: str, data_dir: Path) -> Embedder:
    """The model version in use. One whose directory is gone (deleted by hand) falls back to
    the original, so that `newsbot model use original` can still run: questions meanwhile get
    the stale-vectors error, which says what to do."""
    try:
        return model_embedder(
            state.model_version(), make=make, base_model=base_model, root=adapted_root(data_dir)
        )
    except ConfigError as exc:
        logger.warning("%s; serving with the original model", exc)
        return model_embedder(ORIGINAL, make=make, base_model=base_model, root=Path())


# What each SQLite file's schema is at in this version (a backup from a newer one is refused).
SCHEMA_VERSIONS = {
    "catalog.sqlite": len(catalog_schema.MIGRATIONS),
    "bot.sqlite": len(answer_log.MIGRATIONS),
    "feeds.sqlite": len(subscriptions.MIGRATIONS),
    "follows.sqlite": len(follows_schema.MIGRATIONS),
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
    state = IndexState(catalog, settings.store.collection)
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
    collections = Collections(
        state=state, catalog=catalog, store=store, lexical=lexical, embedder=active
    )
    writer = CollectionWriter(
        catalog=catalog,
        store=store,
        lexical=lexical,
        state=state,
        embedder=active,
        chunking=ChunkingConfig(retrieval.chunk_tokens, retrieval.chunk_overlap),
    )
    syncer = SyncService(
        collections=collections,
        writer=writer,
        catalog=catalog,
        state=state,
        fetcher=HttpFetcher(allow_private=settings.fetch_allow_private),
    )
    reembedder = Reembedder(collections=collections, writer=writer, catalog=catalog)
    vectors = CachedVectors(active)  # sentence vectors: the reranker's and the answerer's
    searcher = HybridSearcher(
        embedder=active,
        store=store,
        lexical=lexical,
        catalog=catalog,
        collections=collections.reading,
        settings=retrieval,
        reranker=build_reranker(settings, vectors),
        vectors=vectors,
        dense_languages=settings.embedding.language_set(),
    )
    reader = reader_slot(settings, state)
    answerer = answerer or build_answerer(settings, active, vectors, reader)
    extractive = (
        answerer
        if isinstance(answerer, ExtractiveAnswerer)
        else ExtractiveAnswerer(active, extractive_config(settings), vectors=vectors)
    )
    qa = QAService(
        searcher=searcher,
        answerer=answerer,
        rewriter=build_rewriter(settings, answerer),
        collections=collections,
        k=retrieval.top_k,
        history_turns=settings.telegram.history_turns,
        today=today,
        timeline=TimelineAnswerer(extractive),
    )
    models = ModelService(
        collections=collections,
        reembedder=reembedder,
        state=state,
        catalog=catalog,
        lexical=lexical,
        data_dir=data_dir,
        base_model=settings.embedding.model,
        make=make,
        config=settings.adapt,
    )
    evaluation = EvalService(
        sync=syncer,
        collections=collections,
        catalog=catalog,
        qa=qa,
        search_settings=retrieval,
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
        catalog=catalog,
        collections=collections.reading,
        dense_weight=retrieval.dense_weight,
        threshold=settings.follow.threshold,
    )
    log = AnswerLog(data_dir / "bot.sqlite")
    follows = FollowService(
        store=FollowStore(data_dir / "follows.sqlite"),
        catalog=catalog,
        matcher=topics,
        log=log,
        settings=settings.follow,
    )
    engine: list[Engine] = []
    services = Services(
        qa=qa,
        index=IndexOps(syncer, collections),
        feeds=feeds,
        follows=follows,
        models=models,
        feedback=log,
        questions=AskedQuestions(log, active),
        eval=evaluation,
        monitor=Monitor(
            catalog=catalog,
            collections=collections,
            store=store,
            lexical=lexical,
            feeds=feeds,
            alert_after=settings.feeds.alert_after,
        ),
        warm_up=lambda: engine[0].warm_up(),
        backups=BackupService(
            data_dir=data_dir,
            collections=collections,
            store=store,
            lexical=lexical,
            base_collection=settings.store.collection,
            schema_versions=SCHEMA_VERSIONS,
        ),
    )
    engine.append(
        Engine(
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
    )
    # An index an older newsbot wrote has no Tantivy words yet; a sync killed before its
    # words were committed left some pending. Either is written now, once; a failure is
    # logged and left to the next sync (which catches up too), never a reason not to start.
    try:
        syncer.catch_up_words()
    except (NewsbotError, OSError, ValueError) as exc:
        logger.warning("the lexical index could not catch up now (%s); the next sync will", exc)
    return engine[0]

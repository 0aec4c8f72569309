"""The one service layer every front end calls, and the one place that builds the object graph."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from retrieval.adapt import AdaptConfig
from retrieval.answerers import Answerer
from retrieval.answerers.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answerers.timeline import TimelineAnswerer
from retrieval.catalog import Catalog
from retrieval.chain import build_chain
from retrieval.chunking import ChunkingConfig
from retrieval.embeddings import (
    CachedVectors,
    Embedder,
    bundled_model_path,
    choose_backend,
    cpu_flags,
    make_embedder,
)
from retrieval.errors import ConfigError, EmptyIndexError, QuestionError
from retrieval.evaluation.service import EvalService
from retrieval.feeds import FeedLimits, FeedRegistry, FeedService
from retrieval.indexing import IndexService
from retrieval.lexical import LexicalIndex
from retrieval.loaders import HttpFetcher
from retrieval.model_versions import (
    ACTIVE_MODEL,
    ORIGINAL,
    Maker,
    ModelService,
    adapted_root,
    model_embedder,
)
from retrieval.models import Answer
from retrieval.rewriting import CondensingRewriter, ContextualRewriter, QueryRewriter
from retrieval.search import HybridSearcher, Reranker, SearchConfig, SearchRequest
from retrieval.settings import Settings
from retrieval.store import ChromaStore, VectorStore
from retrieval.switching import ActiveEmbedder
from retrieval.topics import TopicMatcher

logger = logging.getLogger(__name__)


class QAService:
    def __init__(
        self,
        *,
        searcher: HybridSearcher,
        answerer: Answerer,
        rewriter: QueryRewriter,
        index: IndexService,
        k: int = 5,
        history_turns: int = 4,
        today: Callable[[], date] = date.today,
        timeline: Answerer | None = None,
    ) -> None:
        self.history_turns = history_turns
        self.searcher = searcher
        self.answerer = answerer
        self.rewriter = rewriter
        self.index = index
        self.k = k
        self.today = today
        self._chain = build_chain(
            searcher=searcher, answerer=answerer, rewrite=self._request, timeline=timeline
        )

    def _request(self, values: dict[str, Any]) -> SearchRequest:
        return self.rewriter.rewrite(
            values["question"], values["history"], values["today"], values["k"]
        )

    def remember(
        self, history: Sequence[tuple[str, str]], question: str, answer: Answer
    ) -> list[tuple[str, str]]:
        """The conversation with this turn added, as many turns as follow-ups use."""
        if self.history_turns <= 0:
            return []
        return [*history, (question, answer.text)][-self.history_turns :]

    def answer(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, str]] = (),
        today: date | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer `question`; `history` is earlier (question, answer) turns, oldest first."""
        question = " ".join(question.split())
        if not question:
            raise QuestionError("the question is empty: type a question about the news")
        if self.index.is_empty():
            raise EmptyIndexError(
                "the archive is empty: index some articles first (newsbot ingest PATH)"
            )
        stale = self.index.stale_vectors()
        if stale:  # vectors of another model or backend: searching them would be noise
            raise ConfigError(stale)
        return self._chain.invoke(
            {
                "question": question,
                "history": list(history),
                "today": today or self.today(),
                "k": k or self.k,
            }
        )


class Services(Protocol):
    """What front ends see: ask, keep the index and its feeds, match followed topics,
    adapt the model, evaluate, and warm up. Nothing else."""

    @property
    def qa(self) -> QAService: ...

    @property
    def index(self) -> IndexService: ...

    @property
    def eval(self) -> EvalService: ...

    @property
    def feeds(self) -> FeedService: ...

    @property
    def topics(self) -> TopicMatcher: ...

    @property
    def models(self) -> ModelService: ...

    def warm_up(self) -> None: ...


@dataclass(frozen=True)
class Engine:
    """The whole object graph. It is the `Services` front ends get (typed so that they see
    only the facade); tests and benchmarks build it with `build_engine` to reach its parts."""

    settings: Settings
    embedder: ActiveEmbedder  # the model in use, swapped when the index re-embeds
    store: VectorStore
    catalog: Catalog
    lexical: LexicalIndex
    index: IndexService
    searcher: HybridSearcher
    vectors: CachedVectors
    qa: QAService
    eval: EvalService
    feeds: FeedService
    topics: TopicMatcher
    models: ModelService

    def warm_up(self) -> None:
        """Load everything a question touches before the first one arrives: the model, the
        lexical index, the vector index (Chroma loads it on the first query), the kernels of
        the sentence rerank. One search does all of it; the answerer is not called (an LLM
        answerer would send a request at every start)."""
        self.embedder.embed_query("warm-up")
        with self.index.reading() as collection:
            self.lexical.snapshot(collection)
        if not self.index.is_empty() and self.index.stale_vectors() is None:
            request = SearchRequest("What happened in the news this week?", date.today(), 5)
            self.searcher.search(request)


def build_answerer(
    settings: Settings, embedder: Embedder, vectors: CachedVectors | None = None
) -> Answerer:
    if settings.answerer == "llm":
        from retrieval.answerers.llm import LLMAnswerer

        return LLMAnswerer(
            base_url=settings.llm.base_url,
            model=settings.llm.model,
            api_key=settings.llm.api_key.get_secret_value(),
            temperature=settings.llm.temperature,
            timeout_s=settings.llm.timeout_s,
        )
    return ExtractiveAnswerer(embedder, extractive_config(settings), vectors=vectors)


def extractive_config(settings: Settings) -> ExtractiveConfig:
    return ExtractiveConfig(min_passage_score=settings.retrieval.min_passage_score)


def build_rewriter(settings: Settings, answerer: Answerer) -> QueryRewriter:
    """The LLM condenses follow-ups with its prompt; otherwise they are searched in context."""
    if settings.answerer == "llm":
        from retrieval.answerers.llm import LLMAnswerer

        if isinstance(answerer, LLMAnswerer):
            return CondensingRewriter(answerer.condense)
    return ContextualRewriter()


def build_reranker(
    settings: Settings, vectors: CachedVectors, adapted: Path | None = None
) -> Reranker | None:
    """`adapted`: the reranker `newsbot adapt --reranker` trained for the model in use, which
    NEWSBOT_RETRIEVAL_RERANKER=adapted asks for."""
    from retrieval.rerank import CrossEncoderReranker, SentenceReranker

    chosen = settings.retrieval.reranker
    if chosen == "adapted":
        where = adapted or settings.data_dir / "models" / "adapted" / "none"
        return CrossEncoderReranker(
            str(where),
            device=settings.embedding.device,
            missing="NEWSBOT_RETRIEVAL_RERANKER=adapted, but the model in use has no trained "
            "reranker: run `newsbot adapt --reranker`, or unset the setting",
        )
    if chosen:
        return CrossEncoderReranker(chosen, device=settings.embedding.device)
    if settings.retrieval.sentence_rerank:
        return SentenceReranker(
            vectors,
            depth=settings.retrieval.sentence_rerank,
            per_passage=settings.retrieval.sentence_rerank_per_passage,
        )
    return None


def embedding_backend(settings: Settings, catalog: Catalog) -> tuple[str, str]:
    """The backend and torch precision to embed with. `auto` is chosen from the CPU once per
    data dir and then kept: a machine with another CPU keeps using the backend the index was
    built with (slower, perhaps) instead of re-embedding the whole archive."""
    configured = settings.embedding
    if configured.backend != "auto":
        return configured.backend, configured.precision
    recorded = catalog.get_state("embedding-backend:auto")
    if recorded:
        backend, _, precision = recorded.partition("|")
        return backend, precision or "float32"
    path = Path(configured.model or bundled_model_path())
    backend, precision = choose_backend("auto", path if path.is_dir() else None, cpu_flags())
    # A data dir indexed before the choice was recorded keeps the backend its vectors have.
    built = catalog.states("signature:").values()
    if built:
        backend = next(("onnx-int8" for v in built if "|onnx-int8|" in v), None) or next(
            ("onnx" for v in built if "|onnx-fp32|" in v), "torch"
        )
    if configured.precision == "bfloat16" and backend == "torch":
        precision = "bfloat16"
    catalog.set_state("embedding-backend:auto", f"{backend}|{precision}")
    logger.info("embedding backend chosen for this CPU: %s (%s)", backend, precision)
    return backend, precision


def model_maker(settings: Settings, catalog: Catalog) -> Callable[[str, str], Embedder]:
    """Makes an embedder of a model (path or hub name) on this data dir's backend. The
    backend is settled at the first call, not before: a data dir whose vectors say which
    backend made them must not have `auto` recorded before they are written."""
    cache_dir = settings.embedding.cache_dir or settings.data_dir / "models"
    chosen: list[tuple[str, str]] = []

    def make(model: str, name: str) -> Embedder:
        if not chosen:
            chosen.append(embedding_backend(settings, catalog))
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


def active_embedder(catalog: Catalog, make: Maker, base_model: str, data_dir: Path) -> Embedder:
    """The model version in use. One whose directory is gone (deleted by hand) falls back to
    the original, so that `newsbot model use original` can still run: questions meanwhile get
    the stale-vectors error, which says what to do."""
    active = catalog.get_state(ACTIVE_MODEL) or ORIGINAL
    try:
        return model_embedder(active, make=make, base_model=base_model, root=adapted_root(data_dir))
    except ConfigError as exc:
        logger.warning("%s; serving with the original model", exc)
        return model_embedder(ORIGINAL, make=make, base_model=base_model, root=Path())


def build_services(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    answerer: Answerer | None = None,
    today: Callable[[], date] = date.today,
) -> Services:
    """The facade front ends use."""
    return build_engine(settings, embedder=embedder, store=store, answerer=answerer, today=today)


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
    catalog = Catalog(data_dir / "catalog.sqlite")
    make = model_maker(settings, catalog)
    if embedder is None:  # the version in use: the original, or one adapted to this archive
        embedder = active_embedder(catalog, make, settings.embedding.model, data_dir)
    embedder = ActiveEmbedder(embedder)  # one swappable model for every part below
    store = store or ChromaStore(
        path=data_dir / "chroma",
        host=settings.store.host,
        port=settings.store.port,
        ssl=settings.store.ssl,
    )
    lexical = LexicalIndex(data_dir / "lexical")
    index = IndexService(
        embedder=embedder,
        store=store,
        catalog=catalog,
        lexical=lexical,
        base_collection=settings.store.collection,
        chunking=ChunkingConfig(settings.retrieval.chunk_tokens, settings.retrieval.chunk_overlap),
        fetcher=HttpFetcher(allow_private=settings.fetch_allow_private),
    )
    vectors = CachedVectors(embedder)  # sentence vectors: the reranker's and the answerer's
    searcher = HybridSearcher(
        embedder=embedder,
        store=store,
        lexical=lexical,
        catalog=catalog,
        collections=index.reading,
        config=SearchConfig(
            mode=settings.retrieval.mode,
            recency=settings.retrieval.recency,
            per_article=settings.retrieval.per_article,
            fusion=settings.retrieval.fusion,
        ),
        reranker=build_reranker(
            settings,
            vectors,
            adapted_root(data_dir) / (catalog.get_state(ACTIVE_MODEL) or ORIGINAL) / "reranker",
        ),
        vectors=vectors,
    )
    answerer = answerer or build_answerer(settings, embedder, vectors)
    extractive = (
        answerer
        if isinstance(answerer, ExtractiveAnswerer)
        else ExtractiveAnswerer(embedder, extractive_config(settings), vectors=vectors)
    )
    qa = QAService(
        searcher=searcher,
        answerer=answerer,
        rewriter=build_rewriter(settings, answerer),
        index=index,
        k=settings.retrieval.top_k,
        history_turns=settings.telegram.history_turns,
        today=today,
        timeline=TimelineAnswerer(extractive),
    )
    models = ModelService(
        index=index,
        catalog=catalog,
        lexical=lexical,
        data_dir=data_dir,
        base_model=settings.embedding.model,
        make=make,
        config=AdaptConfig(**settings.adapt.model_dump()),  # the settings name its fields
    )
    evaluation = EvalService(
        index=index,
        searcher=searcher,
        embedder=embedder,
        vectors=vectors,
        data_dir=data_dir,
        k_answer=settings.retrieval.top_k,
        answerer_config=extractive_config(settings),
        bot_answerer=None if isinstance(answerer, ExtractiveAnswerer) else answerer,
        trained_through=models.trained_through,
    )
    feeds = settings.feeds
    feed_service = FeedService(
        registry=FeedRegistry(data_dir / "feeds.sqlite"),
        index=index,
        limits=FeedLimits(
            default_interval_s=feeds.default_interval_s,
            min_interval_s=feeds.min_interval_s,
            timeout_s=feeds.timeout_s,
            max_bytes=feeds.max_bytes,
            max_entries=feeds.max_entries,
            backoff_max_s=feeds.backoff_max_s,
        ),
        allow_private=settings.fetch_allow_private,
    )
    topics = TopicMatcher(
        embedder=embedder,
        store=store,
        lexical=lexical,
        catalog=catalog,
        collections=index.reading,
        threshold=settings.follow.threshold,
    )
    return Engine(
        settings,
        embedder,
        store,
        catalog,
        lexical,
        index,
        searcher,
        vectors,
        qa,
        evaluation,
        feed_service,
        topics,
        models,
    )

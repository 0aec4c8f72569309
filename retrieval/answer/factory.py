"""Who answers, from the settings: the extractive answerer or an LLM, each with the rewriter
of follow-ups that goes with it, and the extractive timeline either way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from retrieval.answer.answerer import Answerer
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.reader import ReaderSlot
from retrieval.answer.timeline import TimelineAnswerer
from retrieval.core.settings import Settings
from retrieval.embed.cache import CachedVectors
from retrieval.embed.protocol import Embedder
from retrieval.search.rewriting import CondensingRewriter, ContextualRewriter, QueryRewriter


@dataclass(frozen=True)
class Answering:
    answerer: Answerer
    rewriter: QueryRewriter  # follow-ups made into questions that stand alone
    timeline: Answerer  # "what happened with X": always extractive


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


def reader_slot(settings: Settings, root: Path, version: Callable[[], str]) -> ReaderSlot:
    """The reader `newsbot adapt --reader` trained (under `root`), when the catalog says one
    is in use (`version`, asked at each question); in bfloat16 only when NEWSBOT_EMBEDDING_PRECISION
    says so (float32 by default: the precision its figures in BENCHMARKS.md were measured
    in)."""
    return ReaderSlot(
        root,
        version,
        device=settings.embedding.device,
        bf16=settings.embedding.precision == "bfloat16",
    )


def build_answering(
    settings: Settings, embedder: Embedder, vectors: CachedVectors, reader: ReaderSlot
) -> Answering:
    config = extractive_config(settings)
    match settings.answerer:
        case "llm":
            from retrieval.answer.llm import LLMAnswerer

            llm = LLMAnswerer(settings.llm)
            extractive = ExtractiveAnswerer(embedder, config, vectors=vectors)
            return Answering(llm, CondensingRewriter(llm.condense), TimelineAnswerer(extractive))
        case "extractive":
            extractive = ExtractiveAnswerer(embedder, config, vectors=vectors, reader=reader)
            return Answering(extractive, ContextualRewriter(), TimelineAnswerer(extractive))

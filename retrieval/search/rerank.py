"""Reranking stages: sentence-level similarity (default) or a CrossEncoder (path or hub name).

A 256-token chunk's one vector blurs the sentence that answers among the ones around it. The
sentence reranker compares the question with each sentence of the best few candidates (the same
embedding model, vectors shared with the extractive answerer) and adds the mean of the two closest
to the fused score (what it adds: BENCHMARKS.md, Reranking).

No cross-encoder is packaged for offline use, so that one is off unless NEWSBOT_RETRIEVAL_RERANKER
names one; it then replaces the sentence reranker and orders the candidates by its own score.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrieval.core.analysis import key_terms
from retrieval.core.errors import ConfigError
from retrieval.core.records import Passage
from retrieval.core.sentences import split_sentences
from retrieval.embed.cache import CachedVectors

RERANKER_DIR = "reranker"  # inside an adapted model version's directory


class CrossEncoderReranker:
    def __init__(
        self, model: str, *, device: str = "cpu", top_n: int = 30, missing: str = ""
    ) -> None:
        self.missing = missing  # what to tell when the model's directory is not there
        self.model_ref = model
        self.device = device
        self.top_n = top_n
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import CrossEncoder

                looks_local = self.model_ref.startswith(("/", ".", "~"))
                if looks_local and not Path(self.model_ref).expanduser().exists():
                    raise ConfigError(
                        self.missing
                        or f"cannot load the reranker {self.model_ref!r}: no such directory"
                    )
                try:
                    self._model = CrossEncoder(self.model_ref, device=self.device)
                except (OSError, ValueError) as exc:
                    raise ConfigError(
                        f"cannot load the reranker {self.model_ref!r}: {exc}"
                    ) from exc
        return self._model

    def rerank(
        self, query: str, passages: Sequence[Passage], *, model_version: str = ""
    ) -> list[Passage]:
        """The cross-encoder's order; each passage keeps its search score, on which the
        refusal floor (NEWSBOT_RETRIEVAL_MIN_PASSAGE_SCORE) is calibrated. (Replacing it with
        the cross-encoder's logits made every answer a refusal.)"""
        head, tail = list(passages[: self.top_n]), list(passages[self.top_n :])
        scores = self._load().predict([(query, f"{p.title}. {p.text}") for p in head])
        order = sorted(range(len(head)), key=lambda n: float(scores[n]), reverse=True)
        return [head[n] for n in order] + tail


class AdaptedReranker:
    """The cross-encoder `newsbot adapt --reranker` trained beside the model version a request
    holds: after `/adapt use vN` the next request gets vN's reranker with vN's vectors."""

    def __init__(self, root: Path, *, device: str = "cpu") -> None:
        self.root = root  # <data dir>/models/adapted
        self.device = device
        self._loaded: dict[str, CrossEncoderReranker] = {}
        self._lock = threading.Lock()

    def rerank(
        self, query: str, passages: Sequence[Passage], *, model_version: str = ""
    ) -> list[Passage]:
        with self._lock:
            reranker = self._loaded.get(model_version)
            if reranker is None:
                reranker = CrossEncoderReranker(
                    str(self.root / model_version / RERANKER_DIR),
                    device=self.device,
                    missing=f"NEWSBOT_RETRIEVAL_RERANKER=adapted, but the model in use "
                    f"({model_version}) has no trained reranker: run `newsbot adapt "
                    "--reranker`, or unset the setting",
                )
                self._loaded = {model_version: reranker}  # one version serves at a time
        return reranker.rerank(query, passages)


class SentenceReranker:
    """Re-score the `depth` best candidates by their closest sentences to the question."""

    def __init__(
        self,
        vectors: CachedVectors,
        *,
        depth: int = 10,
        weight: float = 0.5,
        min_words: int = 4,
        per_passage: int = 0,
    ) -> None:
        self.vectors = vectors
        self.depth = depth
        self.weight = weight
        self.min_words = min_words
        # Embed only this many sentences of each passage, those sharing the most key terms
        # with the question (0: all). The embedding is most of a question's time.
        self.per_passage = per_passage

    def sentences(self, passage: Passage, terms: set[str] | None = None) -> list[str]:
        found = [s for s in split_sentences(passage.text) if len(s.split()) >= self.min_words]
        if terms is not None and self.per_passage and len(found) > self.per_passage:
            overlap = {s: len(terms & key_terms(s)) for s in found}
            chosen = set(sorted(found, key=lambda s: -overlap[s])[: self.per_passage])
            found = [s for s in found if s in chosen]  # in passage order
        return found or [passage.text]

    def rerank(
        self, query: str, passages: Sequence[Passage], *, model_version: str = ""
    ) -> list[Passage]:
        head, tail = list(passages[: self.depth]), list(passages[self.depth :])
        if not head:
            return tail
        terms = key_terms(query) if self.per_passage else None
        per_passage = [self.sentences(p, terms) for p in head]
        flat = [s for group in per_passage for s in group]
        similarity = self.vectors.similarity(query, flat)
        rescored = []
        start = 0
        for passage, group in zip(head, per_passage, strict=True):
            best = sorted(similarity[start : start + len(group)].tolist(), reverse=True)[:2]
            start += len(group)
            closest = sum(best) / len(best)
            rescored.append(replace(passage, score=passage.score + self.weight * closest))
        rescored.sort(key=lambda p: p.score, reverse=True)
        return rescored + tail

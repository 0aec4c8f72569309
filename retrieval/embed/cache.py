"""Vectors of short texts (sentences, questions), embedded once and shared."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from retrieval.embed.protocol import Embedder


class CachedVectors:
    """Embeddings of short texts (sentences, questions), kept in a bounded LRU cache.

    The sentence reranker and the extractive answerer read the same sentences of the same
    passages, so they share one of these: each sentence is embedded once.
    """

    def __init__(self, embedder: Embedder, size: int = 50_000) -> None:
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        # One model for the whole call, and vectors cached per model: the model in use can be
        # swapped meanwhile (retrieval/embed/active.py), and two models' vectors never compare.
        model: Embedder = getattr(self.embedder, "current", self.embedder)
        wanted = list(dict.fromkeys(texts))
        with self._lock:
            found = {
                t: self._cache[(model.name, t)] for t in wanted if (model.name, t) in self._cache
            }
            for text in found:
                self._cache.move_to_end((model.name, text))  # the least recently used go first
        missing = [t for t in wanted if t not in found]
        if missing:
            found.update(zip(missing, model.embed_documents(missing), strict=True))
            with self._lock:
                for text in missing:
                    self._cache[(model.name, text)] = found[text]
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def similarity(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine of `query` with each text (unit vectors: a dot product)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        vectors = self.vectors([query, *texts])
        return np.asarray(vectors[1:] @ vectors[0], dtype=np.float32)

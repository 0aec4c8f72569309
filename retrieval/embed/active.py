"""The embedding model in use, swappable while the bot runs.

When the index re-embeds with another model (an adapted one, or back to the original), readers
switch to the new collection and to the new model in one step. A request that resolved the old
collection must keep embedding with the old model until it is done, or its question vector
would be searched against vectors of another model: `Collections.reading()` pins the model of
the collection it hands out, for the thread (context) that reads.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from retrieval.embed.protocol import Embedder


class ActiveEmbedder:
    """An `Embedder` that forwards to the model in use (or to the one this context pinned)."""

    def __init__(self, embedder: Embedder) -> None:
        self._current = embedder
        self._pinned: contextvars.ContextVar[Embedder | None] = contextvars.ContextVar(
            f"pinned-embedder-{id(self)}", default=None
        )

    @property
    def current(self) -> Embedder:
        return self._pinned.get() or self._current

    @property
    def latest(self) -> Embedder:
        """The model new readers get, whatever this context pinned."""
        return self._current

    def swap(self, embedder: Embedder) -> None:
        """Only inside `CollectionLeases.switch`, with the collection switch."""
        self._current = embedder

    @contextmanager
    def pin(self, embedder: Embedder) -> Iterator[None]:
        token = self._pinned.set(embedder)
        try:
            yield
        finally:
            self._pinned.reset(token)

    # -- the Embedder protocol ---------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.current.name

    @property
    def max_tokens(self) -> int:
        return self.current.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.current.count_tokens(texts)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.current.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.current.embed_query(text)

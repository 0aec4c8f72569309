"""The bundled model with each text's vector remembered for the worker's session.

The integration tests that answer with the bundled model embed the same texts again and again:
the sample archives (English, Russian, Azerbaijani) indexed by one test after another, the
sample questions asked by several, the sentences of the same passages. A text's vector does not
change, so `RememberedVectors` keeps each one for the worker's session; the first test to embed
a text computes it with the real model, a later one gets the same vector back.

Each vector is the model's for the text alone: a batch of one, as `embed_query` computes it,
whatever texts the caller batched it with. In a batch the model pads every text to the longest,
and a padded batch's vector differs from the text's alone in the last bits (up to 1.5e-7 in a
component on the sample archives; 11 of their 118 texts came out bit-identical), and from the
same text in another batch likewise. Remembering a vector from whichever batch came first would
make a test's scores depend on which tests its worker ran before it; alone, a text has one
vector whatever ran before, and a miss costs no more (a batch of one pads nothing: the sample
archives took 6.1 s of CPU alone against 8.8 s in the product's batches).

Not for the tests of the embedder itself (batching, backends, the remote service, token counts)
or for the concurrency tests: those use `real_embedder`, the model computing every call, under
the threads they start."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import retrieval.embed.factory
from retrieval.embed.protocol import Embedder
from retrieval.embed.torch_backend import SentenceTransformerEmbedder


class RememberedVectors:
    """An `Embedder`: the model's name, token counts and vectors, each vector computed once."""

    def __init__(self, model: SentenceTransformerEmbedder) -> None:
        self.model = model
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.computed = 0  # texts the model embedded
        self.remembered = 0  # texts answered from what an earlier call computed

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def max_tokens(self) -> int:
        return self.model.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.model.count_tokens(texts)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.model.embed_documents(texts)
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
        # Outside the lock: two threads missing the same text both compute it, alike.
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        for text in missing:
            found[text] = self.model.embed_documents([text])[0]
        with self._lock:
            self._vectors.update((t, found[t]) for t in missing)
            self.computed += len(missing)
            self.remembered += len(texts) - len(missing)
        return np.stack([found[t] for t in texts])  # a copy: the caller's to change

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def remember_made_models(monkeypatch: pytest.MonkeyPatch, session: RememberedVectors) -> None:
    """For a test whose engines make their models themselves, through retrieval's factory (as a
    user's do: the original, then each adapted version): each torch model the factory makes
    remembers its vectors for the test. The original is the session's model, `session` (the
    factory's is the same model at the same precision on the same device, so the same vectors),
    so that switching back to it re-embeds the archive from what the session already computed.
    The factory still runs and chooses; only what it made is wrapped."""
    made: dict[SentenceTransformerEmbedder, RememberedVectors] = {}
    make = retrieval.embed.factory.make_embedder

    def remembering(model: str, **options: Any) -> Embedder:
        embedder = make(model, **options)
        if not isinstance(embedder, SentenceTransformerEmbedder):
            return embedder
        same = ("model_ref", "name", "precision", "device")
        if all(getattr(embedder, a) == getattr(session.model, a) for a in same):
            return session
        return made.setdefault(embedder, RememberedVectors(embedder))

    monkeypatch.setattr(retrieval.embed.factory, "make_embedder", remembering)

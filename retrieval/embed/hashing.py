"""A deterministic hash-seeded embedder: a fast stand-in with the same interface, for tests
and benchmarks of everything but the model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words hashing: a fast stand-in with the same interface, for tests."""

    def __init__(self, dim: int = 384, max_tokens: int = 256) -> None:
        self.name = f"hash-{dim}"
        self.dim = dim
        self._max_tokens = max_tokens

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(WORD.findall(text)) for text in texts]

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        words = [w.lower() for w in WORD.findall(text)][: self._max_tokens - 2]
        for word in words:
            if len(word) < 2 and not word.isdigit():
                continue
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dim
            vector[index] += 1.0 if digest[4] % 2 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

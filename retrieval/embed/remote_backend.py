"""Embeddings from a service: any OpenAI-compatible `/v1/embeddings` endpoint (Hugging Face
TEI, Infinity, Ollama, vLLM, OpenAI). How a newsroom embeds a million articles on a GPU box, or
uses a stronger or multilingual model than the bundled one.

Texts go in batches, several requests in flight, through the `openai` SDK's client, which
retries a request that fails on the connection, times out, or gets a 408, 409, 429 or 5xx, with
exponential back-off (0.5 s doubling to 8 s, jittered, or the server's Retry-After) and gives
each request its timeout. Vectors are normalised here (not every server does) and must all have
one size. Chunking still counts tokens locally, with the
tokenizer of `tokenizer_dir` (the same model's files) or, without one, an estimate from words.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.core.errors import ConfigError, EmbeddingServiceError

logger = logging.getLogger(__name__)
RETRIED = {408, 409, 429}  # and every 5xx: what the SDK retries
WORDS_TO_TOKENS = 1.35  # an English word is about this many word pieces


class RemoteEmbedder:
    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key: str | None = None,
        tokenizer_dir: Path | None = None,
        max_tokens: int = 256,
        batch_size: int = 64,
        in_flight: int = 4,
        timeout_s: float = 60.0,
        retries: int = 4,
        dimensions: int = 0,
    ) -> None:
        if not url:
            raise ConfigError(
                "NEWSBOT_EMBEDDING_BACKEND=remote needs NEWSBOT_EMBEDDING_URL (an "
                "OpenAI-compatible endpoint, e.g. http://gpu-box:8080/v1)"
            )
        if not model:
            raise ConfigError(
                "NEWSBOT_EMBEDDING_BACKEND=remote needs NEWSBOT_EMBEDDING_REMOTE_MODEL (the "
                "model name the service serves)"
            )
        import openai

        base = url.rstrip("/").removesuffix("/embeddings")
        self.url = f"{base}/embeddings"
        self.model = model
        # What the index records: the service's model, wherever it runs (no mixing, as for
        # local backends).
        self.name = f"remote:{model}"
        self.batch_size = batch_size
        self.in_flight = max(1, in_flight)
        self.retries = retries
        self._max_tokens = max_tokens
        self._dimensions = dimensions
        self._seen_dimensions = dimensions
        self._lock = threading.Lock()
        # One client for every thread: it is thread-safe and pools connections. A service
        # without keys gets a placeholder (the SDK requires one; such services ignore it).
        self._client = openai.OpenAI(
            base_url=base, api_key=api_key or "none", timeout=timeout_s, max_retries=retries
        )
        self._tokenizer: Any = None
        self._tokenizer_lock = threading.Lock()
        if tokenizer_dir is not None and (tokenizer_dir / "tokenizer.json").exists():
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self._tokenizer is None:
            return [math.ceil(len(t.split()) * WORDS_TO_TOKENS) for t in texts]
        with self._tokenizer_lock:  # configured once, never changed: safe, and locked anyway
            encoded = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        batches = [
            list(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)
        ]
        if len(batches) == 1 or self.in_flight == 1:
            parts = [self._embed_batch(b) for b in batches]
        else:
            with ThreadPoolExecutor(max_workers=self.in_flight) as pool:
                parts = list(pool.map(self._embed_batch, batches))
        return np.vstack(parts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        rows = self._post(texts)
        try:
            vectors = np.asarray([row.embedding for row in rows], dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise EmbeddingServiceError(
                f"the embedding service at {self.url} answered without embeddings ({exc})"
            ) from None
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise EmbeddingServiceError(
                f"the embedding service at {self.url} returned {len(vectors)} vectors for "
                f"{len(texts)} texts"
            )
        self._check_size(vectors.shape[1])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)

    def _check_size(self, size: int) -> None:
        with self._lock:
            if not self._seen_dimensions:
                self._seen_dimensions = size
                return
            expected = self._seen_dimensions
        if size != expected:
            origin = "NEWSBOT_EMBEDDING_DIMENSIONS" if self._dimensions else "its earlier answers"
            raise EmbeddingServiceError(
                f"the embedding service at {self.url} returned vectors of {size} dimensions, "
                f"not {expected} ({origin}): is it serving another model than {self.model}?"
            )

    def _post(self, texts: list[str]) -> list[Any]:
        """The service's embeddings of `texts`, in order; the SDK retries what can be."""
        import openai

        try:
            response = self._client.embeddings.create(
                model=self.model, input=texts, encoding_format="float"
            )
        except (openai.APIConnectionError, openai.APIStatusError) as exc:
            status = getattr(exc, "status_code", None)
            if status is not None and status not in RETRIED and status < 500:
                raise EmbeddingServiceError(
                    f"the embedding service at {self.url} refused the request (HTTP "
                    f"{status}: {str(exc)[:200]})"
                ) from None
            # Still failing after every retry: refused, reset, timed out, busy.
            last = f"HTTP {status}" if status else f"{type(exc).__name__}: {exc}"
            logger.warning(
                "embedding service %s failed %d times: %s", self.url, self.retries + 1, last
            )
            raise EmbeddingServiceError(
                f"the embedding service at {self.url} did not answer ({last}) after "
                f"{self.retries + 1} tries"
            ) from None
        except openai.APIResponseValidationError:
            raise EmbeddingServiceError(
                f"the embedding service at {self.url} answered without embeddings"
            ) from None
        data = getattr(response, "data", None)
        if not isinstance(data, list) or any(
            not isinstance(getattr(row, "index", None), int) for row in data
        ):
            raise EmbeddingServiceError(
                f"the embedding service at {self.url} answered without numbered embeddings"
            )
        return sorted(data, key=lambda row: row.index)

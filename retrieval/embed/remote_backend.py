"""Embeddings from a service: any OpenAI-compatible `/v1/embeddings` endpoint (Hugging Face
TEI, Infinity, Ollama, vLLM, OpenAI). How a newsroom embeds a million articles on a GPU box, or
uses a stronger or multilingual model than the bundled one.

Texts go in batches, several requests in flight; a request that fails on the connection, a
timeout, a 429 or a 5xx is retried with exponential back-off. Vectors are normalised here (not
every server does) and must all have one size. Chunking still counts tokens locally, with the
tokenizer of `tokenizer_dir` (the same model's files) or, without one, an estimate from words.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.core.errors import ConfigError, EmbeddingServiceError

logger = logging.getLogger(__name__)
RETRY_STATUS = {408, 429, 500, 502, 503, 504}
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
        backoff_s: float = 0.5,
        dimensions: int = 0,
        sleep: Callable[[float], None] = time.sleep,
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
        import httpx

        self.url = url.rstrip("/")
        if not self.url.endswith("/embeddings"):
            self.url += "/embeddings"
        self.model = model
        # What the index records: the service's model, wherever it runs (no mixing, as for
        # local backends).
        self.name = f"remote:{model}"
        self.batch_size = batch_size
        self.in_flight = max(1, in_flight)
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._max_tokens = max_tokens
        self._dimensions = dimensions
        self._seen_dimensions = dimensions
        self._lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # One client for every thread: httpx.Client is thread-safe and pools connections.
        self._client = httpx.Client(
            timeout=timeout_s,
            headers=headers,
            limits=httpx.Limits(max_connections=self.in_flight + 2),
        )
        self._tokenizer: Any = None
        self._tokenizer_lock = threading.Lock()
        if tokenizer_dir is not None and (tokenizer_dir / "tokenizer.json").exists():
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()
        self.requests = 0  # sent, retries included (for the benchmark)

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
        payload = self._post({"model": self.model, "input": texts})
        try:
            rows = sorted(payload["data"], key=lambda row: row["index"])
            vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
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

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff_s * 2 ** (attempt - 1))
            self.requests += 1
            try:
                response = self._client.post(self.url, json=body)
            except httpx.HTTPError as exc:  # refused, reset, timed out
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRY_STATUS:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise EmbeddingServiceError(
                    f"the embedding service at {self.url} refused the request (HTTP "
                    f"{response.status_code}: {response.text[:200]})"
                )
            try:
                result: dict[str, Any] = response.json()
            except ValueError:
                raise EmbeddingServiceError(
                    f"the embedding service at {self.url} did not answer in JSON"
                ) from None
            return result
        logger.warning("embedding service %s failed %d times: %s", self.url, self.retries + 1, last)
        raise EmbeddingServiceError(
            f"the embedding service at {self.url} did not answer ({last}) after "
            f"{self.retries + 1} tries"
        )

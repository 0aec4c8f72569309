"""The vector store: Chroma, embedded on disk or as a server. chromadb stays in this module.

Chroma never embeds anything here: collections are created without an embedding function and
every write and query passes vectors, so no model is ever downloaded behind our back.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from retrieval.core.errors import StoreUnavailableError

logger = logging.getLogger(__name__)
SLOW_FAILURE_S = 1.0  # a failed connect that took this long makes requests fail at once


def text_fingerprint(text: str) -> str:
    """What the store keeps of a passage's text: the catalog holds the text itself. Chroma
    writes twice as fast without documents, and its folder is a quarter of the size
    (`python -m benchmarks.chroma_writes`, BENCHMARKS.md)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


class VectorStore(Protocol):
    description: str

    def upsert(
        self,
        collection: str,
        ids: Sequence[str],
        vectors: np.ndarray,
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None: ...

    def delete_articles(self, collection: str, article_ids: Sequence[str]) -> None: ...

    def query(
        self, collection: str, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        ...

    def vectors(self, collection: str, article_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vector of every chunk of these articles, by chunk id."""
        ...

    def records(
        self, collection: str, chunk_ids: Sequence[str]
    ) -> dict[str, tuple[np.ndarray, str]]:
        """Vector and `text_fingerprint` of the text it was stored with, for each of these
        passages that the store holds."""
        ...

    def count(self, collection: str) -> int: ...

    def drop(self, collection: str) -> None: ...

    def collections(self) -> list[str]: ...


def persistent_client(path: Path) -> Any:
    """A plain embedded Chroma client (for the evaluation's LangChain baseline), telemetry
    off; chromadb stays in this module."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
    )


class ChromaStore:
    def __init__(
        self,
        *,
        path: Path | None = None,
        host: str = "",
        port: int = 8000,
        ssl: bool = False,
        headers: dict[str, str] | None = None,
        tenant: str = "default_tenant",
        database: str = "default_database",
        timeout_s: float = 10.0,
    ) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self.host = host
        self.port = port
        self.ssl = ssl
        self._headers = dict(headers or {})  # may hold a token: never in a message or log
        self.tenant = tenant
        self.database = database
        where = (
            ""
            if (tenant, database) == ("default_tenant", "default_database")
            else (f" ({tenant}/{database})")
        )
        self.description = (
            f"chroma server {'https' if ssl else 'http'}://{host}:{port}{where}"
            if host
            else f"chroma (embedded) {path}"
        )
        self._client: Any = None
        self._collections: dict[str, Any] = {}
        self._lock = threading.Lock()
        # After a slow failed connect, requests fail at once for as long as it took (a
        # stalled server: one timeout) instead of each waiting its own timeout in turn behind
        # the lock (six readers).
        self._down_until = 0.0
        self._down_because = ""

    def _client_now(self) -> Any:
        """The connected client (connecting first if need be), read under the lock: another
        thread may drop it after a failed call."""
        with self._lock:
            if self._client is None:
                if time.monotonic() < self._down_until:
                    raise StoreUnavailableError(self._down_because)
                started = time.monotonic()
                try:
                    self._client = self._connect()
                except StoreUnavailableError as exc:
                    # A slow failure (a stalled server: its timeout) shuts the door for as
                    # long as it took; a quick one (refused) does not: the next request tries
                    # again, so a server that comes back is used at once.
                    took = time.monotonic() - started
                    if took >= min(SLOW_FAILURE_S, 0.8 * self.timeout_s):
                        self._down_until = time.monotonic() + took
                        self._down_because = str(exc)
                    raise
            return self._client

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if self.host:
                # chromadb's HTTP client waits for ever (httpx timeout=None, no setting for it),
                # and its constructor already asks the server: a server that accepts and never
                # answers would hang every question and /readyz. Ask the heartbeat ourselves
                # first, bounded, then bound the client's own session.
                self._heartbeat()
                client = chromadb.HttpClient(
                    host=self.host,
                    port=self.port,
                    ssl=self.ssl,
                    headers=self._headers or None,
                    tenant=self.tenant,
                    database=self.database,
                    settings=chroma_settings,
                )
                _bound_session(client, self.timeout_s)
                client.heartbeat()
                return client
            assert self.path is not None
            self.path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.path), settings=chroma_settings)
        except Exception as exc:  # chromadb raises many kinds; all mean "unavailable"
            raise StoreUnavailableError(
                f"cannot reach the vector store ({self.description}): {_short(exc)}"
            ) from exc

    def _heartbeat(self) -> None:
        import httpx

        scheme = "https" if self.ssl else "http"
        url = f"{scheme}://{self.host}:{self.port}/api/v2/heartbeat"
        response = httpx.get(url, headers=self._headers, timeout=self.timeout_s)
        response.raise_for_status()

    def _collection(self, name: str, *, create: bool = True) -> Any:
        client = self._client_now()
        with self._lock:
            if name not in self._collections:
                try:
                    if create:
                        collection = client.get_or_create_collection(
                            name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                        )
                    else:
                        collection = client.get_collection(name, embedding_function=None)
                except Exception as exc:
                    raise StoreUnavailableError(
                        f"vector store error ({self.description}): {_short(exc)}"
                    ) from exc
                self._collections[name] = collection
            return self._collections[name]

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            with self._lock:  # a restarted server needs fresh handles
                self._collections.clear()
                self._client = None
            raise StoreUnavailableError(
                f"vector store {what} failed ({self.description}): {_short(exc)}"
            ) from exc

    def max_batch(self) -> int:
        client = self._client_now()
        try:
            return int(client.get_max_batch_size())
        except Exception:
            return 1000

    def upsert(
        self,
        collection: str,
        ids: Sequence[str],
        vectors: np.ndarray,
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        handle = self._collection(collection)
        # A server answers each write within NEWSBOT_STORE_TIMEOUT_S: 1,000 passages take it
        # about 2 s on 2 cores (about 460 passages/s, BENCHMARKS.md), 5,000 could pass 10 s.
        step = max(1, min(self.max_batch(), 1000 if self.host else 5000))
        marked = [
            {**meta, "text_hash": text_fingerprint(text)}
            for meta, text in zip(metadatas, texts, strict=True)
        ]
        for start in range(0, len(ids), step):
            end = start + step
            self._call(
                "write",
                handle.upsert,
                ids=list(ids[start:end]),
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                metadatas=marked[start:end],
            )

    def delete_articles(self, collection: str, article_ids: Sequence[str]) -> None:
        handle = self._collection(collection)
        for start in range(0, len(article_ids), 200):
            batch = list(article_ids[start : start + 200])
            self._call("delete", handle.delete, where={"article_id": {"$in": batch}})

    def query(
        self, collection: str, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        handle = self._collection(collection)
        result = self._call(
            "query",
            handle.query,
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        ids = result["ids"][0] if result["ids"] else []
        distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def vectors(self, collection: str, article_ids: Sequence[str]) -> dict[str, np.ndarray]:
        handle = self._collection(collection)
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(article_ids), 200):
            batch = list(article_ids[start : start + 200])
            result = self._call(
                "read",
                handle.get,
                where={"article_id": {"$in": batch}},
                include=["embeddings"],
            )
            for chunk_id, vector in zip(result["ids"], result["embeddings"], strict=True):
                found[chunk_id] = np.asarray(vector, dtype=np.float32)
        return found

    def records(
        self, collection: str, chunk_ids: Sequence[str]
    ) -> dict[str, tuple[np.ndarray, str]]:
        handle = self._collection(collection)
        found: dict[str, tuple[np.ndarray, str]] = {}
        for start in range(0, len(chunk_ids), 500):
            result = self._call(
                "read",
                handle.get,
                ids=list(chunk_ids[start : start + 500]),
                include=["embeddings", "metadatas", "documents"],
            )
            for chunk_id, vector, meta, document in zip(
                result["ids"],
                result["embeddings"],
                result["metadatas"],
                result["documents"],
                strict=True,
            ):
                # Collections written before the fingerprint kept the text itself.
                mark = (meta or {}).get("text_hash") or text_fingerprint(document or "")
                found[chunk_id] = (np.asarray(vector, dtype=np.float32), str(mark))
        return found

    def count(self, collection: str) -> int:
        return int(self._call("count", self._collection(collection).count))

    def collections(self) -> list[str]:
        """Names of every collection in the store (for checks and clean-up)."""
        client = self._client_now()
        return sorted(
            str(getattr(c, "name", c)) for c in self._call("list", client.list_collections)
        )

    def drop(self, collection: str) -> None:
        """Delete a collection; one that does not exist is fine, an unreachable store is not."""
        client = self._client_now()
        with self._lock:
            self._collections.pop(collection, None)
        try:
            client.delete_collection(collection)
        except Exception as exc:
            text = str(exc).lower()
            if "does not exist" in text or "not found" in text or "notfound" in text:
                logger.info("drop %s: %s", collection, _short(exc))
                return
            with self._lock:
                self._collections.clear()
                self._client = None
            raise StoreUnavailableError(
                f"vector store drop failed ({self.description}): {_short(exc)}"
            ) from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _bound_session(client: Any, timeout_s: float) -> None:
    """Every later request of this client gives up after `timeout_s` (connect, read, write and
    pool alike). The session is chromadb's own httpx client (chromadb/api/fastapi.py); a test
    against a server that stalls after connecting holds this to the chromadb in use."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        raise RuntimeError("this chromadb's HTTP client has no httpx session to bound")
    session.timeout = httpx.Timeout(timeout_s)

"""An in-memory `VectorStore` for the unit tier: exact cosine search over numpy arrays, with the
two filters the product sends (`article_id` in a list, `published` at most a date). It holds
what Chroma holds for the product (vectors, metadata, the passage text's fingerprint), so every
path above the store runs as it does on Chroma; Chroma itself is tested in
tests/integration/ (embedded and `chroma run`).

Stores live in a registry keyed by data dir, so an engine built again on the same data dir in
one test (a restart) finds what the first one wrote, as it would on disk."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.store import text_fingerprint

Held = dict[str, dict[str, tuple[np.ndarray, dict[str, Any]]]]


class MemoryStore:
    def __init__(
        self, path: Path | None = None, data: Held | None = None, lock: threading.Lock | None = None
    ) -> None:
        self.description = f"memory {path}" if path else "memory"
        self._lock = lock or threading.Lock()
        # collection -> chunk id -> (vector, metadata with text_hash). Like ChromaStore (which
        # gets or creates a collection on every call but `drop`), any call makes the collection.
        self._data: Held = {} if data is None else data

    def upsert(
        self,
        collection: str,
        ids: Sequence[str],
        vectors: np.ndarray,
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        rows = np.asarray(vectors, dtype=np.float32)
        # What Chroma refuses, refused here too, so the unit tier still catches such a write.
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate ids in one upsert")
        for meta in metadatas:
            for key, value in meta.items():
                if not isinstance(value, str | int | float | bool | list | None):
                    raise ValueError(f"metadata {key}={value!r}: not a value Chroma keeps")
        with self._lock:
            held = self._data.setdefault(collection, {})
            if held and rows.size and rows.shape[1] != len(next(iter(held.values()))[0]):
                raise ValueError(
                    f"a vector of {rows.shape[1]} dimensions in a collection of "
                    f"{len(next(iter(held.values()))[0])}"
                )
            for chunk_id, vector, text, meta in zip(ids, rows, texts, metadatas, strict=True):
                held[chunk_id] = (vector.copy(), {**meta, "text_hash": text_fingerprint(text)})

    def delete_articles(self, collection: str, article_ids: Sequence[str]) -> None:
        gone = set(article_ids)
        with self._lock:
            held = self._data.setdefault(collection, {})
            for chunk_id in [c for c, (_, m) in held.items() if m.get("article_id") in gone]:
                del held[chunk_id]

    def query(
        self, collection: str, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        if k <= 0:
            raise ValueError(f"n_results must be positive, not {k}")
        with self._lock:
            rows = [
                (chunk_id, stored)
                for chunk_id, (stored, meta) in self._data.setdefault(collection, {}).items()
                if _matches(meta, where)
            ]
        if not rows:
            return []
        matrix = np.stack([stored for _, stored in rows])
        query = np.asarray(vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        similarity = (matrix @ query) / np.where(norms == 0, 1.0, norms)
        best = np.argsort(-similarity, kind="stable")[:k]
        return [(rows[i][0], float(similarity[i])) for i in best]

    def vectors(self, collection: str, article_ids: Sequence[str]) -> dict[str, np.ndarray]:
        wanted = set(article_ids)
        with self._lock:
            return {
                chunk_id: stored.copy()
                for chunk_id, (stored, meta) in self._data.setdefault(collection, {}).items()
                if meta.get("article_id") in wanted
            }

    def records(
        self, collection: str, chunk_ids: Sequence[str]
    ) -> dict[str, tuple[np.ndarray, str]]:
        with self._lock:
            held = self._data.setdefault(collection, {})
            return {
                chunk_id: (held[chunk_id][0].copy(), str(held[chunk_id][1]["text_hash"]))
                for chunk_id in chunk_ids
                if chunk_id in held
            }

    def count(self, collection: str) -> int:
        with self._lock:
            return len(self._data.setdefault(collection, {}))

    def ids(self, collection: str) -> set[str]:
        """Every chunk id the collection holds (for tests that look for orphans)."""
        with self._lock:
            return set(self._data.setdefault(collection, {}))

    def drop(self, collection: str) -> None:
        with self._lock:
            self._data.pop(collection, None)

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(self._data)


def _matches(meta: dict[str, Any], where: dict[str, Any] | None) -> bool:
    """The filters the product sends: {"field": {"$in": [...]}} and {"field": {"$lte": n}}."""
    for field, condition in (where or {}).items():
        value = meta.get(field)
        for operator, operand in condition.items():
            if operator == "$in" and value not in operand:
                return False
            if operator == "$lte" and (value is None or value > operand):
                return False
            if operator not in ("$in", "$lte"):
                raise ValueError(f"the memory store has no {operator} filter")
    return True


class MemoryStores:
    """What each data dir's store holds, for the length of a test. Every engine gets a store
    object of its own (as each gets its own ChromaStore client) over its data dir's vectors."""

    def __init__(self) -> None:
        self._held: dict[Path, tuple[Held, threading.Lock]] = {}
        self._lock = threading.Lock()

    def at(self, data_dir: Path) -> MemoryStore:
        key = Path(data_dir).resolve()
        with self._lock:
            data, lock = self._held.setdefault(key, ({}, threading.Lock()))
        return MemoryStore(key, data, lock)

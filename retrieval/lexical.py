"""BM25 over the same chunks as the vectors (bm25s), persisted beside the store.

Rebuilt from the catalog after every sync that changed anything, so it never drifts from Chroma.
Names, places and figures, where a small dense model is weak, are exactly where BM25 is strong.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


def _bm25s():  # type: ignore[no-untyped-def]
    """bm25s, imported on first use. Its import sets its logger to DEBUG, which printed a line on
    every index build whatever the entry point had configured; keep the level set before it."""
    bm25s_logger = logging.getLogger("bm25s")
    level = bm25s_logger.level
    import bm25s

    bm25s_logger.setLevel(level)
    return bm25s


def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._model = None
        self._ids: list[str] = []
        self._dates: np.ndarray = np.zeros(0, dtype=np.int64)
        self._loaded_version: str | None = None
        self._stem = None

    def _version_path(self, collection: str) -> Path:
        return self.directory / collection / "meta.json"

    def build(self, collection: str, rows: list[tuple[str, str, int]]) -> None:
        """Index (chunk id, text, published YYYYMMDD) rows; replaces what was there."""
        bm25s = _bm25s()

        target = self.directory / collection
        staging = self.directory / f".{collection}.building"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        ids = [row[0] for row in rows]
        meta = {"ids": ids, "dates": [int(row[2]) for row in rows]}
        if rows:
            tokens = bm25s.tokenize(
                [row[1] for row in rows],
                stopwords="en",
                stemmer=self._stemmer(),
                show_progress=False,
            )
            model = bm25s.BM25()
            model.index(tokens, show_progress=False)
            model.save(str(staging / "bm25"), show_progress=False)
        (staging / "meta.json").write_text(json.dumps(meta))
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        with self._lock:
            self._loaded_version = None  # reload on next search

    def drop(self, collection: str) -> None:
        shutil.rmtree(self.directory / collection, ignore_errors=True)

    def _stemmer(self):  # type: ignore[no-untyped-def]
        if self._stem is None:
            self._stem = _stemmer()
        return self._stem

    def _ensure_loaded(self, collection: str) -> bool:
        bm25s = _bm25s()

        meta_path = self._version_path(collection)
        if not meta_path.exists():
            return False
        version = f"{collection}:{meta_path.stat().st_mtime_ns}"
        with self._lock:
            if self._loaded_version == version:
                return self._model is not None
            meta = json.loads(meta_path.read_text())
            self._ids = meta["ids"]
            self._dates = np.asarray(meta["dates"], dtype=np.int64)
            bm25_dir = self.directory / collection / "bm25"
            self._model = (
                bm25s.BM25.load(str(bm25_dir), show_progress=False) if bm25_dir.exists() else None
            )
            self._loaded_version = version
            return self._model is not None

    def search(
        self, collection: str, query: str, k: int, *, date_from: int = 0, date_to: int = 0
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first, within an optional YYYYMMDD date range."""
        bm25s = _bm25s()

        if not self._ensure_loaded(collection):
            return []
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stemmer(), show_progress=False
        )
        if not tokens.vocab:
            return []
        mask = None
        if date_from or date_to:
            keep = np.ones(len(self._ids), dtype=bool)
            if date_from:
                keep &= self._dates >= date_from
            if date_to:
                keep &= self._dates <= date_to
            if not keep.any():
                return []
            mask = keep.astype(np.float32)
        k = min(k, len(self._ids))
        if k <= 0:
            return []
        with self._lock:
            model = self._model
            ids = self._ids
        assert model is not None
        docs, scores = model.retrieve(
            tokens, k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

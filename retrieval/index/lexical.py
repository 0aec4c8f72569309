"""BM25 over the same chunks as the vectors (bm25s), persisted beside the store.

Rebuilt from the catalog after every sync that changed anything, so it never drifts from Chroma.
Names, places and figures, where a small dense model is weak, are exactly where BM25 is strong.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.core.stemming import thread_stemmer

logger = logging.getLogger(__name__)


def _bm25s():  # type: ignore[no-untyped-def]
    """bm25s, imported on first use. Its import sets its logger to DEBUG, which printed a line on
    every index build whatever the entry point had configured; keep the level set before it."""
    bm25s_logger = logging.getLogger("bm25s")
    level = bm25s_logger.level
    import bm25s

    bm25s_logger.setLevel(level)
    return bm25s


@dataclass(frozen=True)
class LexicalSnapshot:
    """One collection's BM25 index as loaded from disk. Never changed after it is made: a new
    build publishes a new snapshot, and a search in flight keeps the one it started with."""

    version: str
    model: Any
    ids: tuple[str, ...]
    dates: np.ndarray

    def search(
        self, query: str, k: int, *, date_from: int = 0, date_to: int = 0
    ) -> list[tuple[str, float]]:
        if self.model is None or not self.ids:
            return []
        bm25s = _bm25s()
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=thread_stemmer(), show_progress=False
        )
        if not tokens.vocab:
            return []
        mask = None
        if date_from or date_to:
            keep = np.ones(len(self.ids), dtype=bool)
            if date_from:
                keep &= self.dates >= date_from
            if date_to:
                keep &= self.dates <= date_to
            if not keep.any():
                return []
            mask = keep.astype(np.float32)
        k = min(k, len(self.ids))
        if k <= 0:
            return []
        docs, scores = self.model.retrieve(
            tokens, k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [
            (self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]

    def scores(self, query: str, chunk_ids: Sequence[str]) -> tuple[dict[str, float], float]:
        """BM25 scores of these chunks for `query`, and the best score of any chunk (what the
        search normalises by)."""
        if self.model is None or not self.ids:
            return {}, 0.0
        bm25s = _bm25s()
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=thread_stemmer(), show_progress=False, return_ids=False
        )
        if not tokens or not tokens[0]:
            return {}, 0.0
        every = np.asarray(self.model.get_scores(tokens[0]), dtype=np.float32)
        position = {chunk_id: n for n, chunk_id in enumerate(self.ids)}
        wanted = {i: float(every[position[i]]) for i in chunk_ids if i in position}
        return wanted, float(every.max(initial=0.0))


EMPTY = LexicalSnapshot("", None, (), np.zeros(0, dtype=np.int64))


SWAP_RETRIES = 1000  # a build's two renames take microseconds; 1 ms between tries


class LexicalIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()  # guards the dict of published snapshots only
        self._snapshots: dict[str, LexicalSnapshot] = {}

    def _build_path(self, collection: str) -> Path:
        return self.directory / collection / "build"

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
                stemmer=thread_stemmer(),
                show_progress=False,
            )
            model = bm25s.BM25()
            model.index(tokens, show_progress=False)
            model.save(str(staging / "bm25"), show_progress=False)
        (staging / "meta.json").write_text(json.dumps(meta))
        (staging / "build").write_text(uuid.uuid4().hex)  # names this version for readers
        # A search that loaded the old files keeps its snapshot in memory; new searches see
        # the new build id and load the new files.
        retired = target.with_name(f".{collection}.old")
        shutil.rmtree(retired, ignore_errors=True)
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)

    def sweep(self) -> list[str]:
        """Remove what a build killed halfway left: its staging directory (`.<name>.building`)
        and the version a swap had set aside (`.<name>.old`). Called only under the index's job
        lock, which every build runs under (in this process and in others), so no live build is
        writing them. Returns the names removed."""
        if not self.directory.is_dir():
            return []
        left = [
            p
            for p in self.directory.iterdir()
            if p.name.startswith(".") and p.name.endswith((".building", ".old"))
        ]
        for path in left:
            shutil.rmtree(path, ignore_errors=True)
        if left:
            logger.info("removed %d lexical build(s) left by a killed process", len(left))
        return [p.name for p in left]

    def exists(self, collection: str) -> bool:
        return (self.directory / collection).exists()

    def drop(self, collection: str) -> None:
        with self._lock:
            self._snapshots.pop(collection, None)
        shutil.rmtree(self.directory / collection, ignore_errors=True)

    def snapshot(self, collection: str) -> LexicalSnapshot:
        """The collection's current index, loaded once per version and then shared. While a
        build swaps the files (a moment with none in place) the last snapshot stays in use."""
        with self._lock:
            current = self._snapshots.get(collection)
        # With no snapshot yet to fall back on, a build swapping the files (two renames, a
        # moment apart) is waited out rather than answered with an empty index.
        for _ in range(SWAP_RETRIES):
            try:
                version = self._build_path(collection).read_text()
            except FileNotFoundError:  # mid-swap, not built yet, or built before build ids
                if current is None and self._swapping(collection):
                    time.sleep(0.001)
                    continue
                if current is not None or not (self.directory / collection / "meta.json").exists():
                    return current or EMPTY
                version = ""
            if current is not None and current.version == version:
                return current
            loaded = self._load(collection, version)
            if loaded is None:
                if current is None:
                    continue  # swapped while loading: load the new files
                return current
            with self._lock:
                self._snapshots[collection] = loaded
            return loaded
        return current or EMPTY

    def _swapping(self, collection: str) -> bool:
        return self.directory.joinpath(f".{collection}.old").exists()

    def _load(self, collection: str, version: str) -> LexicalSnapshot | None:
        bm25s = _bm25s()
        folder = self.directory / collection
        try:
            meta = json.loads((folder / "meta.json").read_text())
            bm25_dir = folder / "bm25"
            # Memory-mapped: the postings of a query's terms are read, not the whole matrix
            # (less resident, no slower: BENCHMARKS.md, Serving). A build that replaces
            # these files unlinks them; the pages stay readable while this snapshot lives.
            model = (
                bm25s.BM25.load(str(bm25_dir), show_progress=False, mmap=True)
                if bm25_dir.exists()
                else None
            )
            # Swapped while reading: meta and model may be of two builds; the next search loads.
            if version and self._build_path(collection).read_text() != version:
                return None
        except FileNotFoundError:
            return None
        dates = np.asarray(meta["dates"], dtype=np.int64)
        dates.setflags(write=False)
        return LexicalSnapshot(version, model, tuple(meta["ids"]), dates)

    def search(
        self, collection: str, query: str, k: int, *, date_from: int = 0, date_to: int = 0
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first, within an optional YYYYMMDD date range."""
        return self.snapshot(collection).search(query, k, date_from=date_from, date_to=date_to)

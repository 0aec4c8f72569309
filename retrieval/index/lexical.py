"""BM25 over the same chunks as the vectors (bm25s), persisted beside the store.

A full build from the catalog, plus a small delta of the passages syncs added, changed or
removed since (`lexical_delta.py`): a sync that changes a few articles updates the delta, never
the whole index, and the delta is folded into a new full build once it outgrows its share.
Names, places and figures, where a small dense model is weak, are exactly where BM25 is strong.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.core.language import WordStemmer, analysis_key, stopwords
from retrieval.index.lexical_delta import BuildStats, Delta, rescore, wants_merge

logger = logging.getLogger(__name__)


def _bm25s():  # type: ignore[no-untyped-def]
    """bm25s, imported on first use. Its import sets its logger to DEBUG, which printed a line on
    every index build whatever the entry point had configured; keep the level set before it."""
    bm25s_logger = logging.getLogger("bm25s")
    level = bm25s_logger.level
    import bm25s

    bm25s_logger.setLevel(level)
    return bm25s


Row = tuple[str, str, int, str]  # chunk id, text, published YYYYMMDD, language


def tokenize(texts: Sequence[str], languages: Sequence[str] | None = None) -> list[list[str]]:
    """The tokens bm25s indexes for each text, analysed in its language (`languages`, one a
    text; English when not given): stop words out, Snowball stems (`retrieval.core.language`).
    Texts analysed alike are tokenised in one batch."""
    bm25s = _bm25s()
    languages = languages or ["en"] * len(texts)
    groups: dict[str, list[int]] = {}
    for position, language in enumerate(languages):
        groups.setdefault(analysis_key(language), []).append(position)
    result: list[list[str]] = [[] for _ in texts]
    for positions in groups.values():
        language = languages[positions[0]]
        tokens = bm25s.tokenize(
            [texts[p] for p in positions],
            stopwords=sorted(stopwords(language)),
            stemmer=WordStemmer(language),
            show_progress=False,
            return_ids=False,
        )
        for position, words in zip(positions, tokens, strict=True):
            result[position] = list(words)
    return result


def tokenize_for_index(texts: Sequence[str], languages: Sequence[str]) -> Any:
    """What `bm25s.BM25.index` takes for these texts: token ids and their vocabulary when they
    are all analysed alike (the usual one-language archive: the fast path, as before languages),
    else token strings (bm25s builds the vocabulary)."""
    keys = {analysis_key(language) for language in languages}
    if len(keys) != 1:
        return tokenize(texts, languages)
    return _bm25s().tokenize(
        list(texts),
        stopwords=sorted(stopwords(languages[0])),
        stemmer=WordStemmer(languages[0]),
        show_progress=False,
    )


def _language(row: Sequence[Any]) -> str:
    return str(row[3]) if len(row) > 3 and row[3] else "en"


NO_BUILD = BuildStats(0, 0.0, {})


@dataclass(frozen=True)
class LexicalSnapshot:
    """One collection's BM25 index as loaded from disk: the full build and the delta since.
    Never changed after it is made: an update publishes a new snapshot, and a search in flight
    keeps the one it started with."""

    version: str
    model: Any
    ids: tuple[str, ...]
    dates: np.ndarray
    delta: Delta | None = None
    stats: BuildStats = NO_BUILD
    delta_stamp: tuple[int, int] | None = None  # the delta file's (mtime, size) when read

    def live_ids(self) -> set[str]:
        """Every passage a search can find: the build's not hidden, and the delta's."""
        if self.delta is None:
            return set(self.ids)
        return (set(self.ids) - self.delta.tombstones) | set(self.delta.ids)

    @functools.cached_property
    def hidden(self) -> np.ndarray | None:
        """0 for the build's passages the delta removed or replaced, 1 elsewhere (or None).
        Made once a snapshot (the snapshot never changes), read-only."""
        if self.delta is None or not self.delta.tombstones:
            return None
        mask = np.ones(len(self.ids), dtype=np.float32)
        mask[self._hidden_positions] = 0.0
        mask.setflags(write=False)
        return mask

    def search(
        self, query: str, k: int, *, date_from: int = 0, date_to: int = 0, language: str = "en"
    ) -> list[tuple[str, float]]:
        """The k best passages for the query (analysed in `language`) within the dates."""
        tokens = tokenize([query], [language])[0]
        found = self._search_build(tokens, k, date_from, date_to)
        if self.delta is not None and self.delta.size:
            scores = self._delta_scores(tokens)
            for position, score in enumerate(scores):
                day = self.delta.dates[position]
                if (
                    score > 0
                    and (not date_from or day >= date_from)
                    and (not date_to or day <= date_to)
                ):
                    found.append((self.delta.ids[position], float(score)))
            found.sort(key=lambda hit: hit[1], reverse=True)
        return found[:k]

    def _search_build(
        self, tokens: list[str], k: int, date_from: int, date_to: int
    ) -> list[tuple[str, float]]:
        if self.model is None or not self.ids:
            return []
        keep = self.hidden
        if date_from or date_to:
            dated = np.ones(len(self.ids), dtype=bool)
            if date_from:
                dated &= self.dates >= date_from
            if date_to:
                dated &= self.dates <= date_to
            keep = dated.astype(np.float32) * (keep if keep is not None else 1.0)
        if keep is not None and not keep.any():
            return []
        k = min(k, len(self.ids))
        if k <= 0:
            return []
        if self.delta is not None:  # scored over build and delta together
            every = self._build_scores(tokens)
            if keep is not None:
                every = every * keep
            top = np.argsort(-every, kind="stable")[:k]
            return [(self.ids[int(d)], float(every[d])) for d in top if every[d] > 0]
        known = [token for token in tokens if token in self.model.vocab_dict]
        if not known:
            return []
        docs, scores = self.model.retrieve(
            [known], k=k, show_progress=False, weight_mask=keep, n_threads=1
        )
        return [
            (self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]

    @functools.cached_property
    def _hidden_positions(self) -> np.ndarray:
        if self.delta is None:
            return np.zeros(0, dtype=np.int64)
        tombstones = self.delta.tombstones
        return np.array([n for n, i in enumerate(self.ids) if i in tombstones], dtype=np.int64)

    @functools.cached_property
    def _totals(self) -> tuple[int, float]:
        """Passages and mean length of build and delta together, as a full rebuild counts."""
        assert self.delta is not None and self.stats.lengths is not None
        lengths = self.stats.lengths
        hidden = self._hidden_positions
        n = len(self.ids) - len(hidden) + self.delta.size
        total = float(lengths.sum() - lengths[hidden].sum()) + sum(
            len(t) for t in self.delta.tokens
        )
        return n, total / max(1, n)

    def _token_scores(self, tokens: Sequence[str]) -> dict[str, tuple[np.ndarray, int]]:
        """For each query token: the build's bm25s scores, and its document frequency over
        build and delta together (the build's hidden passages that hold it taken out)."""
        found = {}
        for token in set(tokens):
            if token in self.stats.df:
                scores = np.asarray(self.model.get_scores([token]), dtype=np.float32)
            else:
                scores = np.zeros(len(self.ids), dtype=np.float32)
            hidden_df = int((scores[self._hidden_positions] > 0).sum())
            delta_df = self.delta.token_df(token) if self.delta is not None else 0
            found[token] = (scores, self.stats.df.get(token, 0) - hidden_df + delta_df)
        return found

    def _build_scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Every build passage's BM25 for the tokens, as a full rebuild with the delta would
        score it."""
        n, avgdl = self._totals
        total = np.zeros(len(self.ids), dtype=np.float32)
        for token, (scores, df) in self._token_scores(tokens).items():
            times = tokens.count(token)
            total += times * rescore(scores, self.stats, token, n, avgdl, df)
        return total

    def _delta_scores(self, tokens: Sequence[str]) -> np.ndarray:
        assert self.delta is not None
        n, avgdl = self._totals if self.stats.lengths is not None else (self.delta.size, 1.0)
        df = {t: d for t, (_, d) in self._token_scores(tokens).items()}
        return self.delta.scores(tokens, n, avgdl, df)

    def scores(
        self, query: str, chunk_ids: Sequence[str], language: str = "en"
    ) -> tuple[dict[str, float], float]:
        """BM25 scores of these chunks for `query`, and the best score of any chunk (what the
        search normalises by)."""
        tokens = tokenize([query], [language])[0]
        if not tokens:
            return {}, 0.0
        wanted: dict[str, float] = {}
        best = 0.0
        if self.model is not None and self.ids:
            every = (
                self._build_scores(tokens)
                if self.delta is not None
                else np.asarray(self.model.get_scores(tokens), dtype=np.float32)
            )
            hidden = self.hidden
            if hidden is not None:
                every = every * hidden
            position = {chunk_id: n for n, chunk_id in enumerate(self.ids)}
            wanted = {i: float(every[position[i]]) for i in chunk_ids if i in position}
            best = float(every.max(initial=0.0))
        if self.delta is not None and self.delta.size:
            delta = self._delta_scores(tokens)
            at = {chunk_id: n for n, chunk_id in enumerate(self.delta.ids)}
            wanted.update({i: float(delta[at[i]]) for i in chunk_ids if i in at})
            best = max(best, float(delta.max(initial=0.0)))
        return wanted, best


EMPTY = LexicalSnapshot("", None, (), np.zeros(0, dtype=np.int64))


SWAP_RETRIES = 1000  # a build's two renames take microseconds; 1 ms between tries


class LexicalIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()  # guards the dict of published snapshots only
        self._snapshots: dict[str, LexicalSnapshot] = {}

    def _build_path(self, collection: str) -> Path:
        return self.directory / collection / "build"

    def build(self, collection: str, rows: Sequence[Row]) -> None:
        """Index (chunk id, text, published YYYYMMDD, language) rows; replaces what was
        there."""
        bm25s = _bm25s()

        target = self.directory / collection
        staging = self.directory / f".{collection}.building"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        ids = [row[0] for row in rows]
        meta: dict[str, Any] = {"ids": ids, "dates": [int(row[2]) for row in rows], "avgdl": 0.0}
        if rows:
            tokens = tokenize_for_index([row[1] for row in rows], [_language(r) for r in rows])
            meta["lengths"] = [len(t) for t in getattr(tokens, "ids", tokens)]
            meta["avgdl"] = float(np.mean(meta["lengths"]))
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
        # The build holds every passage now; a delta left from before names the old build
        # (`base`) and would be ignored anyway.
        self._delta_path(collection).unlink(missing_ok=True)

    def _delta_path(self, collection: str) -> Path:
        return self.directory / f"{collection}.delta.json"

    def update(
        self,
        collection: str,
        added: Sequence[Row],
        removed: Sequence[str],
    ) -> bool:
        """Record passages (chunk id, text, published YYYYMMDD) added or changed and chunk ids
        removed since the full build, in the delta; the cost grows with the change, not with
        the archive. Returns whether the delta has outgrown its share and a full build should
        fold it in. Runs under the index's job lock, like `build`."""
        current = self.snapshot(collection)
        base = current.version
        delta = current.delta if current.delta and current.delta.base == base else Delta(base)
        tokens = tokenize([r[1] for r in added], [_language(r) for r in added])
        updated = delta.applied(added, tokens, removed, set(current.ids))
        path = self._delta_path(collection)
        updated.save(path)
        stamp = _stamp(path)
        with self._lock:
            self._snapshots[collection] = replace(current, delta=updated, delta_stamp=stamp)
        return wants_merge(updated, current.stats)

    def sweep(self) -> list[str]:
        """Remove what a build killed halfway left: its staging directory (`.<name>.building`),
        the version a swap had set aside (`.<name>.old`), and a delta written but not yet
        renamed into place (`.<name>.delta.json.tmp`). Called only under the index's job
        lock, which every build runs under (in this process and in others), so no live build is
        writing them. Returns the names removed."""
        if not self.directory.is_dir():
            return []
        left = [
            p
            for p in self.directory.iterdir()
            if p.name.startswith(".") and p.name.endswith((".building", ".old", ".tmp"))
        ]
        for path in left:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if left:
            logger.info("removed %d lexical build(s) left by a killed process", len(left))
        return [p.name for p in left]

    def incremental(self, collection: str) -> bool:
        """Whether a delta can be added to this collection's build (one with the statistics
        the delta's scoring needs: builds before this version lack them)."""
        current = self.snapshot(collection)
        return current.model is not None and current.stats.lengths is not None

    def exists(self, collection: str) -> bool:
        return (self.directory / collection).exists()

    def drop(self, collection: str) -> None:
        with self._lock:
            self._snapshots.pop(collection, None)
        shutil.rmtree(self.directory / collection, ignore_errors=True)
        self._delta_path(collection).unlink(missing_ok=True)

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
                stamp = _stamp(self._delta_path(collection))
                if stamp == current.delta_stamp:
                    return current
                # Another process (or a kill-restart) changed the delta: read it again.
                refreshed = replace(
                    current, delta=self._delta(collection, version), delta_stamp=stamp
                )
                with self._lock:
                    self._snapshots[collection] = refreshed
                return refreshed
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
        stamp = _stamp(self._delta_path(collection))
        return LexicalSnapshot(
            version,
            model,
            tuple(meta["ids"]),
            dates,
            self._delta(collection, version),
            BuildStats.of(model, float(meta.get("avgdl", 0.0)), meta.get("lengths")),
            stamp,
        )

    def _delta(self, collection: str, version: str) -> Delta | None:
        """The delta on disk, if it applies to this build (a full build supersedes it)."""
        delta = Delta.load(self._delta_path(collection), tokenize)
        return delta if delta is not None and delta.base == version else None

    def search(
        self,
        collection: str,
        query: str,
        k: int,
        *,
        date_from: int = 0,
        date_to: int = 0,
        language: str = "en",
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first, within an optional YYYYMMDD date range; the
        query analysed in `language`."""
        return self.snapshot(collection).search(
            query, k, date_from=date_from, date_to=date_to, language=language
        )


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_mtime_ns, info.st_size)

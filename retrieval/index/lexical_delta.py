"""The small segment of passages a sync added or changed since the last full BM25 build, so a
feed poll that adds one article does not rebuild the index of the whole archive.

The big build (bm25s, on disk) stays as it was; the delta holds the passages added since (their
tokens) and the ids the build still has but that are gone or replaced ("tombstones"). A search
scores the build's passages with bm25s, masking the tombstones, and the delta's passages with the
same BM25 (Lucene's, bm25s's default: k1 1.5, b 0.75) over the statistics of both together (the
build's document frequencies and length plus the delta's), so a delta passage scores as it would
in a full rebuild. The build's own passages keep the idf of the build, which a delta of a few
articles in an archive of thousands moves by well under one per cent (tested). When the delta
outgrows `MERGE_AT`, the next sync folds it into a new full build.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

K1, B = 1.5, 0.75  # bm25s's defaults, as the full build uses them
MERGE_AT_SHARE = 0.05  # the delta is folded into a full build beyond this share of the build…
MERGE_AT_MIN = 2000  # …and beyond this many passages


def idf(n: int, df: int) -> float:
    """Lucene's idf, as bm25s computes it."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class BuildStats:
    """What the delta's scoring needs of the full build: its size, mean passage length and
    each token's document frequency."""

    documents: int
    avgdl: float
    df: dict[str, int]
    lengths: np.ndarray | None = None  # each passage's token count, in build order

    @classmethod
    def of(cls, model: Any, avgdl: float, lengths: Sequence[int] | None) -> BuildStats:
        if model is None:
            return cls(0, 0.0, {})
        indptr = np.asarray(model.scores["indptr"])
        counts = np.diff(indptr)
        df = {token: int(counts[i]) for token, i in model.vocab_dict.items() if i < len(counts)}
        sizes = np.asarray(lengths, dtype=np.float32) if lengths is not None else None
        return cls(int(model.scores["num_docs"]), avgdl, df, sizes)


@dataclass(frozen=True)
class Delta:
    """Immutable: an update writes a new one. `base` names the build it applies to."""

    base: str
    ids: tuple[str, ...] = ()
    tokens: tuple[tuple[str, ...], ...] = ()
    dates: tuple[int, ...] = ()
    texts: tuple[str, ...] = ()
    tombstones: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()  # each passage's, for tokenising it again on load
    _df: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        df: Counter[str] = Counter()
        for tokens in self.tokens:
            df.update(set(tokens))
        object.__setattr__(self, "_df", dict(df))

    @property
    def size(self) -> int:
        return len(self.ids)

    def applied(
        self,
        added: Sequence[tuple[Any, ...]],
        added_tokens: Sequence[Sequence[str]],
        removed: Iterable[str],
        in_build: set[str] | frozenset[str],
    ) -> Delta:
        """This delta with passages (id, text, date, language) added or replaced and others
        removed."""
        languages = self.languages or ("en",) * len(self.ids)
        rows = {
            i: (tok, d, t, lang)
            for i, tok, d, t, lang in zip(
                self.ids, self.tokens, self.dates, self.texts, languages, strict=True
            )
        }
        tombstones = set(self.tombstones)
        for chunk_id in removed:
            rows.pop(chunk_id, None)
            if chunk_id in in_build:
                tombstones.add(chunk_id)
        for row, tokens in zip(added, added_tokens, strict=True):
            chunk_id, text, day = row[:3]
            rows[chunk_id] = (tuple(tokens), int(day), text, row[3] if len(row) > 3 else "en")
            if chunk_id in in_build:
                tombstones.add(chunk_id)  # the build's old version is masked
        ordered = sorted(rows.items())
        return Delta(
            self.base,
            tuple(i for i, _ in ordered),
            tuple(v[0] for _, v in ordered),
            tuple(v[1] for _, v in ordered),
            tuple(v[2] for _, v in ordered),
            frozenset(tombstones),
            tuple(v[3] for _, v in ordered),
        )

    def token_df(self, token: str) -> int:
        """How many delta passages hold the token."""
        return self._df.get(token, 0)

    def scores(self, query: Sequence[str], n: int, avgdl: float, df: dict[str, int]) -> np.ndarray:
        """BM25 of each delta passage for the query tokens, with the statistics of build and
        delta together (`n` passages of mean length `avgdl`, `df` per token). A token the query
        repeats counts as often, as bm25s counts it."""
        result = np.zeros(len(self.ids), dtype=np.float32)
        for token, times in Counter(query).items():
            if not df.get(token):
                continue
            weight = times * idf(n, df[token])
            for position, tokens in enumerate(self.tokens):
                tf = tokens.count(token)
                if tf:
                    norm = K1 * (1.0 - B + B * len(tokens) / avgdl)
                    result[position] += weight * tf / (tf + norm)
        return result

    # -- on disk: one JSON file written whole (a temporary file, then a rename) ---------------
    def save(self, path: Path) -> None:
        payload = {
            "base": self.base,
            "rows": [
                [i, t, d, lang]
                for i, t, d, lang in zip(
                    self.ids,
                    self.texts,
                    self.dates,
                    self.languages or ("en",) * len(self.ids),
                    strict=True,
                )
            ],
            "tombstones": sorted(self.tombstones),
        }
        # Hidden, like a build's staging directory: a kill between the write and the rename
        # leaves it for `LexicalIndex.sweep` (the delta itself stays as it was).
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(payload))
        os.replace(temporary, path)

    @staticmethod
    def load(path: Path, tokenize: Any) -> Delta | None:
        try:
            payload = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        rows = payload.get("rows", [])
        texts = [r[1] for r in rows]
        languages = [r[3] if len(r) > 3 else "en" for r in rows]  # older deltas: English
        return Delta(
            str(payload.get("base", "")),
            tuple(r[0] for r in rows),
            tuple(tuple(t) for t in tokenize(texts, languages)) if texts else (),
            tuple(int(r[2]) for r in rows),
            tuple(texts),
            frozenset(payload.get("tombstones", [])),
            tuple(languages),
        )


def wants_merge(delta: Delta, build: BuildStats) -> bool:
    """Whether the delta has outgrown its share of the build."""
    return delta.size > max(MERGE_AT_MIN, MERGE_AT_SHARE * build.documents)


def rescore(
    scores: np.ndarray, build: BuildStats, token: str, n: int, avgdl: float, df: int
) -> np.ndarray:
    """The build's BM25 scores of one token (by bm25s, with the build's idf and mean length)
    as a full rebuild would give them: each passage's term frequency is recovered from its
    score and length, then scored again with the idf and mean length of the whole."""
    df_build = build.df.get(token, 0)
    if df_build == 0 or build.lengths is None:
        return scores
    part = scores / idf(build.documents, df_build)  # tf / (tf + norm), below 1
    found = part > 0
    lengths = build.lengths[found]
    tf = part[found] * K1 * (1.0 - B + B * lengths / build.avgdl) / (1.0 - part[found])
    result = np.zeros_like(scores)
    result[found] = idf(n, df) * tf / (tf + K1 * (1.0 - B + B * lengths / avgdl))
    return result

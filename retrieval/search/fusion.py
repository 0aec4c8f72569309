"""Fusing dense and BM25 candidates into one ranking, with the bonus a passage's date earns.

Shared by the search and by followed-topic matching, so both score a passage the same way."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from retrieval.core.records import Passage
from retrieval.search.timeframe import TimeFrame


@dataclass(frozen=True)
class FusionConfig:
    """How candidates are fused and what a date adds (NEWSBOT_RETRIEVAL_FUSION, _RRF_K,
    _RECENCY_WEIGHT, _RECENCY_HALF_LIFE_DAYS, _WINDOW_BONUS; retrieval/search/factory.py).
    The dense weight is not here: the search chooses it per question (its language)."""

    fusion: Literal["convex", "rrf"]
    rrf_k: int
    recency_weight: float
    recency_half_life_days: float
    window_bonus: float


def fuse(rankings: Sequence[tuple[float, Sequence[str]]], rrf_k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: each list adds weight / (rrf_k + rank)."""
    scores: dict[str, float] = {}
    for weight, ids in rankings:
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (rrf_k + rank)
    return scores


def cap_per_article(passages: Sequence[Passage], per_article: int, k: int) -> list[Passage]:
    """Best first, at most `per_article` passages of one article, `k` in all."""
    taken: dict[str, int] = {}
    result: list[Passage] = []
    for passage in passages:
        if taken.get(passage.article_id, 0) >= per_article:
            continue
        taken[passage.article_id] = taken.get(passage.article_id, 0) + 1
        result.append(passage)
        if len(result) == k:
            break
    return result


def one_copy_a_story(
    passages: Sequence[Passage],
    story_of: Mapping[str, str],
    preferred: Callable[[Passage], bool] = lambda passage: False,
) -> list[Passage]:
    """Best first, the passages of one article a story (`story_of`: article id -> story; an
    article missing from it is a story of its own): the best ranked copy's, or the best ranked
    `preferred` copy's (one from the outlet the question names). Each passage kept is marked
    with its story."""
    chosen: dict[str, str] = {}  # story -> the article read of it
    for passage in passages:
        if preferred(passage):
            chosen.setdefault(
                story_of.get(passage.article_id, passage.article_id), passage.article_id
            )
    for passage in passages:
        chosen.setdefault(story_of.get(passage.article_id, passage.article_id), passage.article_id)
    kept = []
    for passage in passages:
        story = story_of.get(passage.article_id, passage.article_id)
        if chosen[story] == passage.article_id:
            kept.append(replace(passage, story=story))
    return kept


def convex(
    dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]], dense_weight: float
) -> dict[str, float]:
    """Score fusion: cosine similarity and max-normalised BM25, mixed. A candidate missing from
    the dense list gets that list's lowest similarity (it ranked below all of them)."""
    dense_scores = dict(dense)
    floor = min(dense_scores.values(), default=0.0)
    best = max((s for _, s in lexical), default=0.0) or 1.0
    lexical_scores = {i: s / best for i, s in lexical}
    weight = dense_weight if dense else 0.0
    if not lexical:
        weight = 1.0
    return {
        item: mix(dense_scores.get(item, floor), lexical_scores.get(item, 0.0), weight)
        for item in dense_scores.keys() | lexical_scores.keys()
    }


def mix(cosine: float, lexical_share: float, dense_weight: float) -> float:
    """One candidate's convex score: its cosine and its BM25 over the best BM25, mixed."""
    return dense_weight * cosine + (1.0 - dense_weight) * lexical_share


def recency_bonus(published: date | None, today: date, config: FusionConfig) -> float:
    if published is None:
        return 0.0
    age = max(0, (today - published).days)
    return config.recency_weight * math.pow(0.5, age / config.recency_half_life_days)


def time_bonus(
    published: date | None,
    frame: TimeFrame,
    today: date,
    config: FusionConfig,
    *,
    recency: bool,
) -> float:
    """What a passage's date adds to its score: inside the question's time window when it
    names one, else the recency bonus (when `recency` is on)."""
    if frame.explicit:
        return config.window_bonus * _inside(published, frame)
    if recency:
        return recency_bonus(published, today, config)
    return 0.0


def fuse_hits(
    dense: Sequence[tuple[str, float]],
    lexical: Sequence[tuple[str, float]],
    config: FusionConfig,
    dense_weight: float,
) -> dict[str, float]:
    """The configured fusion of dense and lexical candidates, the dense list weighing
    `dense_weight` (the search's, or its weight for a language the model does not read)."""
    if config.fusion == "rrf":
        dense_share = 2.0 * dense_weight  # 0.5: both lists count alike
        return fuse(
            [(dense_share, [i for i, _ in dense]), (2.0 - dense_share, [i for i, _ in lexical])],
            config.rrf_k,
        )
    return convex(dense, lexical, dense_weight)


def rank_candidates(
    scores: dict[str, float],
    found: dict[str, Passage],
    *,
    frame: TimeFrame,
    today: date,
    config: FusionConfig,
    recency: bool,
    similarity: dict[str, float] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> list[Passage]:
    """Fused candidates as passages, dated and sorted best first. A candidate missing from
    `found` (written to one index and not yet the other) or of a hidden article is skipped."""
    passages = []
    for chunk_id, score in scores.items():
        passage = found.get(chunk_id)
        if passage is None or passage.article_id in hidden:
            continue
        score += time_bonus(passage.published, frame, today, config, recency=recency)
        passages.append(replace(passage, score=score, similarity=(similarity or {}).get(chunk_id)))
    passages.sort(key=lambda p: p.score, reverse=True)
    return passages


def _inside(published: date | None, frame: TimeFrame) -> bool:
    if published is None:
        return False
    return (frame.start is None or published >= frame.start) and (
        frame.end is None or published <= frame.end
    )

"""Tune fusion and date handling on RealTimeQA dev without re-querying for every setting.

    python -m benchmarks.tune_rtqa QUESTIONS --data-dir DIR [--pool 300]

For each question it fetches a large candidate pool once (dense and BM25, nothing after the
question date), then replays fusion, time windows and recency for a grid of settings and prints
answer recall@1/5/10 and MRR@10 for each. Pick settings here; record figures with `newsbot eval`.
"""

from __future__ import annotations

import argparse
import itertools
import math
import pickle
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from retrieval.catalog import date_to_int
from retrieval.evaluation import EvalQuestion, first_hit, load_questions
from retrieval.search import cap_per_article, convex, fuse
from retrieval.services import build_services
from retrieval.settings import Settings
from retrieval.timeframe import resolve_timeframe


@dataclass
class Pool:
    question: EvalQuestion
    dense: list[tuple[str, float]]
    lexical: list[tuple[str, float]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--pool", type=int, default=300)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()

    services = build_services(Settings(_env_file=None, data_dir=args.data_dir))  # type: ignore[call-arg]
    collection = services.index.active_collection
    questions = [q for q in load_questions(args.questions) if q.answerable]
    if args.limit:
        questions = questions[: args.limit]
    cache = args.data_dir / f"tune-pools-{args.pool}.pkl"
    pools = pickle.loads(cache.read_bytes()) if cache.exists() else []
    for n, item in enumerate(questions[len(pools) :], len(pools) + 1):
        today = item.asked or date.today()
        ceiling = date_to_int(today)
        dense = services.store.query(
            collection,
            services.embedder.embed_query(item.question),
            args.pool,
            {"published": {"$lte": ceiling}},
        )
        lexical = services.searcher.lexical.search(
            collection, item.question, args.pool, date_to=ceiling
        )
        pools.append(Pool(item, dense, lexical))
        if n % 100 == 0:
            print(f"pooled {n}/{len(questions)}", flush=True)
    cache.write_bytes(pickle.dumps(pools))
    every_id = {i for p in pools for i, _ in p.dense + p.lexical}
    passages = services.catalog.passages(collection, list(every_id))

    def score(
        fusion: str,
        weight: float,
        window: int,
        half_life: float,
        bonus: float,
        explicit: str,
        cap: int = 2,
        explicit_bonus: float = 0.1,
        candidates: int = 50,
    ) -> tuple[float, float, float, float]:
        hits = {1: 0, 5: 0, 10: 0}
        mrr = 0.0
        for pool in pools:
            item = pool.question
            today = item.asked or date.today()
            frame = resolve_timeframe(item.question, today)
            start = None
            if frame.explicit and explicit != "none" and frame.start:
                start = frame.start
                if frame.phrase in ("this week", "past week"):
                    start = date.fromordinal(today.toordinal() - window)
            boost_from = start if explicit == "boost" else None
            if explicit == "boost":
                start = None
            dense = [(i, s) for i, s in pool.dense if _after(passages, i, start)][:candidates]
            lexical = [(i, s) for i, s in pool.lexical if _after(passages, i, start)][:candidates]
            if fusion == "rrf":
                fused = fuse([(1.0, [i for i, _ in dense]), (1.0, [i for i, _ in lexical])], 60)
            else:
                fused = convex(dense, lexical, weight)
            ranked = []
            for chunk_id, value in fused.items():
                passage = passages.get(chunk_id)
                if passage is None:
                    continue
                if not frame.explicit and passage.published and bonus:
                    age = max(0, (today - passage.published).days)
                    value += bonus * math.pow(0.5, age / half_life)
                if boost_from and passage.published and passage.published >= boost_from:
                    value += explicit_bonus
                ranked.append((value, passage))
            ranked.sort(key=lambda x: x[0], reverse=True)
            top = cap_per_article([p for _, p in ranked], cap, 10)
            first = first_hit((p.text for p in top), item.answers)
            for k in hits:
                hits[k] += int(first is not None and first <= k)
            mrr += 1.0 / first if first else 0.0
        n = len(pools)
        return hits[1] / n, hits[5] / n, hits[10] / n, mrr / n

    print("fusion weight window half_life bonus filter | r@1 r@5 r@10 mrr")
    grid = itertools.chain(
        [("rrf", 0.0, 8, 30.0, 0.0, "filter")],
        itertools.product(["convex"], [0.5], [8], [14.0], [0.2], ["filter", "none"], [2]),
        itertools.product(
            ["convex"],
            [0.4, 0.5, 0.6],
            [8],
            [7.0, 14.0],
            [0.3, 0.4],
            ["boost"],
            [2],
            [0.2, 0.3],
            [50, 100, 200],
        ),
    )
    for setting in grid:
        r1, r5, r10, mrr = score(*setting)
        print(
            " ".join(str(s) for s in setting),
            f"| {r1:.3f} {r5:.3f} {r10:.3f} {mrr:.3f}",
            flush=True,
        )


def _after(passages: dict, chunk_id: str, start: date | None) -> bool:  # type: ignore[type-arg]
    if start is None:
        return True
    passage = passages.get(chunk_id)
    return bool(passage and passage.published and passage.published >= start)


if __name__ == "__main__":
    main()

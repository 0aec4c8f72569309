"""Tune fusion and date handling on RealTimeQA dev without re-querying for every setting.

    python -m benchmarks.tune_rtqa QUESTIONS --data-dir DIR [--pool 300] \
        [--asked-from 2023-01-01 --asked-to 2023-03-31]

For each question it fetches a large candidate pool once (dense and BM25, nothing after the
question date), then replays fusion, time windows and recency for a grid of settings through
the bot's own functions (`fuse_hits`, `rank_candidates`, `cap_per_article` in
retrieval/search/), so a setting tuned here means what the bot does. It prints answer
recall@1/5/10 and MRR@10 for each. Tune on January-March, confirm on April-June (the
`--asked-*` bounds), then record figures with `newsbot eval`.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
from dataclasses import dataclass, replace
from datetime import date

from benchmarks.halves import add_arguments, engine_and_questions
from retrieval.evaluation import EvalQuestion, first_hit
from retrieval.index.catalog.db import date_to_int
from retrieval.search.factory import search_config
from retrieval.search.fusion import cap_per_article, fuse_hits, rank_candidates
from retrieval.search.hybrid import SearchConfig
from retrieval.search.timeframe import resolve_timeframe


@dataclass
class Pool:
    question: EvalQuestion
    dense: list[tuple[str, float]]
    lexical: list[tuple[str, float]]


def main() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--pool", type=int, default=300)
    parser.add_argument(
        "--dense-weights",
        default="",
        help="only these dense weights (comma-separated), every other setting as configured",
    )
    args = parser.parse_args()
    engine, questions = engine_and_questions(args)
    with engine.collections.reading() as view:
        collection = view.collection
        # Pools of one lexical engine: an index moved to another is pooled again.
        engine_name = type(engine.lexical).__name__
        cache = args.data_dir / f"tune-pools-{args.pool}-{engine_name}.pkl"
        cached = pickle.loads(cache.read_bytes()) if cache.exists() else {}
        pools: list[Pool] = []
        for n, item in enumerate(questions, 1):
            if item.id not in cached:
                ceiling = date_to_int(item.asked or date.today())
                dense = engine.store.query(
                    collection,
                    engine.embedder.embed_query(item.question),
                    args.pool,
                    {"published": {"$lte": ceiling}},
                )
                lexical = engine.lexical.search(
                    collection, item.question, args.pool, date_to=ceiling
                )
                cached[item.id] = Pool(item, dense, lexical)
            pools.append(cached[item.id])
            if n % 100 == 0:
                print(f"pooled {n}/{len(questions)}", flush=True)
        cache.write_bytes(pickle.dumps(cached))
        every_id = {i for p in pools for i, _ in p.dense + p.lexical}
        passages = engine.catalog.passages.by_id(collection, list(every_id))

    def score(config: SearchConfig) -> tuple[float, float, float, float]:
        hits = {1: 0, 5: 0, 10: 0}
        mrr = 0.0
        for pool in pools:
            item = pool.question
            today = item.asked or date.today()
            frame = resolve_timeframe(item.question, today) if config.recency else None
            dense = pool.dense[: config.candidates]
            lexical = pool.lexical[: config.candidates]
            ranked = rank_candidates(
                fuse_hits(dense, lexical, config.fusion, config.dense_weight),
                passages,
                frame=frame or resolve_timeframe("", today),
                today=today,
                config=config.fusion,
                recency=config.recency,
            )
            top = cap_per_article(ranked, config.per_article, 10)
            first = first_hit((p.text for p in top), item.answers)
            for k in hits:
                hits[k] += int(first is not None and first <= k)
            mrr += 1.0 / first if first else 0.0
        n = len(pools) or 1
        return hits[1] / n, hits[5] / n, hits[10] / n, mrr / n

    base = search_config(engine.settings)
    if args.dense_weights:
        grid = [replace(base, dense_weight=float(w)) for w in args.dense_weights.split(",")]
    else:
        grid = [replace(base, fusion=replace(base.fusion, fusion="rrf"))]
    grid += (
        []
        if args.dense_weights
        else [
            replace(
                base,
                dense_weight=weight,
                candidates=candidates,
                fusion=replace(
                    base.fusion,
                    recency_half_life_days=half_life,
                    recency_weight=bonus,
                    window_bonus=window,
                ),
            )
            for weight, half_life, bonus, window, candidates in itertools.product(
                [0.4, 0.5, 0.6], [7.0, 14.0], [0.2, 0.3], [0.2, 0.3], [50, 100]
            )
        ]
    )
    print(f"{len(pools)} questions")
    print("fusion dense_weight half_life recency window candidates | r@1 r@5 r@10 mrr")
    for config in grid:
        r1, r5, r10, mrr = score(config)
        print(
            config.fusion.fusion,
            config.dense_weight,
            config.fusion.recency_half_life_days,
            config.fusion.recency_weight,
            config.fusion.window_bonus,
            config.candidates,
            f"| {r1:.3f} {r5:.3f} {r10:.3f} {mrr:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

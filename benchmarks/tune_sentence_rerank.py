"""The sentence rerank's cost against its gain: how many sentences a question embeds, and
answer recall and accuracy in the bot's configuration, for a grid of depths and per-passage
sentence shortlists (`SentenceReranker(depth=…, per_passage=…)`).

    python -m benchmarks.tune_sentence_rerank QUESTIONS --data-dir INDEX \
        --asked-from 2023-01-01 --asked-to 2023-03-31

Each question starts with an empty sentence cache, so the counts and times are those of a
question never asked before. Tune on January-March, confirm on April-June.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from datetime import date

import numpy as np

from benchmarks.common import cpu_description
from benchmarks.halves import add_arguments, engine_and_questions
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.factory import extractive_config
from retrieval.evaluation.configs import BOT, asker_for
from retrieval.evaluation.scoring import evaluate
from retrieval.search.rerank import SentenceReranker

GRID = [(10, 0), (10, 4), (10, 3), (10, 2), (6, 0), (6, 3), (0, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument(
        "--grid", default="", help="depth:per_passage pairs, e.g. 10:0,10:3 (default: a grid)"
    )
    args = parser.parse_args()
    engine, questions = engine_and_questions(args)
    engine.warm_up()
    grid = (
        [tuple(int(x) for x in pair.split(":")) for pair in args.grid.split(",")]
        if args.grid
        else GRID
    )
    vectors = engine.vectors
    embedded: list[int] = []
    plain = vectors.vectors

    def counting(texts: Sequence[str]) -> np.ndarray:
        before = len(
            vectors._cache
        )  # cleared before each question: its growth is what was embedded
        found = plain(texts)
        embedded[-1] += len(vectors._cache) - before
        return found

    vectors.vectors = counting  # type: ignore[method-assign]
    answerer = ExtractiveAnswerer(
        engine.embedder, extractive_config(engine.settings), vectors=engine.vectors
    )
    k = engine.settings.retrieval.top_k
    ask = asker_for(BOT, engine.services.qa.with_answerer(answerer), k)

    def cold_ask(item, hidden):  # type: ignore[no-untyped-def]
        vectors.clear()
        embedded.append(0)
        return ask(item, hidden)

    print(
        f"{len(questions)} answerable questions asked {args.asked_from} to {args.asked_to}; "
        f"embedder {engine.embedder.name}; {cpu_description()}; {date.today()}"
    )
    print(
        "| depth | sentences a passage | sentences embedded a question (mean) | recall@1 "
        "| recall@5 | accuracy | median s | p95 s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for depth, per_passage in grid:
        engine.searcher.reranker = SentenceReranker(vectors, depth=depth, per_passage=per_passage)
        embedded.clear()
        scores = evaluate(f"{depth}:{per_passage}", questions, cold_ask)
        row = scores.row()
        print(
            f"| {depth} | {per_passage or 'all'} | {statistics.mean(embedded):.0f} | "
            f"{row['recall@1']:.3f} | {row['recall@5']:.3f} | {row['accuracy']:.3f} | "
            f"{row['median s']:.3f} | {row['p95 s']:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""Warm answer latency on a real index: retrieval only and the full answer (bot configuration),
p50/p95 over dev questions, and the process's peak RSS serving it.

    python -m benchmarks.latency ../shared/data/realtimeqa-2023/questions-dev.jsonl \
        --data-dir INDEX --limit 200
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date

from benchmarks.common import cpu_description, quantile
from benchmarks.halves import add_arguments, engine_and_questions
from benchmarks.scale_ops import peak_gib
from retrieval.search.hybrid import SearchRequest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args()
    engine, questions = engine_and_questions(args)
    started = time.perf_counter()
    engine.warm_up()
    warm_up = time.perf_counter() - started
    search: list[float] = []
    full: list[float] = []
    for item in questions:
        today = item.asked or date.today()
        started = time.perf_counter()
        engine.searcher.search(SearchRequest(item.question, today, engine.settings.retrieval.top_k))
        search.append(time.perf_counter() - started)
        engine.vectors.clear()  # the full answer starts cold too
        started = time.perf_counter()
        engine.services.qa.answer(item.question, today=today)
        full.append(time.perf_counter() - started)
    stats = engine.services.index.stats()
    rss = peak_gib()
    print(
        f"{len(questions)} questions; index {stats.articles} articles, {stats.chunks} passages; "
        f"embedder {engine.embedder.name}; warm-up {warm_up:.1f} s; {platform.machine()} "
        f"{cpu_description()}; {date.today()}"
    )
    print("| path | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for label, values in (("retrieval only", search), ("full answer (bot)", full)):
        print(
            f"| {label} | {1000 * quantile(values, 0.5):.0f} | "
            f"{1000 * quantile(values, 0.95):.0f} |"
        )
    print(f"peak RSS {rss:.2f} GiB")


if __name__ == "__main__":
    main()

"""How many questions a second one process answers on a real index, with several readers
asking at once: answers in threads, as the bot runs them (each in `asyncio.to_thread`),
full answers in the bot's configuration, 1, 2, 4 and 8 at a time.

    python -m benchmarks.load QUESTIONS --data-dir INDEX [--limit 80] [--concurrency 1,2,4,8]

Prints, for each level, the throughput and the per-question p50/p95 while loaded, the
process's peak RSS, and the CPU.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from benchmarks.common import cpu_description, quantile
from benchmarks.halves import add_arguments, engine_and_questions
from benchmarks.scale_ops import peak_gib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--concurrency", default="1,2,4,8")
    args = parser.parse_args()
    args.limit = args.limit or 80
    engine, questions = engine_and_questions(args)
    engine.warm_up()
    stats = engine.services.index.stats()
    print(f"CPU: {cpu_description()}; {date.today()}")
    print(
        f"index: {stats.articles:,} articles, {stats.chunks:,} passages; {len(questions)} questions"
    )

    def ask(position: int) -> float:
        item = questions[position % len(questions)]
        started = time.perf_counter()
        engine.services.qa.answer(item.question, today=item.asked or date.today())
        return time.perf_counter() - started

    print("| readers at once | questions/s | p50 s | p95 s | peak RSS GiB |")
    print("|---:|---:|---:|---:|---:|")
    for level in [int(c) for c in args.concurrency.split(",")]:
        engine.vectors.clear()  # every level starts with no sentence vectors cached
        with ThreadPoolExecutor(level) as pool:
            started = time.perf_counter()
            times = list(pool.map(ask, range(len(questions))))
            wall = time.perf_counter() - started
        rss = peak_gib()
        print(
            f"| {level} | {len(times) / wall:.2f} | {quantile(times, 0.5):.2f} | "
            f"{quantile(times, 0.95):.2f} | {rss:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

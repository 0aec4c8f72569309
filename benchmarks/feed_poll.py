"""What a feed poll that adds one article costs on a big index: the BM25 delta against the full
rebuild every sync did before (issue 21), on a copy of an existing data dir.

    python -m benchmarks.feed_poll DATA_DIR [--rounds 3]

Copies DATA_DIR (catalog, Chroma, lexical index) to a temporary folder, then times, one round
each: a sync of one new article (the delta path), a full BM25 rebuild of the same collection
(what every changing sync cost before), and the same sync's other steps. Prints the CPU.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import cpu_description
from retrieval.core.settings import Settings
from retrieval.engine import build_engine

ARTICLE = """date 2023-07-01 By Benchmark Wire

Ferry operator adds a night crossing number {n}

Nordvik Ferries will add a night crossing between Halsted and Orrnes from August, the operator
said on Saturday, after record summer traffic. Round {n} of the feed-poll benchmark.
"""


QUERIES = [
    "Who won the election for mayor of Chicago?",
    "How many people died in the earthquake in Turkey and Syria?",
    "Which company announced layoffs of 10,000 employees this week?",
    "What did the Federal Reserve decide about interest rates?",
    "Where did the train derail, releasing toxic chemicals?",
]


def search_ms(engine: Any, collection: str, repeats: int = 4) -> float:
    """Milliseconds a BM25 query takes (the top 50, as the hybrid search asks)."""
    started = time.perf_counter()
    for _ in range(repeats):
        for query in QUERIES:
            engine.lexical.search(collection, query, 50)
    return 1000 * (time.perf_counter() - started) / (repeats * len(QUERIES))


class StepTimer:
    """A sync's progress callback that adds up the time spent in each stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stage = ""
        self._since = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if self._stage:
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + now - self._since
        self._stage, self._since = stage, now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        started = time.perf_counter()
        shutil.copytree(args.data_dir, data, ignore=shutil.ignore_patterns("*.pkl", "backups"))
        print(f"copied the data dir in {time.perf_counter() - started:.1f} s")
        engine = build_engine(Settings(_env_file=None, data_dir=data))  # type: ignore[call-arg]
        engine.warm_up()
        collection = engine.collections.active
        stats = engine.services.index.stats()
        print(f"index: {stats.articles:,} articles, {stats.chunks:,} passages")
        # An index built before the delta existed lacks the passage lengths its scoring needs:
        # its first changing sync rebuilds BM25 once. Do that first, timed as a rebuild.
        started = time.perf_counter()
        engine.writer.rebuild_lexical(collection, lambda stage, done, total: None)
        polls, lexical_steps, rebuilds = [], [], [time.perf_counter() - started]
        with_delta: list[float] = []
        without_delta: list[float] = []
        for n in range(1, args.rounds + 1):
            folder = Path(scratch) / f"feed-{n}"
            folder.mkdir()
            (folder / "story.txt").write_text(ARTICLE.format(n=n))
            steps = StepTimer()
            started = time.perf_counter()
            report = engine.services.index.sync([folder], progress=steps)
            polls.append(time.perf_counter() - started)
            lexical_steps.append(steps.seconds.get("lexical", 0.0))
            assert report.added == 1, report.summary()
            with_delta.append(search_ms(engine, collection))
            started = time.perf_counter()
            engine.writer.rebuild_lexical(collection, lambda stage, done, total: None)
            rebuilds.append(time.perf_counter() - started)
            without_delta.append(search_ms(engine, collection))
        print("| step | median s | runs |")
        print("|---|---:|---|")
        print(f"| one-article sync, BM25 delta | {statistics.median(polls):.2f} | {polls} |")
        print(
            f"| its BM25 step alone | {statistics.median(lexical_steps):.3f} | "
            f"{[round(x, 3) for x in lexical_steps]} |"
        )
        print(
            f"| full BM25 rebuild (every changing sync before) | {statistics.median(rebuilds):.1f}"
            f" | {[round(x, 1) for x in rebuilds]} |"
        )
        print(
            f"| BM25 search, ms a query, with a delta | {statistics.median(with_delta):.1f} | "
            f"{[round(x, 1) for x in with_delta]} |"
        )
        print(
            f"| BM25 search, ms a query, build only | {statistics.median(without_delta):.1f} | "
            f"{[round(x, 1) for x in without_delta]} |"
        )


if __name__ == "__main__":
    main()

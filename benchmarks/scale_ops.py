"""What running a big archive costs besides answering: `/stats`, a sync of the unchanged
archive, and a one-article feed poll, on an index `benchmarks.scaling` built (its
`archive.jsonl.gz` is the archive the index holds), with the process's peak RSS after each.

    python -m benchmarks.scale_ops DATA_DIR [--rounds 3]

Changes DATA_DIR: each poll adds one article, as a feed poll does. Prints the CPU.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import cpu_description
from benchmarks.scaling import ARCHIVE
from retrieval.core.records import Article
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
from retrieval.ingest.loaders import load_sources

STORY = """date 2023-07-01 By Benchmark Wire

Ferry operator adds a night crossing, poll {n} of {stamp}

Nordvik Ferries will add a night crossing between Halsted and Orrnes from August, the operator
said on Saturday, after record summer traffic. Poll {n} of the scale benchmark, run {stamp}.
"""


def peak_gib() -> float:
    """This process's peak resident memory (VmHWM: getrusage's figure would include what the
    parent that started it had, which Linux carries over to the child)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    engine = build_engine(Settings(_env_file=None, data_dir=args.data_dir))  # type: ignore[call-arg]
    engine.warm_up()
    print(f"CPU: {cpu_description()}")
    print(f"engine ready in {time.perf_counter() - started:.1f} s; peak RSS {peak_gib():.2f} GiB")
    index = engine.services.index
    rows: list[tuple[str, str, float]] = []

    times = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        stats = index.stats()
        index.latest(10)
        times.append(time.perf_counter() - started)
    rows.append(
        ("/stats (counts, dates, latest 10)", f"{statistics.median(times):.2f}", peak_gib())
    )
    print(f"index: {stats.articles:,} articles, {stats.chunks:,} passages", flush=True)

    started = time.perf_counter()
    report = index.sync([args.data_dir / ARCHIVE])
    seconds = time.perf_counter() - started
    assert report.added == report.updated == report.deleted == 0, report.summary()
    print(f"unchanged sync: {report.summary()}", flush=True)
    rows.append(("sync of the unchanged archive", f"{seconds:.1f}", peak_gib()))

    polls = []
    stamp = time.strftime("%Y%m%d%H%M%S")
    with tempfile.TemporaryDirectory() as scratch:
        for n in range(1, args.rounds + 1):
            story = Path(scratch) / f"poll-{n}.txt"
            story.write_text(STORY.format(n=n, stamp=stamp))
            read = [a for a in load_sources([story]) if isinstance(a, Article)]
            started = time.perf_counter()
            report = engine.syncer.add_articles(read)
            polls.append(time.perf_counter() - started)
            assert report.added == 1, report.summary()
    rows.append(
        (f"one-article feed poll (median of {args.rounds})", f"{statistics.median(polls):.2f}",
         peak_gib())
    )  # fmt: skip
    print("| step | seconds | peak RSS GiB after |")
    print("|---|---:|---:|")
    for label, value, rss in rows:
        print(f"| {label} | {value} | {rss:.2f} |")


if __name__ == "__main__":
    main()

"""Issue 33, item 4: the sync of an unchanged archive at 200,000 articles (2.09M passages), and
the first full build of its words, on a synthetic archive that holds only what they read.

    python -m benchmarks.unchanged_sync --source RTQA_INDEX --articles articles.jsonl.gz \
        --work DIR [--size 200000]

Builds DIR (once; `benchmarks.scaling`'s copies of the RealTimeQA articles, catalog only: an
unchanged sync never reads a vector), then, each in a process of its own with its peak memory:
the first engine to open DIR, which writes the words of every passage into the lexical index
(streamed from the catalog), and `newsbot ingest DIR/archive.jsonl.gz` twice: the first
parses every record whose key (`Article.record_key`) the catalog lacks, the second is the
unchanged sync, which parses none.
Compare trees with `farm-bench` on the second command (BENCHMARKS.md gives the commands).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import cpu_description
from benchmarks.scaling import ARCHIVE, build

OPEN = """
import time
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
started = time.perf_counter()
engine = build_engine(Settings(_env_file=None, data_dir={data!r}))
print(f"engine open (words written) {{time.perf_counter() - started:.1f}} s")
"""


TIME = ["/usr/bin/time", "-f", "  its peak memory %M KiB, %e s wall"]  # each child's own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--size", type=int, default=200_000)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    target = args.work / f"unchanged-{args.size}"
    if not (target / ARCHIVE).exists():
        started = time.perf_counter()
        build(args.source, args.articles, target, args.size, catalog_only=True)
        print(f"built {target} in {time.perf_counter() - started:.0f} s", flush=True)
    print("first open (every passage's words written into the lexical index):", flush=True)
    subprocess.run([*TIME, sys.executable, "-c", OPEN.format(data=str(target))], check=True)
    ingest = ["-m", "bot", "ingest", str(target / ARCHIVE), "--data-dir", str(target)]
    # The first sync under today's reading rules parses every record (an archive indexed
    # before record keys were kept, or by another release) and records their keys; the
    # second is the unchanged sync a feed-less deployment runs every night.
    for what in ("the first sync under these reading rules", "the unchanged sync"):
        print(f"{what} (newsbot ingest of the archive file):", flush=True)
        subprocess.run([*TIME, sys.executable, *ingest], check=True)


if __name__ == "__main__":
    main()

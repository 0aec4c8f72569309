"""Speed figures on this machine: warm question latency and embedding throughput.

    python -m benchmarks.speed [--data-dir DIR] [--rounds N]

Prints one table; ratios measured in the same run are what to compare (CPU figures are noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import date
from pathlib import Path

from benchmarks.common import quantile
from retrieval.core.settings import Settings
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import build_engine

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "samples" / "questions.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench-sample")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    embedder = SentenceTransformerEmbedder()
    settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
    services = build_engine(settings, embedder=embedder, today=lambda: date(2025, 6, 20)).services
    started = time.perf_counter()
    services.index.sync([ROOT / "samples" / "archive"])
    print(f"sample archive indexed (or checked) in {time.perf_counter() - started:.1f}s")

    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    services.qa.answer(questions[0])  # warm: model loaded, caches primed
    first: list[float] = []  # each question's first ask: nothing of it cached
    timings: list[float] = []
    for round_number in range(args.rounds):
        for question in questions:
            started = time.perf_counter()
            services.qa.answer(question)
            elapsed = time.perf_counter() - started
            timings.append(elapsed)
            if round_number == 0:
                first.append(elapsed)

    chunk = "The council approved the new budget of 48 million euros after a long debate. " * 15
    texts = [f"{i} {chunk}" for i in range(256)]
    throughput = {}
    for precision in ("float32", "bfloat16"):
        embedder.precision = precision
        embedder.embed_documents(texts[:16])
        started = time.perf_counter()
        embedder.embed_documents(texts)
        throughput[precision] = len(texts) / (time.perf_counter() - started)
    embedder.precision = "float32"

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| measure | value |")
    print("|---|---:|")
    print(
        f"| question asked the first time (model warm): median | {statistics.median(first):.3f} s |"
    )
    print(f"| question asked the first time (model warm): p95 | {quantile(first, 0.95):.3f} s |")
    print(f"| any ask, repeats included: median | {statistics.median(timings):.3f} s |")
    print(f"| questions timed | {len(first)} first asks, {len(timings)} in all |")
    for precision, rate in throughput.items():
        print(f"| embedding, {precision}: chunks of ~230 tokens a second | {rate:.1f} |")
    print(
        f"| bfloat16 / float32 speed-up | {throughput['bfloat16'] / throughput['float32']:.2f}x |"
    )


if __name__ == "__main__":
    main()

"""English BM25 results before and after the language-aware analysis (issue 24): an existing
index's BM25 build (made by the analysis it was built with) against a fresh build of the same
catalog rows with today's, asked the same questions.

    python -m benchmarks.lexical_languages QUESTIONS --data-dir INDEX [--k 50]

Prints, per half of the questions (January-March, April-June), how many questions get the very
same top-k passages in the same order, and the largest score difference. Nothing in INDEX is
changed: the fresh build goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.common import cpu_description
from benchmarks.halves import HALVES
from retrieval.core.language import question_language
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
from retrieval.evaluation import load_questions
from retrieval.index.lexical import TantivyIndex


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--k", type=int, default=50)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    engine = build_engine(Settings(_env_file=None, data_dir=args.data_dir))  # type: ignore[call-arg]
    collection = engine.collections.active
    before = engine.lexical.snapshot(collection)
    rows = list(engine.catalog.passages.lexical_rows(collection))
    with tempfile.TemporaryDirectory() as scratch:
        fresh = TantivyIndex(Path(scratch))
        started = time.perf_counter()
        fresh.build(collection, rows)
        print(f"fresh build of {len(rows):,} passages: {time.perf_counter() - started:.1f} s")
        after = fresh.snapshot(collection)
        questions = load_questions(args.questions)
        print(f"| half | questions | same top-{args.k} | largest score difference |")
        print("|---|---:|---:|---:|")
        for half, (start, end) in HALVES.items():
            part = [q for q in questions if q.asked and start <= q.asked <= end]
            same, largest = 0, 0.0
            for item in part:
                language = question_language(item.question)
                old = before.search(item.question, args.k, language=language)
                new = after.search(item.question, args.k, language=language)
                same += [i for i, _ in old] == [i for i, _ in new]
                for (_, a), (_, b) in zip(old, new, strict=False):
                    largest = max(largest, abs(a - b))
            print(f"| {half} | {len(part)} | {same} | {largest:.2e} |", flush=True)


if __name__ == "__main__":
    main()

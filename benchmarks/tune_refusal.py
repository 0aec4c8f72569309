"""Tune the extractive answerer's refusal settings on RealTimeQA, one half at a time.

    python -m benchmarks.tune_refusal QUESTIONS --data-dir DIR \
        --asked-from 2023-01-01 --asked-to 2023-03-31 [--limit N]

Retrieves each question's top passages once in the bot's configuration, as asked and with every
article holding a correct answer hidden (the eval's --withheld mode), caches them in the data
dir, then replays the answerer under a grid of settings and prints, for each: accuracy and
refusals on answerable questions, refusals on withheld ones, refusal precision/recall. Tune on
January-March; confirm the chosen setting on April-June with --grid chosen.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from benchmarks.halves import add_arguments, cached_retrievals, engine_and_questions
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.question import Question
from retrieval.evaluation import correct_answer


def main() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--grid", choices=["full", "chosen"], default="full")
    parser.add_argument("--coverage", type=float, default=0.6, help="the chosen setting")
    parser.add_argument("--min-score", type=float, default=0.0, help="the chosen setting")
    args = parser.parse_args()
    engine, items = engine_and_questions(args)
    cache = cached_retrievals(engine, items, args.data_dir)

    base = ExtractiveConfig()
    base = replace(base, refusal="score")
    off = replace(base, check_asked_kind=False, min_question_coverage=0.0)
    if args.grid == "chosen":
        grid = [
            ("before (no checks)", off),
            ("chosen", replace(base, min_question_coverage=args.coverage)),
        ]
    else:
        grid = [
            ("before (no checks)", off),
            ("kind checks only", replace(off, check_asked_kind=True)),
        ]
        grid += [
            (f"kind checks, coverage {c}", replace(base, min_question_coverage=c))
            for c in (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7)
        ]
        grid += [
            (
                f"kind checks, coverage {c}, passage score {m}",
                replace(base, min_question_coverage=c, min_passage_score=m),
            )
            for c in (0.0, 0.3)
            for m in (0.85, 0.9, 0.95, 1.0, 1.05)
        ]
    print(f"{len(items)} answerable questions asked {args.asked_from} to {args.asked_to}")
    print("setting | accuracy | refused answerable | refused withheld | precision | recall")
    for name, config in grid:
        answerer = ExtractiveAnswerer(engine.embedder, config, vectors=engine.vectors)
        correct = refused = refused_withheld = 0
        for item in items:
            passages, hidden = cache[item.id]
            answer = answerer.answer(Question.read(item.question), passages)
            refused += answer.refused
            correct += (not answer.refused) and correct_answer(answer.text, item)
            refused_withheld += answerer.answer(Question.read(item.question), hidden).refused
        n = max(1, len(items))
        precision = refused_withheld / max(1, refused_withheld + refused)
        print(
            f"{name} | {correct / n:.3f} | {refused / n:.3f} | {refused_withheld / n:.3f} | "
            f"{precision:.3f} | {refused_withheld / n:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""Replay the extractive answerer of whichever tree is on PYTHONPATH over the retrievals cached
by `benchmarks.halves.cached_retrievals` (the bot's top 5 passages per answerable RealTimeQA
question, as asked and with the answer withheld), per half: accuracy (the answer names a correct
choice and no wrong one), answerable refused, withheld refused, and the short answer's columns
where the tree has one. Compares two versions of the answerer on the very same passages.

    PYTHONPATH=OTHER_TREE python -m benchmarks.answer_replay QUESTIONS --data-dir INDEX \
        [--refusal default|score|learned|off]
"""

from __future__ import annotations

import argparse
import pickle
from dataclasses import fields, replace
from pathlib import Path

from benchmarks.halves import HALVES
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.factory import extractive_config
from retrieval.answer.question import Question
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
from retrieval.evaluation import correct_answer, load_questions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--refusal", default="default")
    args = parser.parse_args()
    settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
    engine = build_engine(settings)
    config: ExtractiveConfig = extractive_config(settings)
    if args.refusal != "default" and "refusal" in {f.name for f in fields(config)}:
        config = replace(config, refusal=args.refusal)  # type: ignore[call-arg, arg-type]
    answerer = ExtractiveAnswerer(engine.embedder, config, vectors=engine.vectors)
    cache = pickle.loads((args.data_dir / "tune-refusal-passages.pkl").read_bytes())
    items = [q for q in load_questions(args.questions) if q.answerable and q.id in cache]
    print(
        "| half | questions | accuracy | refused answerable | refused withheld "
        "| short answer given | short answer correct |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for half, (start, end) in HALVES.items():
        part = [q for q in items if q.asked and start <= q.asked <= end]
        correct = refused = withheld = given = short_right = 0
        for item in part:
            asked, hidden = cache[item.id]
            answer = answerer.answer(Question.read(item.question), asked)
            refused += answer.refused
            correct += (not answer.refused) and correct_answer(answer.text, item)
            short = getattr(answer, "short_answer", None)
            if short and not answer.refused:
                given += 1
                short_right += correct_answer(short, item)
            withheld += answerer.answer(Question.read(item.question), hidden).refused
        n = max(1, len(part))
        rate = f"{short_right / given:.3f}" if given else "–"
        print(
            f"| {half} | {len(part)} | {correct / n:.3f} | {refused / n:.3f} | "
            f"{withheld / n:.3f} | {given / n:.3f} | {rate} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

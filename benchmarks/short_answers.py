"""When is the bold short answer right? Every RealTimeQA dev question asked through the bot's
path (`QAService.answer`, the short answer always shown), per half: whether the short answer
names a correct choice and no wrong one, with the bundled evidence model's probability that the
quote answers. Then the floor on that probability: the lowest one at which, on January-March,
at least `--target` of the short answers shown are right, and what it gives on April-June.

    python -m benchmarks.short_answers QUESTIONS --data-dir INDEX [--target 0.6]

Writes each answer's record to `benchmarks/results/short-answers.jsonl` (ids, flags and numbers
only, no article text) and the table to stdout.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields, replace
from datetime import date
from pathlib import Path

from benchmarks.common import cpu_description
from benchmarks.halves import HALVES
from retrieval.answer.evidence import Evidence
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.factory import extractive_config
from retrieval.answer.refusal import bundled_model
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
from retrieval.evaluation import correct_answer, load_questions
from retrieval.evaluation.configs import BOT, asker_for

RESULTS = Path("benchmarks/results/short-answers.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--target", type=float, default=0.6)
    parser.add_argument("--replay", action="store_true", help="read the records, ask nothing")
    args = parser.parse_args()
    records = read_records() if args.replay else ask_all(args)
    report(records, args.target)


def ask_all(args: argparse.Namespace) -> list[dict[str, object]]:
    settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
    engine = build_engine(settings)
    config = replace(extractive_config(settings), short_answer_floor=0.0)  # always shown
    answerer = ExtractiveAnswerer(engine.embedder, config, vectors=engine.vectors)
    ask = asker_for(BOT, engine.services.qa.with_answerer(answerer), settings.retrieval.top_k)
    model = bundled_model()
    assert model is not None, "the bundled evidence model is missing"
    known = {f.name for f in fields(Evidence)}
    records = []
    items = [q for q in load_questions(args.questions) if q.answerable and q.asked]
    for n, item in enumerate(items, 1):
        answer = ask(item, frozenset())
        evidence = answer.evidence or {}
        probability = (
            model.probability(Evidence(**{k: v for k, v in evidence.items() if k in known}))  # type: ignore[arg-type]
            if evidence
            else None
        )
        records.append(
            {
                "id": item.id,
                "asked": item.asked.isoformat() if item.asked else None,
                "refused": answer.refused,
                "partial": answer.partial,
                "correct": correct_answer(answer.text, item),
                "short": answer.short_answer is not None and not answer.refused,
                "short_correct": bool(answer.short_answer)
                and correct_answer(answer.short_answer or "", item),
                "kind": evidence.get("kind"),
                "probability": probability,
                "kind_strength": evidence.get("kind_strength"),
            }
        )
        if n % 50 == 0:
            print(f"asked {n}/{len(items)}", flush=True)
    RESULTS.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    print(f"{cpu_description()}; {engine.embedder.name}; {date.today()}")
    return records


def read_records() -> list[dict[str, object]]:
    return [json.loads(line) for line in RESULTS.read_text(encoding="utf-8").splitlines()]


def half(records: list[dict[str, object]], name: str) -> list[dict[str, object]]:
    start, end = HALVES[name]
    return [r for r in records if start.isoformat() <= str(r["asked"]) <= end.isoformat()]


def shown(records: list[dict[str, object]], floor: float) -> tuple[int, int]:
    """(short answers shown, right ones) at this floor on the probability."""
    given = [
        r
        for r in records
        if r["short"] and float(r["probability"] or 0.0) >= floor  # type: ignore[arg-type]
    ]
    return len(given), sum(1 for r in given if r["short_correct"])


def report(records: list[dict[str, object]], target: float) -> None:
    tune, confirm = half(records, "Jan-Mar"), half(records, "Apr-Jun")
    print(f"{len(tune)} answerable questions Jan-Mar, {len(confirm)} Apr-Jun\n")
    print("| floor | Jan-Mar shown | Jan-Mar right when shown | Apr-Jun shown | Apr-Jun right |")
    print("|---:|---:|---:|---:|---:|")
    chosen = None
    for step in range(0, 100, 5):
        floor = step / 100
        given, right = shown(tune, floor)
        later, later_right = shown(confirm, floor)
        print(
            f"| {floor:.2f} | {given} ({given / len(tune):.1%}) | {rate(right, given)} | "
            f"{later} ({later / len(confirm):.1%}) | {rate(later_right, later)} |"
        )
        if chosen is None and given and right / given >= target:
            chosen = floor
    print(f"\nLowest floor with at least {target:.0%} right on Jan-Mar: {chosen}")


def rate(right: int, given: int) -> str:
    return f"{right / given:.3f}" if given else "–"


if __name__ == "__main__":
    main()

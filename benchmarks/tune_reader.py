"""Tune the trained reader's settings on January-March and confirm them on April-June.

Each answerable dev question's passages as the bot reads them (`QAService.answer`), as asked
and with every article holding a correct answer hidden ("withheld"), are retrieved once and
cached (benchmarks/halves.py); the extractive answerer with the reader in use (the data dir's
`newsbot adapt --reader` version) is replayed over them for each setting:

- `reader_weight`: the reader's share of a sentence's score;
- `check_asked_kind`: whether a best sentence without the asked kind is a partial answer;
- then, on the best of those, the refusal floor (the highest at which January-March refuses at
  most `--max-refused` of the answerable questions) and the short-answer floor (the lowest at
  which at least `--target` of the bold answers shown are right on January-March).

    python -m benchmarks.tune_reader QUESTIONS --data-dir INDEX [--weights 1,0.7,0.5]

Prints the tables; the chosen values are confirmed through `QAService.answer` by
`python -m benchmarks.rtqa_halves INDEX QUESTIONS --withheld` with them set.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from benchmarks.common import cpu_description
from benchmarks.halves import (
    HALVES,
    Retrievals,
    add_arguments,
    cached_retrievals,
    engine_and_questions,
)
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.factory import extractive_config
from retrieval.answer.question import Question
from retrieval.answer.reader import SentenceReader
from retrieval.evaluation import EvalQuestion, correct_answer


class MemoReader:
    """The reader with its probabilities kept: every setting replays the same sentences."""

    def __init__(self, inner: SentenceReader) -> None:
        self.inner = inner
        self.path = inner.path
        self.memo: dict[tuple[str, str, str], float] = {}

    def probabilities(self, question: str, items: Sequence[tuple[str, str]]) -> np.ndarray:
        missing = [i for i in items if (question, *i) not in self.memo]
        if missing:
            for item, p in zip(missing, self.inner.probabilities(question, missing), strict=True):
                self.memo[(question, *item)] = float(p)
        return np.array([self.memo[(question, *i)] for i in items])


class MemoSlot:
    def __init__(self, reader: MemoReader) -> None:
        self.reader = reader

    def current(self) -> MemoReader:
        return self.reader


@dataclass(frozen=True)
class Row:
    id: str
    half: str
    withheld: bool
    refused: bool  # a refusal or a partial answer (the closest sentence, marked as not answering)
    partial: bool
    correct: bool
    short: bool
    short_correct: bool
    read: float  # the reader's probability for the quoted sentence (0: nothing quoted)


def half_of(item: EvalQuestion) -> str:
    for name, (start, end) in HALVES.items():
        if item.asked and start <= item.asked <= end:
            return name
    return ""


def main() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    # Weight 0 is the hand-written picker alone (the reader's probability is still read, for
    # the floors): the baseline every other row is compared with.
    parser.add_argument("--weights", default="0,1,0.7,0.5,0.3")
    parser.add_argument("--kind-check", default="on,off")
    parser.add_argument("--max-refused", type=float, default=0.10)
    parser.add_argument("--target", type=float, default=0.60)
    args = parser.parse_args()
    engine, items = engine_and_questions(args)
    found = engine.reader.current()
    assert found is not None, "no trained reader in use in this data dir: newsbot adapt --reader"
    reader = MemoReader(found)
    slot = MemoSlot(reader)
    cache = cached_retrievals(engine, items, args.data_dir)
    print(f"{cpu_description()}; reader {reader.path}; {date.today()}\n")
    base = replace(extractive_config(engine.settings), refusal="off", short_answer_floor=0.0)
    best: tuple[float, list[Row], str] | None = None
    print("| reader weight | kind check | Jan-Mar accuracy | Jan-Mar partial | Apr-Jun accuracy |")
    print("|---:|---|---:|---:|---:|")
    for weight in [float(w) for w in args.weights.split(",")]:
        for kind_check in [k == "on" for k in args.kind_check.split(",")]:
            config = replace(base, reader_weight=weight, check_asked_kind=kind_check)
            answerer = ExtractiveAnswerer(
                engine.embedder,
                config,
                vectors=engine.vectors,
                reader=slot,  # type: ignore[arg-type]
            )
            rows = replay(answerer, items, cache)
            tune = [r for r in rows if r.half == "Jan-Mar" and not r.withheld]
            confirm = [r for r in rows if r.half == "Apr-Jun" and not r.withheld]
            accuracy = share(tune, "correct")
            print(
                f"| {weight} | {kind_check} | {accuracy:.3f} | {share(tune, 'partial'):.3f} | "
                f"{share(confirm, 'correct'):.3f} |",
                flush=True,
            )
            if best is None or accuracy > best[0]:
                best = (accuracy, rows, f"weight {weight}, kind check {kind_check}")
    assert best is not None
    _, rows, label = best
    print(f"\nBest on Jan-Mar: {label}\n")
    floors(rows, args.max_refused, args.target)


def replay(
    answerer: ExtractiveAnswerer,
    items: list[EvalQuestion],
    cache: Retrievals,
) -> list[Row]:
    rows = []
    for item in items:
        asked, withheld = cache[item.id]
        for hidden, passages in ((False, asked), (True, withheld)):
            answer = answerer.answer(Question.read(item.question), passages)
            read = float(answer.confidence or 0.0)
            rows.append(
                Row(
                    item.id,
                    half_of(item),
                    hidden,
                    answer.refused,
                    answer.partial,
                    not answer.refused and correct_answer(answer.text, item),
                    bool(answer.short_answer) and not answer.refused,
                    bool(answer.short_answer) and correct_answer(answer.short_answer or "", item),
                    read,
                )
            )
    return rows


def share(rows: list[Row], flag: str) -> float:
    return sum(getattr(r, flag) for r in rows) / len(rows) if rows else 0.0


def at_floor(rows: list[Row], floor: float) -> dict[str, float]:
    """Answerable accuracy, answerable refused, withheld refused at this refusal floor."""
    asked = [r for r in rows if not r.withheld]
    hidden = [r for r in rows if r.withheld]

    def refused(r: Row) -> bool:
        return r.refused or r.read < floor

    return {
        "accuracy": sum(r.correct and not refused(r) for r in asked) / len(asked),
        "refused answerable": sum(refused(r) for r in asked) / len(asked),
        "refused withheld": sum(refused(r) for r in hidden) / len(hidden),
        "confidently wrong": sum(not refused(r) and not r.partial and not r.correct for r in asked)
        / len(asked),
    }


def floors(rows: list[Row], max_refused: float, target: float) -> None:
    tune = [r for r in rows if r.half == "Jan-Mar"]
    confirm = [r for r in rows if r.half == "Apr-Jun"]
    print("| refusal floor | half | accuracy | refused answerable | refused withheld | ", end="")
    print("confidently wrong |")
    print("|---:|---|---:|---:|---:|---:|")
    chosen = 0.0
    for step in range(0, 100, 5):
        floor = step / 100
        got = at_floor(tune, floor)
        if got["refused answerable"] <= max_refused:
            chosen = floor
        for name, part in (("Jan-Mar", tune), ("Apr-Jun", confirm)):
            row = at_floor(part, floor)
            print(
                f"| {floor:.2f} | {name} | " + " | ".join(f"{v:.3f}" for v in row.values()) + " |"
            )
    print(
        f"\nHighest refusal floor with at most {max_refused:.0%} answerable refused on Jan-Mar: "
        f"{chosen:.2f}\n"
    )
    print("| short-answer floor | Jan-Mar shown | right when shown | Apr-Jun shown | ", end="")
    print("right when shown |")
    print("|---:|---:|---:|---:|---:|")
    short_floor = None
    for step in range(0, 100, 5):
        floor = step / 100
        cells = []
        for part in (tune, confirm):
            asked = [r for r in part if not r.withheld]
            given = [r for r in asked if r.short and r.read >= floor]
            right = sum(r.short_correct for r in given)
            cells += [
                f"{len(given) / len(asked):.1%}",
                f"{right / len(given):.3f}" if given else "–",
            ]
            if part is tune and short_floor is None and given and right / len(given) >= target:
                short_floor = floor
        print(f"| {floor:.2f} | " + " | ".join(cells) + " |")
    print(f"\nLowest short-answer floor with at least {target:.0%} right on Jan-Mar: {short_floor}")


if __name__ == "__main__":
    main()

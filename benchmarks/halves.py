"""What the tuning scripts share: an index built by `newsbot eval`, and one half of the dev
questions (tune on January-March, confirm on April-June)."""

from __future__ import annotations

import argparse
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from retrieval.answer.evidence import Evidence
from retrieval.answer.question import Question
from retrieval.core.records import Answer, Passage
from retrieval.core.settings import Settings
from retrieval.engine import Engine, build_engine
from retrieval.evaluation import EvalQuestion, load_questions
from retrieval.evaluation.configs import BOT, asker_for

Retrievals = dict[str, tuple[list[Passage], list[Passage]]]
# The two halves of the dev questions by the day they were asked: tune, then confirm.
HALVES = {
    "Jan-Mar": (date(2023, 1, 1), date(2023, 3, 31)),
    "Apr-Jun": (date(2023, 4, 1), date(2023, 6, 30)),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--asked-from", type=date.fromisoformat, default=date.min)
    parser.add_argument("--asked-to", type=date.fromisoformat, default=date.max)
    parser.add_argument("--limit", type=int, default=0)


def engine_and_questions(args: argparse.Namespace) -> tuple[Engine, list[EvalQuestion]]:
    """The engine over `--data-dir` and its answerable questions asked in the chosen span."""
    engine = build_engine(Settings(_env_file=None, data_dir=args.data_dir))  # type: ignore[call-arg]
    questions = [
        q
        for q in load_questions(args.questions)
        if q.answerable and args.asked_from <= (q.asked or date.today()) <= args.asked_to
    ]
    return engine, questions[: args.limit] if args.limit else questions


class PassagesOnly:
    """An answerer that hands back the passages it is given, unread."""

    def answer(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        return Answer("", [], refused=True, passages=list(passages))


def cached_retrievals(engine: Engine, items: list[EvalQuestion], data_dir: Path) -> Retrievals:
    """Each question's top passages as the bot reads them (`QAService.answer`), as asked and
    with every article holding a correct answer hidden (the eval's --withheld mode); kept in
    the data dir, so tuning replays the answerer without searching again."""
    path = data_dir / "tune-refusal-passages.pkl"
    cache: Retrievals = pickle.loads(path.read_bytes()) if path.exists() else {}
    # Only the passages are kept: an answerer that reads nothing spends no time on them.
    qa = engine.services.qa.with_answerer(PassagesOnly())
    ask = asker_for(BOT, qa, engine.settings.retrieval.top_k)
    withhold = engine.services.eval.withholder()
    for n, item in enumerate(items, 1):
        if item.id not in cache:
            cache[item.id] = (
                ask(item, frozenset()).passages,
                ask(item, withhold(item)).passages,
            )
        if n % 50 == 0:
            print(f"retrieved {n}/{len(items)}", flush=True)
            path.write_bytes(pickle.dumps(cache))
    path.write_bytes(pickle.dumps(cache))
    return cache


@dataclass(frozen=True)
class Case:
    item: EvalQuestion
    asked: Answer  # with refusal off
    withheld: Answer
    off_topic: Answer | None = None  # asked against another question's passages

    @property
    def half(self) -> str:
        asked = self.item.asked or date.min
        return next((n for n, (a, b) in HALVES.items() if a <= asked <= b), "")


def evidence_of(answer: Answer) -> Evidence | None:
    if answer.evidence is None:
        return None
    fields = {k: v for k, v in answer.evidence.items()}
    return Evidence(**fields)  # type: ignore[arg-type]

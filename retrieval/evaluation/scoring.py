"""Scoring retrieval and answers on a question file, the same way for every configuration.

Question files: JSONL in the RealTimeQA format (`question`, `choices`, `answer_idx`,
`question_date`, `answer_string_in_corpus`) or the sample archive's own (`question`, `answers`,
`date`, `unanswerable`, and `follows`: the id of an earlier question a follow-up is asked after). A
retrieval hit is a passage containing a correct answer string,
case-folded; an answer is correct when it names a correct answer and no wrong choice.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from retrieval.core.errors import SourceError
from retrieval.core.records import Answer
from retrieval.ingest.loaders.common import parse_date

RECALL_AT = (1, 5, 10)


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    wrong: tuple[str, ...]
    asked: date | None
    answerable: bool
    # A follow-up ("follows": the id of the question it follows) is asked after that one,
    # as a reader would in a conversation: "And how much did it cost?"
    previous: str = ""

    def history(self) -> tuple[tuple[str, str], ...]:
        return ((self.previous, ""),) if self.previous else ()


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the question file ({exc.strerror})") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            questions.append(_question(record, number))
        except (json.JSONDecodeError, KeyError, TypeError, IndexError) as exc:
            raise SourceError(f"{path}:{number}: not a question record ({exc})") from None
        follows = record.get("follows")
        if follows:
            earlier = next((q for q in questions if q.id == str(follows)), None)
            if earlier is None:
                raise SourceError(f"{path}:{number}: follows {follows!r}, not an earlier question")
            questions[-1] = replace(questions[-1], previous=earlier.question)
    return questions


def _question(record: dict[str, object], number: int) -> EvalQuestion:
    qid = str(record.get("question_id") or record.get("id") or number)
    asked = parse_date(record.get("question_date") or record.get("date"))
    if "choices" in record:
        choices = [str(c) for c in record["choices"]]  # type: ignore[attr-defined]
        indexes = [int(i) for i in record["answer_idx"]]  # type: ignore[attr-defined]
        answers = tuple(choices[i] for i in indexes)
        wrong = tuple(c for i, c in enumerate(choices) if i not in indexes)
        answerable = bool(record.get("answer_string_in_corpus", True))
    else:
        answers = tuple(str(a) for a in record.get("answers", []))  # type: ignore[attr-defined]
        wrong = tuple(str(a) for a in record.get("wrong", []))  # type: ignore[attr-defined]
        answerable = not record.get("unanswerable", False) and bool(answers)
    return EvalQuestion(qid, str(record["question"]), answers, wrong, asked, answerable)


def mentions(text: str, needles: Sequence[str]) -> bool:
    """Whether any needle occurs in the text, case-folded (the benchmark's notion of a hit)."""
    folded = text.casefold()
    return any(n.casefold() in folded for n in needles if n)


def first_hit(texts: Iterable[str], answers: Sequence[str]) -> int | None:
    """1-based rank of the first text that mentions an answer, or None."""
    return next((rank for rank, text in enumerate(texts, 1) if mentions(text, answers)), None)


def correct_answer(text: str, item: EvalQuestion) -> bool:
    """Names a correct choice and no wrong one."""
    return mentions(text, item.answers) and not mentions(text, item.wrong)


@dataclass
class Scores:
    name: str
    answerable: int = 0
    unanswerable: int = 0
    hits: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RECALL_AT, 0))
    reciprocal_ranks: list[float] = field(default_factory=list)
    correct: int = 0
    refused_answerable: int = 0
    refused_unanswerable: int = 0
    bad_quotes: int = 0
    seconds: list[float] = field(default_factory=list)
    # Answer-withheld mode: answerable questions asked again with every article that holds a
    # correct answer hidden; the right behaviour is then a refusal.
    withheld: int = 0
    refused_withheld: int = 0
    dropped_sentences: int = 0  # LLM sentences not grounded in their passages
    # Answers (to answerable questions) that open with a short answer, and those whose short
    # answer names a correct choice and no wrong one.
    short_answers: int = 0
    short_correct: int = 0
    # Answered (not refused, not partial) naming no correct choice, or a wrong one with it.
    confidently_wrong: int = 0

    def row(self) -> dict[str, float]:
        n = max(1, self.answerable)
        times = sorted(self.seconds) or [0.0]
        return {
            **{f"recall@{k}": self.hits[k] / n for k in RECALL_AT},
            "mrr@10": sum(self.reciprocal_ranks) / n,
            "accuracy": self.correct / n,
            "refused (answerable)": self.refused_answerable / n,
            "refused (unanswerable)": (
                self.refused_unanswerable / self.unanswerable if self.unanswerable else float("nan")
            ),
            "bad quotes": float(self.bad_quotes),
            "median s": statistics.median(times),
            "p95 s": times[min(len(times) - 1, int(0.95 * len(times)))],
            **self.refusal_scores(),
            "dropped sentences": float(self.dropped_sentences),
            "confidently wrong": self.confidently_wrong / n,
            "short answer given": self.short_answers / n,
            "short answer right when given": (
                self.short_correct / self.short_answers if self.short_answers else float("nan")
            ),
        }

    def refusal_scores(self) -> dict[str, float]:
        """With answers withheld: how often the bot refuses then, and refusal as a classifier
        of "the archive cannot answer" (precision over every refusal on answerable and
        withheld questions, recall over the withheld ones)."""
        if not self.withheld:
            return {}
        refusals = self.refused_withheld + self.refused_answerable
        return {
            "refused (withheld)": self.refused_withheld / self.withheld,
            "refusal precision": self.refused_withheld / refusals if refusals else float("nan"),
            "refusal recall": self.refused_withheld / self.withheld,
        }


# ask(question, hidden article ids) -> the answer a reader would get (QAService.answer), its
# `searched` passages best first (at least max(RECALL_AT) of them where the archive has them).
AskQuestion = Callable[[EvalQuestion, frozenset[str]], Answer]
NOTHING_HIDDEN: frozenset[str] = frozenset()


def evaluate(
    name: str,
    questions: Sequence[EvalQuestion],
    ask: AskQuestion,
    *,
    progress: Callable[[int, int], None] | None = None,
    withhold: Callable[[EvalQuestion], frozenset[str]] | None = None,
) -> Scores:
    """Score the answers `ask` gives to `questions`, and the passages it searched. With
    `withhold`, each answerable question is also asked with the articles it names hidden."""
    scores = Scores(name)
    for position, item in enumerate(questions, start=1):
        started = time.perf_counter()
        answer = ask(item, NOTHING_HIDDEN)
        scores.seconds.append(time.perf_counter() - started)
        searched = answer.searched or answer.passages
        if item.answerable:
            scores.answerable += 1
            first = first_hit((p.text for p in searched[:10]), item.answers)
            for k in RECALL_AT:
                scores.hits[k] += int(first is not None and first <= k)
            scores.reciprocal_ranks.append(1.0 / first if first else 0.0)
        else:
            scores.unanswerable += 1
        scores.dropped_sentences += answer.dropped_sentences
        read = answer.passages
        scores.bad_quotes += sum(
            1 for c in answer.citations if not any(c.quote in p.text for p in read)
        )
        if item.answerable:
            if answer.refused:
                scores.refused_answerable += 1
            elif correct_answer(answer.text, item):
                scores.correct += 1
            if not answer.refused and not answer.partial and not correct_answer(answer.text, item):
                scores.confidently_wrong += 1
            if answer.short_answer and not answer.refused:
                scores.short_answers += 1
                scores.short_correct += correct_answer(answer.short_answer, item)
        elif answer.refused:
            scores.refused_unanswerable += 1
        if withhold is not None and item.answerable:
            scores.withheld += 1
            scores.refused_withheld += int(ask(item, withhold(item)).refused)
        if progress:
            progress(position, len(questions))
    return scores


COLUMNS = (
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr@10",
    "accuracy",
    "refused (answerable)",
    "refused (unanswerable)",
    "bad quotes",
    "median s",
    "p95 s",
    "confidently wrong",
    "short answer given",
    "short answer right when given",
)


WITHHELD_COLUMNS = ("refused (withheld)", "refusal precision", "refusal recall")


def markdown_table(results: Sequence[Scores]) -> str:
    columns = COLUMNS + (WITHHELD_COLUMNS if any(r.withheld for r in results) else ())
    if any(r.dropped_sentences for r in results):
        columns += ("dropped sentences",)
    lines = ["| configuration | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for result in results:
        row = result.row()
        cells = []
        for column in columns:
            value = row.get(column, float("nan"))
            if column in ("bad quotes", "dropped sentences"):
                cells.append(f"{int(value)}")
            elif column.endswith(" s"):
                cells.append(f"{value:.3f}")
            elif value != value:  # NaN: no unanswerable questions
                cells.append("–")
            else:
                cells.append(f"{value:.3f}")
        lines.append(f"| {result.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)

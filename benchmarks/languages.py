"""Archives in more than one language (issue 24): the Russian sample archive, its English
translation, and both in one index, with the bundled (English) model.

    python -m benchmarks.languages [--weights 0.5,0.1,0.0]

For each NEWSBOT_RETRIEVAL_FOREIGN_DENSE_WEIGHT given (the dense side of a question in a
language the embedding model does not read), on the Russian and on the mixed index: answerable
questions whose answer text names a correct answer, unanswerable ones refused, and on the mixed
index how often the first passage (and the top five) is in the question's own language. The
recall@k and per-configuration table (BM25 only, the bundled model) comes from `make
eval-languages`. Prints the CPU.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.common import cpu_description
from retrieval.core.settings import Settings
from retrieval.engine import Engine, build_engine
from retrieval.evaluation import correct_answer, load_questions

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TODAY = date(2025, 6, 20)


@dataclass
class Scores:
    answered: int = 0
    answerable: int = 0
    refused: int = 0
    unanswerable: int = 0
    own_first: int = 0
    own_top5: float = 0.0


def score(engine: Engine, questions: Path, language: str) -> Scores:
    found = Scores()
    for item in load_questions(questions):
        answer = engine.services.qa.answer(item.question, history=item.history(), today=TODAY)
        if not item.answerable:
            found.unanswerable += 1
            found.refused += answer.refused
            continue
        found.answerable += 1
        found.answered += (not answer.refused) and correct_answer(answer.text, item)
        top = answer.passages[:5]
        found.own_first += bool(top) and top[0].language == language
        found.own_top5 += sum(p.language == language for p in top) / max(1, len(top))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default="0.5,0.1,0.0")
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    print(
        "| index | questions | foreign dense weight | answered right | unanswerable refused "
        "| first passage in own language | top-5 in own language |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        indexes = {
            "Russian": [SAMPLES / "archive-ru"],
            "mixed": [SAMPLES / "archive-ru", SAMPLES / "archive-ru-en"],
        }
        for name, sources in indexes.items():
            data = Path(scratch) / name
            for weight in [float(w) for w in args.weights.split(",")]:
                settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
                retrieval = settings.retrieval.model_copy(update={"foreign_dense_weight": weight})
                engine = build_engine(
                    settings.model_copy(update={"retrieval": retrieval}), today=lambda: TODAY
                )
                engine.services.index.sync(sources)
                sets = [("questions-ru.jsonl", "ru")]
                if name == "mixed":
                    sets.append(("questions-ru-en.jsonl", "en"))
                for questions, language in sets:
                    s = score(engine, SAMPLES / questions, language)
                    print(
                        f"| {name} | {language} | {weight} | {s.answered}/{s.answerable} | "
                        f"{s.refused}/{s.unanswerable} | {s.own_first}/{s.answerable} | "
                        f"{s.own_top5 / max(1, s.answerable):.2f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()

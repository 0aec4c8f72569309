"""The bot's configuration on both halves of the RealTimeQA dev questions, over an index that
already exists (nothing is synced): for comparing two versions of the code on one index.

    python -m benchmarks.rtqa_halves DATA_DIR ../shared/data/realtimeqa-2023/questions-dev.jsonl
        [--withheld] [--no-reader]

`--withheld` asks every answerable question a second time with each article that holds a correct
answer hidden, and scores how often the bot then refuses (refused (withheld)). `--no-reader`
answers with the hand-written sentence picker even where the data dir has a trained reader in use.

Run from another tree with that tree on PYTHONPATH (as the issue-23 comparison ran it on
cba4fcf, whose modules had other names: the fallback imports below)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

try:
    from retrieval.answer.extractive import ExtractiveAnswerer
    from retrieval.answer.factory import extractive_config
    from retrieval.core.settings import Settings
    from retrieval.engine import build_engine
except ImportError:  # the flat tree of release 0.1.0
    from retrieval.answerers.extractive import ExtractiveAnswerer  # type: ignore[no-redef]
    from retrieval.settings import Settings  # type: ignore[no-redef]

    from retrieval.services import (  # type: ignore[no-redef, attr-defined]
        build_engine,
        extractive_config,
    )
from retrieval.evaluation import evaluate, load_questions, markdown_table

try:  # the bot's own path (issue 32): QAService.answer
    from retrieval.evaluation.configs import BOT, asker_for
except ImportError:  # trees before it: the search and the answerer called side by side
    from retrieval.evaluation.configs import BOT, searcher_for  # type: ignore[attr-defined]

    asker_for = None  # type: ignore[assignment]

HALVES = (
    ("Jan-Mar", date(2023, 1, 1), date(2023, 3, 31)),
    ("Apr-Jun", date(2023, 4, 1), date(2023, 6, 30)),
)


def main() -> None:
    data, questions = Path(sys.argv[1]), Path(sys.argv[2])
    withheld = "--withheld" in sys.argv[3:]
    no_reader = "--no-reader" in sys.argv[3:]  # the hand-written picker, whatever is in use
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    engine = build_engine(settings)
    items = load_questions(questions)
    for name, start, end in HALVES:
        part = [q for q in items if q.asked and start <= q.asked <= end]
        answerer = ExtractiveAnswerer(
            engine.embedder,
            extractive_config(settings),
            vectors=engine.vectors,
            # Trees before the trained reader have none.
            reader=None if no_reader else getattr(engine, "reader", None),
        )
        engine.vectors.clear()
        if asker_for is not None:
            qa = engine.services.qa.with_answerer(answerer)
            try:
                ask = asker_for(BOT, qa, 5)
            except TypeError:  # trees before issue 34 hand it the search settings as well
                ask = asker_for(BOT, qa, settings.retrieval, 5)  # type: ignore[call-arg, arg-type]
            scores = evaluate(
                BOT, part, ask, withhold=engine.services.eval.withholder() if withheld else None
            )
        else:
            search = searcher_for(BOT, engine.searcher)
            scores = evaluate(BOT, part, search, answerer, k_answer=5)  # type: ignore[call-arg]
        print(f"## {name} ({len(part)} questions)\n{markdown_table([scores])}\n", flush=True)


if __name__ == "__main__":
    main()

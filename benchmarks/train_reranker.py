"""Train the adapted cross-encoder reranker on an indexed archive, as `newsbot adapt
--reranker` does, without training the bi-encoder again (it is scored beside one that is):

    python -m benchmarks.train_reranker --data-dir data/rtqa --before 2023-01-01 \\
        --max-examples 4000 --out data/reranker-pre2023
    NEWSBOT_RETRIEVAL_RERANKER=data/reranker-pre2023 newsbot eval QUESTIONS --corpus ... \\
        --configs hybrid+recency+rerank --asked-from 2023-01-01 --asked-to 2023-03-31
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from retrieval.adapt.reranker import train_reranker
from retrieval.adapt.training import build_examples
from retrieval.core.settings import Settings
from retrieval.embed.protocol import bundled_model_path
from retrieval.engine import build_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--before", type=date.fromisoformat, default=None)
    parser.add_argument("--max-examples", type=int, default=4000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    engine = build_engine(Settings(_env_file=None, data_dir=args.data_dir))  # type: ignore[call-arg]
    config = engine.settings.adapt.model_copy(
        update={"before": args.before, "max_examples": args.max_examples}
    )
    with engine.collections.reading() as view:
        collection = view.collection
        snapshot = engine.lexical.snapshot(collection)
        examples, _ = build_examples(engine.catalog.passages, collection, snapshot, config)
    started = time.monotonic()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        if time.monotonic() - last[0] > 30 or done == total:
            last[0] = time.monotonic()
            print(f"{stage} {done}/{total} {time.monotonic() - started:.0f}s", flush=True)

    steps = train_reranker(bundled_model_path(), examples, args.out, config, progress)
    print(
        f"reranker: {len(examples)} examples, {steps} steps, "
        f"{(time.monotonic() - started) / 60:.1f} min -> {args.out}"
    )


if __name__ == "__main__":
    main()

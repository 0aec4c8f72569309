"""Issue 33, item 3: the lexical index the bot built, at the size of the data dir it serves
(the 200,000-article synthetic archive of `benchmarks.unchanged_sync`: 2.09M passages).

    python -m benchmarks.lexical_at_scale DATA_DIR QUESTIONS.jsonl [--polls 30]

The dev questions' BM25 top 50 as the bot asks (its analysis and date filter): p50 and p95.
Then, as a sync writes them (`TantivyIndex.write`: delete by article id, add, commit, merges
waited for): one-article writes one after another (the lexical part of a feed poll; the worst
is what a poll may pay), 1,000 articles at once (a big sync's lexical part), and their deletes.
The added articles are copies of indexed ones under new ids, removed again at the end, so
DATA_DIR ends as it began. Peak memory of the process at the end.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.common import cpu_description
from benchmarks.lexical_engines import peak_mib, quantile


def main() -> None:
    from retrieval.core.language import question_language
    from retrieval.core.settings import Settings
    from retrieval.evaluation import load_questions
    from retrieval.index.catalog import Catalog
    from retrieval.index.catalog.db import date_to_int
    from retrieval.index.lexical import LexicalRow, TantivyIndex
    from retrieval.index.state import IndexState
    from retrieval.search.timeframe import resolve_timeframe

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--polls", type=int, default=30)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
    catalog = Catalog(args.data_dir / "catalog.sqlite")
    collection = IndexState(catalog.state, settings.store.collection).active()
    index = TantivyIndex(args.data_dir / "lexical")
    snapshot = index.snapshot(collection)
    print(f"{collection}: {getattr(snapshot, 'size', 0):,} passages in the lexical index")
    asked = []
    for item in load_questions(args.questions):
        language = question_language(item.question)
        end = resolve_timeframe(item.question, item.asked, language).end if item.asked else None
        asked.append((item.question, language, date_to_int(end)))
    seconds = []
    for question, language, date_to in asked:
        started = time.perf_counter()
        index.search(collection, question, 50, date_to=date_to, language=language)
        seconds.append(time.perf_counter() - started)
    print(
        f"query (top 50, date filter): p50 {1000 * quantile(seconds, 0.5):.1f} ms, "
        f"p95 {1000 * quantile(seconds, 0.95):.1f} ms over {len(seconds)} questions"
    )
    ids = sorted(catalog.articles.in_collection(collection))[: args.polls + 1000]

    def copies(article_ids: list[str], tag: str) -> tuple[list[str], list[LexicalRow]]:
        made = [
            row._replace(chunk_id=f"{row.chunk_id}~{tag}", article_id=f"{row.article_id}~{tag}")
            for row in catalog.passages.lexical_rows(collection, article_ids)
        ]
        return sorted({row.article_id for row in made}), made

    polls = []
    added: list[str] = []
    for n in range(args.polls):
        articles, rows = copies([ids[n]], f"poll{n}")
        started = time.perf_counter()
        index.write(collection, articles, rows)
        polls.append(time.perf_counter() - started)
        added += articles
    print(
        f"one-article write: median {1000 * statistics.median(polls):.0f} ms, "
        f"max {1000 * max(polls):.0f} ms over {len(polls)}"
    )
    many, rows = copies(ids[args.polls : args.polls + 1000], "many")
    started = time.perf_counter()
    index.write(collection, many, rows)
    print(f"1,000-article write ({len(rows):,} passages): {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    index.write(collection, many + added, [])
    gone = len(many) + len(added)
    print(f"their deletes ({gone:,} articles): {time.perf_counter() - started:.2f} s")
    print(f"peak memory of this process: {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()

"""Corpus-level text check: every word of every article body reaches the indexed text.

Writes each RealTimeQA article as a seed-format `.txt` file (`date YYYY-MM-DD By Outlet`, blank
line, paragraphs), reads the folder back through the loaders and chunks it with the real
model's tokenizer, exactly as `newsbot ingest` does before embedding, and counts the body words
that are in no chunk (nor the headline made from the first line).

    python -m benchmarks.text_check ../shared/data/realtimeqa-2023/articles.jsonl.gz [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.core.records import Article
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.ingest.chunking import ChunkingConfig, chunk_article
from retrieval.ingest.loaders import Skipped, load_sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=Path, help="RealTimeQA articles.jsonl.gz")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    opener = gzip.open if args.articles.suffix == ".gz" else open
    with opener(args.articles, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    if args.limit:
        records = records[: args.limit]
    embedder = SentenceTransformerEmbedder()
    config = ChunkingConfig(256, 40)
    started = time.monotonic()
    bodies: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        for n, record in enumerate(records):
            day = (record.get("publish_date") or "2023/01/01").replace("/", "-")
            outlet = urlsplit(record.get("url", "")).hostname or "Unknown"
            name = f"a{n:05d}.txt"
            body = record["text"]
            bodies[name] = body
            (Path(folder) / name).write_text(f"date {day} By {outlet}\n\n{body}\n", "utf-8")
        loaded: dict[str, Article] = {}
        skipped: list[Skipped] = []
        for item in load_sources([folder]):
            if isinstance(item, Skipped):
                skipped.append(item)
            else:
                loaded[Path(item.origin).name] = item
    missing: Counter[str] = Counter()
    articles_with_loss = 0
    chunks = 0
    for n, (name, article) in enumerate(sorted(loaded.items()), start=1):
        pieces = chunk_article(article, embedder, config)
        chunks += len(pieces)
        kept = set(article.title.split())
        for piece in pieces:
            kept.update(piece.text.split())
        lost = [w for w in bodies[name].split() if w not in kept]
        if lost:
            articles_with_loss += 1
            missing.update(lost)
        if n % 1000 == 0:
            print(f"checked {n}/{len(loaded)}", flush=True)
    seconds = time.monotonic() - started
    print(f"articles written: {len(records)}; loaded: {len(loaded)}; skipped: {len(skipped)}")
    for item in skipped[:20]:
        print(f"  skipped {Path(item.origin).name}: {item.reason}")
    print(f"passages: {chunks}; seconds: {seconds:.0f}")
    print(
        f"body words absent from the indexed text: {sum(missing.values())} "
        f"(in {articles_with_loss} articles)"
    )
    for word, count in missing.most_common(20):
        print(f"  {word!r}: {count}")


if __name__ == "__main__":
    main()

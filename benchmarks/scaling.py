"""How a question's time and the process's memory grow with the archive: indexes of 1k, 3k and
all real RealTimeQA articles, and a synthetic 50k built from the real ones, then
`benchmarks.latency` on each in its own process.

    python -m benchmarks.scaling QUESTIONS --source FULL_INDEX --work DIR \
        [--sizes 1000,3000,7457,50000] [--limit 100]

The indexes are made from FULL_INDEX's own rows and vectors, without re-embedding (50k
articles would take a day of CPU here): a size up to the real count is a random sample of the
articles (fixed seed); above it, copy k of every article is published k years earlier, under
new ids, its vectors moved by a little noise (cosine ~0.99 to the original) so that the
vector index does not hold exact duplicates. Its search is then as large as a real archive of
that size, though not as varied.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np

from retrieval.core.settings import Settings
from retrieval.engine import build_engine

NOISE = 0.1  # per-vector Gaussian noise of this norm, then renormalised: cosine ~0.995


def build(source: Path, target: Path, size: int, seed: int = 7) -> None:
    src = build_engine(Settings(_env_file=None, data_dir=source))  # type: ignore[call-arg]
    collection = src.collections.active
    with sqlite3.connect(source / "catalog.sqlite") as db:
        articles = db.execute(
            "SELECT * FROM articles WHERE collection = ? ORDER BY id", (collection,)
        ).fetchall()
        state = db.execute("SELECT key, value FROM state").fetchall()
    rng = random.Random(seed)
    if size <= len(articles):
        plan = [(row, 0) for row in rng.sample(articles, size)]
    else:
        plan = [(articles[n % len(articles)], n // len(articles)) for n in range(size)]
    shutil.rmtree(target, ignore_errors=True)
    dst = build_engine(Settings(_env_file=None, data_dir=target))  # type: ignore[call-arg]
    with sqlite3.connect(target / "catalog.sqlite") as db:
        db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", state)
    noise = np.random.default_rng(seed)
    for start in range(0, len(plan), 500):
        batch = plan[start : start + 500]
        originals = sorted({row[1] for row, _ in batch})
        vectors = src.store.vectors(collection, originals)
        with sqlite3.connect(source / "catalog.sqlite") as db:
            marks = ",".join("?" * len(originals))
            chunks = db.execute(
                f"SELECT * FROM chunks WHERE collection = ? AND article_id IN ({marks})"
                " ORDER BY article_id, number",
                (collection, *originals),
            ).fetchall()
        by_article: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
        for chunk in chunks:
            by_article.setdefault(chunk[2], []).append(chunk)
        article_rows, chunk_rows, ids, vecs, docs, metas = [], [], [], [], [], []
        for row, copy in batch:
            suffix = f"~{copy}" if copy else ""
            published = row[7] - 10_000 * copy if row[7] else 0  # YYYYMMDD, k years back
            article_id = row[1] + suffix
            article_rows.append(
                (collection, article_id, *row[2:4], row[4] + suffix, *row[5:7], published,
                 *row[8:])
            )  # fmt: skip
            for chunk in by_article.get(row[1], []):
                chunk_id = chunk[1] + suffix
                vector = vectors[chunk[1]]
                if copy:
                    vector = vector + noise.normal(0, NOISE / np.sqrt(len(vector)), len(vector))
                    vector = vector / np.linalg.norm(vector)
                chunk_rows.append((collection, chunk_id, article_id, *chunk[3:]))
                ids.append(chunk_id)
                vecs.append(vector)
                docs.append(chunk[4])
                metas.append(
                    {"article_id": article_id, "chunk": chunk[3], "title": row[5],
                     "source": row[6], "url": row[4] + suffix, "published": published}
                )  # fmt: skip
        dst.store.upsert(collection, ids, np.asarray(vecs, dtype=np.float32), docs, metas)
        with sqlite3.connect(target / "catalog.sqlite") as db:
            db.executemany(
                "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", article_rows
            )
            db.executemany("INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?)", chunk_rows)
        print(f"  {target.name}: {start + len(batch):,}/{len(plan):,} articles", flush=True)
    dst.lexical.build(collection, dst.catalog.chunk_rows(collection))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sizes", default="1000,3000,7457,50000")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep indexes already built")
    args = parser.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        target = args.work / f"articles-{size}"
        if not (args.reuse and (target / "catalog.sqlite").exists()):
            build(args.source, target, size)
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.latency", str(args.questions),
             "--data-dir", str(target), "--limit", str(args.limit)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        out = result.stdout
        print(out, flush=True)
        header = out.splitlines()[0]
        passages = re.search(r"([\d,]+) passages", header)
        times = re.findall(r"\| (\d+) \| (\d+) \|", out)
        rss = re.search(r"peak RSS ([\d.]+) GiB", out)
        rows.append(
            f"| {size:,} | {passages.group(1) if passages else '?'} | "
            f"{times[0][0]} / {times[0][1]} | {times[1][0]} / {times[1][1]} | "
            f"{rss.group(1) if rss else '?'} |"
        )
    print(f"\n{date.today()}; {args.limit} dev questions a size")
    print(
        "| articles | passages | retrieval p50 / p95 ms | full answer p50 / p95 ms | peak RSS GiB |"
    )
    print("|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

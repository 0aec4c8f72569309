"""How a question's time, the process's memory and the index's upkeep grow with the archive:
indexes of real RealTimeQA articles and synthetic ones built from them (to 200k), then
`benchmarks.latency` and `benchmarks.scale_ops` (/stats, an unchanged sync, a one-article
feed poll) on each, each in its own process.

    python -m benchmarks.scaling QUESTIONS --source FULL_INDEX --articles ARTICLES_JSONL_GZ \
        --work DIR [--sizes 7457,200000] [--limit 100] [--reuse] [--drop]

The indexes are made from FULL_INDEX's own rows and vectors, without re-embedding (200k
articles would take 30 hours of CPU here): a size up to the real count is a random sample of
the articles (fixed seed); above it, copy k of every article is published k years earlier,
under new ids and URLs, with a last line of its own ("Archive copy k.", so that it is not the
same body), its vectors moved by a little noise (cosine ~0.99 to the original) so that the
vector index does not hold exact duplicates. The articles are written to the index's own
`archive.jsonl.gz` and read back through the loaders, so the catalog holds what a sync of
that file compares against. Its search is as large as a real archive of that size, though
not as varied.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import cpu_description
from retrieval.core.records import Article, Chunk
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
from retrieval.index.catalog.db import date_to_int
from retrieval.index.catalog.passages import ChunkRecord
from retrieval.ingest.loaders import load_sources

NOISE = 0.1  # per-vector Gaussian noise of this norm, then renormalised: cosine ~0.995
ARCHIVE = "archive.jsonl.gz"  # the synthetic index's own source, for the unchanged sync


def copy_record(record: dict[str, Any], copy: int) -> dict[str, Any]:
    """Copy k of a real record: another id and URL, published k years earlier, and a last
    line of its own (so that it is not the same body as the original)."""
    if not copy:
        return record
    published = str(record.get("publish_date") or "")
    if re.fullmatch(r"\d{4}/\d\d/\d\d", published):
        month_day = published[5:].replace("02/29", "02/28")
        published = f"{int(published[:4]) - copy}/{month_day}"
    return {
        **record,
        "doc_id": f"{record['doc_id']}_{copy}",
        "url": f"{record['url']}~{copy}",
        "publish_date": published or None,
        "text": f"{record['text']}\n\nArchive copy {copy}.",
    }


def build(
    source: Path,
    articles_file: Path,
    target: Path,
    size: int,
    seed: int = 7,
    *,
    catalog_only: bool = False,
) -> None:
    """`catalog_only`: the catalog and the archive file, no vectors and no words (what an
    unchanged sync reads; the words are written by the first engine to open it)."""
    src = build_engine(Settings(_env_file=None, data_dir=source))  # type: ignore[call-arg]
    collection = src.collections.active
    indexed = set(src.catalog.articles.in_collection(collection))
    records = {}  # id as the loader reads it -> the raw record
    with gzip.open(articles_file, "rt", encoding="utf-8") as lines:
        for line, article in zip(lines, load_sources([articles_file]), strict=True):
            if isinstance(article, Article) and article.id in indexed:
                records[article.id] = json.loads(line)
    ids = sorted(records)
    rng = random.Random(seed)
    if size <= len(ids):
        plan = [(i, 0) for i in rng.sample(ids, size)]
    else:
        plan = [(ids[n % len(ids)], n // len(ids)) for n in range(size)]
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = target / ARCHIVE
    with gzip.open(archive, "wt", encoding="utf-8", compresslevel=3) as out:
        for article_id, copy in plan:
            out.write(json.dumps(copy_record(records[article_id], copy)) + "\n")
    del records
    print(f"  {target.name}: wrote {archive.name}", flush=True)
    dst = build_engine(Settings(_env_file=None, data_dir=target))  # type: ignore[call-arg]
    with sqlite3.connect(source / "catalog.sqlite") as db:
        state = db.execute("SELECT key, value FROM state").fetchall()
    with sqlite3.connect(target / "catalog.sqlite") as db:
        db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", state)
    noise = np.random.default_rng(seed)
    # The archive read as `newsbot ingest` reads it: the catalog holds what a sync compares.
    articles = (a for a in load_sources([archive]) if isinstance(a, Article))
    done = 0
    spent = dict.fromkeys(("read", "store", "catalog"), 0.0)
    while batch := list(itertools.islice(articles, 500)):
        started = time.perf_counter()
        originals = sorted({a.id.partition("_")[0] for a in batch})
        vectors = {} if catalog_only else src.store.vectors(collection, originals)
        by_article: dict[str, list[ChunkRecord]] = {}
        for row in src.catalog.passages.chunk_records(collection, originals):
            by_article.setdefault(row.article_id, []).append(row)
        items, chunk_ids, vecs, docs, metas = [], [], [], [], []
        for article in batch:
            original, _, number = article.id.partition("_")
            suffix = f"_{number}" if number else ""
            chunks = [
                Chunk(row.chunk_id + suffix, article.id, row.number, row.text, row.embed_text)
                for row in by_article[original]
            ]
            items.append((article, chunks))
            for row, chunk in zip(by_article[original], chunks, strict=True):
                if catalog_only:
                    continue
                vector = vectors[row.chunk_id]
                if copy:
                    vector = vector + noise.normal(0, NOISE / np.sqrt(len(vector)), len(vector))
                    vector = vector / np.linalg.norm(vector)
                chunk_ids.append(chunk.id)
                vecs.append(vector)
                docs.append(chunk.text)
                metas.append(
                    {"article_id": article.id, "chunk": chunk.number, "title": article.title,
                     "source": article.source, "url": article.url,
                     "published": date_to_int(article.published)}
                )  # fmt: skip
        spent["read"] += time.perf_counter() - started
        started = time.perf_counter()
        if not catalog_only:
            dst.store.upsert(collection, chunk_ids, np.asarray(vecs, dtype=np.float32), docs, metas)
        spent["store"] += time.perf_counter() - started
        started = time.perf_counter()
        dst.catalog.articles.record(collection, items)
        spent["catalog"] += time.perf_counter() - started
        done += len(batch)
        seconds = ", ".join(f"{k} {v:.0f} s" for k, v in spent.items())
        print(f"  {target.name}: {done:,}/{len(plan):,} articles ({seconds})", flush=True)
    if catalog_only:
        return
    started = time.perf_counter()
    dst.writer.rebuild_lexical(collection, lambda stage, done, total: None)
    print(f"  {target.name}: BM25 built in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--articles", type=Path, required=True, help="articles.jsonl.gz")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sizes", default="7457,200000")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep indexes already built")
    parser.add_argument("--drop", action="store_true", help="delete each index once measured")
    args = parser.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        target = args.work / f"articles-{size}"
        if not (args.reuse and (target / "catalog.sqlite").exists()):
            build(args.source, args.articles, target, size)
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.latency", str(args.questions),
             "--data-dir", str(target), "--limit", str(args.limit)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        out = result.stdout
        print(out, flush=True)
        ops = subprocess.run(
            [sys.executable, "-m", "benchmarks.scale_ops", str(target)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        print(ops, flush=True)
        if args.drop:
            shutil.rmtree(target)
        header = out.splitlines()[0]
        passages = re.search(r"([\d,]+) passages", header)
        times = re.findall(r"\| (\d+) \| (\d+) \|", out)
        rss = re.search(r"peak RSS ([\d.]+) GiB", out)
        steps = re.findall(r"^\| ([^|]+?) \| ([\d.]+) \| ([\d.]+) \|$", ops, re.M)
        cells = {label.split(" (")[0]: value for label, value, _ in steps}
        sync_rss = re.search(
            r"^\| sync of the unchanged archive \| [\d.]+ \| ([\d.]+) \|$", ops, re.M
        )
        rows.append(
            f"| {size:,} | {passages.group(1) if passages else '?'} | "
            f"{times[0][0]} / {times[0][1]} | {times[1][0]} / {times[1][1]} | "
            f"{rss.group(1) if rss else '?'} | {cells.get('/stats', '?')} | "
            f"{cells.get('sync of the unchanged archive', '?')} "
            f"({sync_rss.group(1) if sync_rss else '?'} GiB) | "
            f"{cells.get('one-article feed poll', '?')} |"
        )
    print(f"\n{date.today()}; {args.limit} dev questions a size; CPU: {cpu_description()}")
    print(
        "| articles | passages | retrieval p50 / p95 ms | full answer p50 / p95 ms | "
        "peak RSS answering, GiB | /stats s | unchanged sync s (peak RSS) | one-article poll s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

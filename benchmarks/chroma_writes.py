"""What keeping each passage's text in Chroma costs: passages written a second and the size
of Chroma's folder, with the text (as newsbot wrote before) and with only its fingerprint in
the metadata (as it writes now; the catalog keeps the text). Real passages from an index's
catalog, random vectors, 5,000 per upsert, embedded Chroma in a scratch folder.

    python -m benchmarks.chroma_writes INDEX [--passages 20000]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import cpu_description
from retrieval.index.store import persistent_client, text_fingerprint


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--passages", type=int, default=20_000)
    args = parser.parse_args()
    with sqlite3.connect(args.index / "catalog.sqlite") as db:
        rows = db.execute(
            "SELECT id, article_id, number, text FROM chunks LIMIT ?", (args.passages,)
        ).fetchall()
    print(f"CPU: {cpu_description()}; {len(rows):,} passages")
    print("| Chroma keeps | passages/s | folder MB |")
    print("|---|---:|---:|")
    rng = np.random.default_rng(0)
    for label, with_text in (("the text", True), ("a fingerprint of the text", False)):
        with tempfile.TemporaryDirectory() as scratch:
            client = persistent_client(Path(scratch))
            collection = client.create_collection(
                "bench", embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            started = time.perf_counter()
            for start in range(0, len(rows), 5000):
                part = rows[start : start + 5000]
                metas = [{"article_id": r[1], "chunk": r[2], "published": 20230101} for r in part]
                if not with_text:
                    for meta, row in zip(metas, part, strict=True):
                        meta["text_hash"] = text_fingerprint(row[3])
                collection.upsert(
                    ids=[r[0] for r in part],
                    embeddings=rng.normal(size=(len(part), 384)).astype(np.float32),
                    documents=[r[3] for r in part] if with_text else None,
                    metadatas=metas,  # type: ignore[arg-type]
                )
            rate = len(rows) / (time.perf_counter() - started)
            del client, collection
            print(f"| {label} | {rate:.0f} | {folder_mb(Path(scratch)):.0f} |", flush=True)


if __name__ == "__main__":
    main()

"""Backfill throughput through an embedding service with 1, 2 and 4 requests in flight, beside
the local backend, in one run (issue 21).

    python -m benchmarks.remote_backfill ../shared/data/realtimeqa-2023/articles.jsonl.gz \
        [--articles 100] [--server-threads 0]

Starts the loopback service of the tests (`tests/fakes/embedding_server.py`: the bundled model
in a process of its own, torch float32), chunks the first N RealTimeQA articles as indexing
does, and embeds the passages: locally (torch float32 in this process) and through the service
at each in-flight setting. On one machine the service and the client share the CPU, so this
shows the client's overhead and overlap, not a GPU box's speed. Prints the CPU.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.backends import first_articles
from benchmarks.common import cpu_description
from retrieval.core.records import Article
from retrieval.embed.protocol import bundled_model_path
from retrieval.embed.remote_backend import RemoteEmbedder
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.ingest.chunking import ChunkingConfig, chunk_article
from retrieval.ingest.loaders import load_file

ROOT = Path(__file__).resolve().parent.parent


def passages(corpus: Path, count: int, embedder: SentenceTransformerEmbedder) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = first_articles(corpus, count, Path(folder))
        texts = []
        for article in load_file(path):
            if not isinstance(article, Article):
                continue
            texts += [c.embed_text for c in chunk_article(article, embedder, ChunkingConfig())]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--server-threads", type=int, default=0)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    local = SentenceTransformerEmbedder()
    texts = passages(args.corpus, args.articles, local)
    print(f"{len(texts)} passages of the first {args.articles} articles")
    local.embed_documents(texts[:64])
    started = time.perf_counter()
    local.embed_documents(texts)
    rows = [("local, torch float32 (this process)", len(texts) / (time.perf_counter() - started))]
    command = [sys.executable, "-m", "tests.fakes.embedding_server", "--port", "0"]
    if args.server_threads:
        command += ["--threads", str(args.server_threads)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline().split()[-1])}/v1"
        for in_flight in (1, 2, 4):
            remote = RemoteEmbedder(
                url,
                "all-MiniLM-L6-v2",
                tokenizer_dir=Path(bundled_model_path()),
                batch_size=64,
                in_flight=in_flight,
            )
            remote.embed_documents(texts[:64])
            started = time.perf_counter()
            remote.embed_documents(texts)
            rows.append(
                (f"service, {in_flight} in flight", len(texts) / (time.perf_counter() - started))
            )
    finally:
        server.terminate()
        server.wait(30)
    print("| backend | passages/s | vs local |")
    print("|---|---:|---:|")
    for label, value in rows:
        print(f"| {label} | {value:.1f} | {value / rows[0][1]:.2f}x |")


if __name__ == "__main__":
    main()

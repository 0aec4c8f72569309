"""Embedding backends side by side: raw encode rate, the whole ingest pipeline, and quality.

    python -m benchmarks.backends ../shared/data/realtimeqa-2023/articles.jsonl.gz --articles 1000

On the first N RealTimeQA articles: chunks/s of raw `SentenceTransformer.encode` (torch float32)
on the pipeline's own chunk texts; for each backend its raw rate and the full `newsbot ingest`
pipeline (read, chunk, embed, Chroma, BM25) into a fresh data dir; naive LangChain
`Chroma.from_documents`; and each backend's cosine to torch float32. One run, so ratios compare.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from retrieval.core.records import Article
from retrieval.core.settings import Settings
from retrieval.embed.choice import cpu_flags, make_embedder
from retrieval.embed.protocol import Embedder
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import build_engine
from retrieval.evaluation.baseline import NaiveBaseline
from retrieval.ingest.chunking import ChunkingConfig, chunk_article
from retrieval.ingest.loaders import Skipped, load_file


def first_articles(corpus: Path, count: int, folder: Path) -> Path:
    """The first `count` records of the corpus as a file of their own (kept in a temp dir)."""
    target = folder / "articles.jsonl"
    with gzip.open(corpus, "rt", encoding="utf-8") as source, open(target, "w") as out:
        for number, line in enumerate(source):
            if number >= count:
                break
            out.write(line)
    return target


def backends(flags: set[str]) -> list[tuple[str, str, str]]:
    """(label, backend, precision) to compare on this CPU."""
    found = [("torch float32", "torch", "float32")]
    if {"avx512_bf16", "amx_bf16"} & flags:
        found.append(("torch bfloat16", "torch", "bfloat16"))
    found += [("onnx float32", "onnx", "float32"), ("onnx int8", "onnx-int8", "float32")]
    return found


def rate(embedder: Embedder, texts: list[str]) -> tuple[float, np.ndarray]:
    embedder.embed_documents(texts[:64])  # loaded and warm
    started = time.perf_counter()
    vectors = embedder.embed_documents(texts)
    return len(texts) / (time.perf_counter() - started), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    flags = cpu_flags()
    work = Path(tempfile.mkdtemp(prefix="newsbot-backends-"))
    source = first_articles(args.corpus, args.articles, work)
    reference = SentenceTransformerEmbedder()
    articles = [a for a in load_file(source) if isinstance(a, Article)]
    skipped = sum(1 for a in load_file(source) if isinstance(a, Skipped))
    chunks = [c for a in articles for c in chunk_article(a, reference, ChunkingConfig(256, 40))]
    texts = [c.embed_text for c in chunks]
    print(f"{len(articles)} articles ({skipped} skipped), {len(texts)} chunks")

    from sentence_transformers import SentenceTransformer

    raw = SentenceTransformer(reference.model_ref or _bundled(), device="cpu")
    raw.encode(texts[:64])
    started = time.perf_counter()
    truth = raw.encode(texts, batch_size=64, normalize_embeddings=True)
    raw_rate = len(texts) / (time.perf_counter() - started)
    del raw
    Row = tuple[str, float | None, float | None, float | None, float, float]
    rows: list[Row] = [
        ("raw SentenceTransformer.encode, torch float32", raw_rate, None, None, 1.0, 1.0)
    ]
    for label, backend, precision in backends(flags):
        embedder = make_embedder(
            "", backend=backend, precision=precision, cache_dir=work / "models"
        )
        encode_rate, vectors = rate(embedder, texts)
        cosines = (vectors * truth).sum(axis=1)
        settings = Settings(_env_file=None, data_dir=work / backend / precision)  # type: ignore[call-arg]
        services = build_engine(
            settings, embedder=embedder, today=lambda: date(2023, 12, 31)
        ).services
        report = services.index.sync([source])
        pipeline = report.chunks / report.seconds
        rows.append(
            (
                label,
                encode_rate,
                pipeline,
                pipeline / encode_rate,
                float(cosines.mean()),
                float(cosines.min()),
            )
        )
        print(rows[-1], flush=True)
    baseline = NaiveBaseline(work / "langchain", reference)
    started = time.perf_counter()
    stored = baseline.build([source])
    rows.append(
        (
            "naive LangChain Chroma.from_documents (torch float32)",
            None,
            stored / (time.perf_counter() - started),
            None,
            1.0,
            1.0,
        )
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    shown = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f in flags]
    print(
        f"\nCommand: `python -m benchmarks.backends ARTICLES --articles {args.articles}`  \n"
        f"Machine: {cpu}, {', '.join(shown)}, 2 cores; {date.today()}  \n"
        f"{len(articles)} RealTimeQA articles, {len(texts)} chunks of at most 256 tokens.\n"
    )
    print(
        "| path | raw encode chunks/s | ingest pipeline chunks/s | pipeline / own encode | "
        "cosine to torch f32 (mean / min) | pipeline vs torch f32 pipeline |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    base = next(r[2] for r in rows if r[0] == "torch float32") or 1.0
    for label, encode, ingest, share, mean, low in rows:
        print(
            f"| {label} | {_f(encode)} | {_f(ingest)} | {_f(share, 2)} | "
            f"{mean:.4f} / {low:.4f} | {_f(ingest / base if ingest else None, 2)}x |"
        )
    print(f"\nmedian chunk length: {statistics.median(len(t) for t in texts):.0f} characters")


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _bundled() -> str:
    from retrieval.embed.protocol import bundled_model_path

    return bundled_model_path()


if __name__ == "__main__":
    main()

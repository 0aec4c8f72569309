"""The naive LangChain baseline that evaluations compare against: RecursiveCharacterTextSplitter
(1,000 characters, 200 overlap), the same embedding model, langchain-chroma, dense top-k only.

It lives in its own Chroma directory under the data dir, is built once, and is reused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from retrieval.core.records import Article, Passage, Stage
from retrieval.embed.protocol import Embedder
from retrieval.index.store import persistent_client
from retrieval.index.sync import Progress, no_progress
from retrieval.ingest.loaders import load_sources

logger = logging.getLogger(__name__)
COLLECTION = "naive-baseline"
BATCH = 1000


class LangChainEmbeddings(Embeddings):
    """Any `Embedder` as a LangChain `Embeddings`."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()  # type: ignore[no-any-return]


class NaiveBaseline:
    def __init__(self, directory: Path, embedder: Embedder) -> None:
        from langchain_chroma import Chroma

        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        client = persistent_client(directory / "chroma")
        self.store = Chroma(
            collection_name=COLLECTION,
            embedding_function=LangChainEmbeddings(embedder),
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self._done_path = directory / "built.json"

    def build(self, sources: Sequence[str | Path], progress: Progress | None = None) -> int:
        """Index the sources once; a finished build is reused, an interrupted one resumed."""
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        progress = progress or no_progress
        key = [str(s) for s in sources]
        if self._done_path.exists() and json.loads(self._done_path.read_text()) == key:
            return 0
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        articles = [a for a in load_sources(sources) if isinstance(a, Article)]
        texts: list[str] = []
        metadatas: list[dict[str, str | int]] = []
        ids: list[str] = []
        for article in articles:
            for number, piece in enumerate(splitter.split_text(article.text)):
                texts.append(piece)
                ids.append(f"{article.id}:{number:04d}")
                metadatas.append(
                    {
                        "article_id": article.id,
                        "title": article.title,
                        "source": article.source,
                        "url": article.url,
                        "published": article.published.isoformat() if article.published else "",
                    }
                )
        existing = set(self.store.get(include=[])["ids"])
        todo = [i for i, chunk_id in enumerate(ids) if chunk_id not in existing]
        progress(Stage.EMBEDDING, 0, len(todo))
        for start in range(0, len(todo), BATCH):
            part = todo[start : start + BATCH]
            self.store.add_texts(
                [texts[i] for i in part], [metadatas[i] for i in part], ids=[ids[i] for i in part]
            )
            progress(Stage.EMBEDDING, min(start + BATCH, len(todo)), len(todo))
        self._done_path.write_text(json.dumps(key))
        return len(todo)

    def search(self, query: str, k: int) -> list[Passage]:
        from datetime import date

        results = self.store.similarity_search_with_score(query, k=k)
        passages = []
        for document, distance in results:
            meta = document.metadata
            published = meta.get("published") or ""
            passages.append(
                Passage(
                    chunk_id=str(document.id or ""),
                    article_id=str(meta.get("article_id", "")),
                    text=document.page_content,
                    title=str(meta.get("title", "")),
                    source=str(meta.get("source", "")),
                    published=date.fromisoformat(published) if published else None,
                    url=str(meta.get("url", "")),
                    score=1.0 - float(distance),
                )
            )
        return passages

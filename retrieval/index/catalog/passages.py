"""The passages each collection holds (the chunks table, written by `ArticleStore` with their
article), read with their article's fields: for the hits of a search, the lexical index, a
re-embedding or a backup, and adapting the model."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from retrieval.core.records import Passage
from retrieval.index.catalog.db import CatalogDB, int_to_date
from retrieval.index.lexical import LexicalRow

JOINED = "chunks c JOIN articles a ON a.collection = c.collection AND a.id = c.article_id"
# Without the index named, SQLite walks every chunk of the collection in id order to find one
# article's (5.4 s for one article at 2 million passages).
JOINED_BY_ARTICLE = JOINED.replace("chunks c", "chunks c INDEXED BY chunks_by_article")


@dataclass(frozen=True)
class TrainingRow:
    article_id: str
    title: str
    published: int  # YYYYMMDD, 0 undated
    chunk_id: str
    text: str


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    article_id: str
    number: int
    text: str
    embed_text: str
    title: str
    source: str
    url: str
    published: int

    def metadata(self) -> dict[str, str | int]:
        """What the vector store keeps beside the vector (as indexing writes it)."""
        return {
            "article_id": self.article_id,
            "chunk": self.number,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published,
        }


class PassageStore:
    def __init__(self, db: CatalogDB) -> None:
        self._db = db

    def by_id(self, collection: str, chunk_ids: Sequence[str]) -> dict[str, Passage]:
        """These passages by id, with what a citation shows of their article."""
        return {
            row[0]: Passage(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                int_to_date(row[5]),
                row[6],
                language=row[7] or "en",
            )
            for row in self._db.select_in(
                "SELECT c.id, c.article_id, c.text, a.title, a.source, a.published, a.url,"
                f" a.language FROM {JOINED} WHERE c.collection = ? AND c.id",
                (collection,),
                chunk_ids,
            )
        }

    def chunk_rows(
        self, collection: str, article_ids: Sequence[str] | None = None
    ) -> list[LexicalRow]:
        """Every chunk (or those of these articles), in a stable order."""
        return list(self.lexical_rows(collection, article_ids))

    def lexical_rows(
        self, collection: str, article_ids: Sequence[str] | None = None
    ) -> Iterator[LexicalRow]:
        """Every chunk (or those of these articles) as the lexical index takes it, streamed: a
        whole archive is never held at once."""
        columns = "c.id, c.article_id, c.embed_text, a.published, a.language"
        if article_ids is not None:
            yield from map(
                LexicalRow._make,
                self._db.select_in(
                    f"SELECT {columns} FROM {JOINED_BY_ARTICLE}"
                    " WHERE c.collection = ? AND c.article_id",
                    (collection,),
                    article_ids,
                    order_by="c.id",
                ),
            )
            return
        with self._db.transaction() as db:
            cursor = db.execute(
                f"SELECT {columns} FROM {JOINED} WHERE c.collection = ? ORDER BY c.id",
                (collection,),
            )
            while rows := cursor.fetchmany(2000):
                yield from map(LexicalRow._make, rows)

    def chunk_records(self, collection: str, article_ids: Sequence[str]) -> list[ChunkRecord]:
        """Every chunk of these articles, as stored (for re-embedding without the sources)."""
        return [
            ChunkRecord(*row)
            for row in self._db.select_in(
                "SELECT c.id, c.article_id, c.number, c.text, c.embed_text, a.title, a.source,"
                f" a.url, a.published FROM {JOINED} WHERE c.collection = ? AND c.article_id",
                (collection,),
                article_ids,
                order_by="c.article_id, c.number",
            )
        ]

    def training_rows(self, collection: str) -> list[TrainingRow]:
        """Every passage with its article's headline and date, each article's chunks in order:
        what adapting the model learns from."""
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT a.id, a.title, a.published, c.id, c.text FROM {JOINED}"
                " WHERE c.collection = ? ORDER BY a.id, c.number",
                (collection,),
            ).fetchall()
        return [TrainingRow(*row) for row in rows]

    def article_texts(self, collection: str) -> dict[str, str]:
        """Each article's headline and passage texts (overlaps repeated), by article id."""
        texts: dict[str, list[str]] = {}
        with self._db.transaction() as db:
            for article_id, title in db.execute(
                "SELECT id, title FROM articles WHERE collection = ?", (collection,)
            ):
                texts[article_id] = [title]
            for article_id, text in db.execute(
                "SELECT article_id, text FROM chunks WHERE collection = ?"
                " ORDER BY article_id, number",
                (collection,),
            ):
                texts.setdefault(article_id, []).append(text)
        return {article_id: "\n".join(parts) for article_id, parts in texts.items()}

"""Which article versions each collection holds, so a sync knows what changed; and the articles
whose words the lexical index has yet to take.

An article's passages (the chunks table) are written, copied and deleted here with its row, in
one transaction, so the two tables never disagree; `PassageStore` reads them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from retrieval.core.records import Article, Chunk
from retrieval.index.catalog.db import CatalogDB, date_to_int, int_to_date

ARTICLE_COLUMNS = (
    "collection, id, content_hash, text_hash, url, title, source, published, authors, origin,"
    " n_chunks, indexed_at, text, language, origin_kind, record_key"
)
STORED_COLUMNS = (
    "id, content_hash, text_hash, url, title, source, published, n_chunks, indexed_at, origin,"
    " origin_kind, record_key"
)


@dataclass(frozen=True)
class StoredArticle:
    id: str
    content_hash: str
    text_hash: str
    url: str
    title: str
    source: str
    published: date | None
    n_chunks: int
    indexed_at: float
    origin: str = ""
    origin_kind: str = ""
    record_key: str = ""


@dataclass(frozen=True)
class Counts:
    articles: int
    passages: int
    first_published: date | None
    last_published: date | None


@dataclass(frozen=True)
class RecordKey:
    """Where an article found unchanged was read from (`Article.record_key`, `origin`)."""

    article_id: str
    key: str
    origin: str


def _stored(rows: Iterable[Sequence[Any]]) -> dict[str, StoredArticle]:
    """Rows of STORED_COLUMNS by id."""
    return {
        row[0]: StoredArticle(
            id=row[0],
            content_hash=row[1],
            text_hash=row[2],
            url=row[3],
            title=row[4],
            source=row[5],
            published=int_to_date(row[6]),
            n_chunks=row[7],
            indexed_at=row[8],
            origin=row[9],
            origin_kind=row[10],
            record_key=row[11],
        )
        for row in rows
    }


class ArticleStore:
    def __init__(self, db: CatalogDB) -> None:
        self._db = db

    # -- reading ----------------------------------------------------------------------------
    def in_collection(self, collection: str) -> dict[str, StoredArticle]:
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT {STORED_COLUMNS} FROM articles WHERE collection = ?", (collection,)
            ).fetchall()
        return _stored(rows)

    def matching(
        self, collection: str, ids: Sequence[str], urls: Sequence[str], text_hashes: Sequence[str]
    ) -> dict[str, StoredArticle]:
        """The stored articles with one of these ids, URLs or bodies: all that a sync of a few
        articles needs to know (`same_story` finds the same ones in it as in `in_collection`)."""
        rows: list[Any] = []
        for column, values in (("id", ids), ("url", urls), ("text_hash", text_hashes)):
            rows += self._db.select_in(
                f"SELECT {STORED_COLUMNS} FROM articles WHERE collection = ? AND {column}",
                (collection,),
                (v for v in values if v),
            )
        return _stored(rows)

    def whole(self, collection: str, article_ids: Iterable[str]) -> tuple[list[Article], list[str]]:
        """These articles as they were indexed, to be indexed again; and the ids of those
        recorded before whole texts were kept (their passages can only be copied)."""
        whole: list[Article] = []
        legacy: list[str] = []
        for row in self._db.select_in(
            "SELECT id, title, text, published, source, authors, url, language, origin,"
            " origin_kind, record_key FROM articles WHERE collection = ? AND id",
            (collection,),
            article_ids,
        ):
            if row[2] is None:
                legacy.append(row[0])
                continue
            whole.append(
                Article(
                    id=row[0],
                    title=row[1],
                    text=row[2],
                    published=int_to_date(row[3]),
                    source=row[4],
                    authors=tuple(a for a in row[5].split("|") if a),
                    url=row[6],
                    language=row[7],
                    origin=row[8],
                    origin_kind=row[9],
                    record_key=row[10],
                )
            )
        return whole, legacy

    def published_between(self, collection: str, start: date, end: date) -> list[Article]:
        """The articles published from `start` to `end` (inclusive), whole, oldest first (a
        briefing's window); those recorded before whole texts were kept are left out."""
        with self._db.transaction() as db:
            rows = db.execute(
                "SELECT id, title, text, published, source, url, language FROM articles"
                " WHERE collection = ? AND published BETWEEN ? AND ? AND text IS NOT NULL"
                " ORDER BY published, indexed_at",
                (collection, date_to_int(start), date_to_int(end)),
            ).fetchall()
        return [
            Article(
                id=row[0],
                title=row[1],
                text=row[2],
                published=int_to_date(row[3]),
                source=row[4],
                url=row[5],
                language=row[6],
            )
            for row in rows
        ]

    def latest(self, collection: str, limit: int) -> list[StoredArticle]:
        """The newest articles by date published (undated last), then by when indexed."""
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT {STORED_COLUMNS} FROM articles WHERE collection = ?"
                " ORDER BY published DESC, indexed_at DESC LIMIT ?",
                (collection, limit),
            ).fetchall()
        return list(_stored(rows).values())

    def is_empty(self, collection: str) -> bool:
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT 1 FROM articles WHERE collection = ? LIMIT 1", (collection,)
            ).fetchone()
        return row is None

    def count_all(self) -> int:
        """Articles in every collection (0: a new data dir)."""
        with self._db.transaction() as db:
            return int(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def counts(self, collection: str) -> Counts:
        with self._db.transaction() as db:
            articles, first, last = db.execute(
                "SELECT COUNT(*), MIN(NULLIF(published, 0)), MAX(published) FROM articles"
                " WHERE collection = ?",
                (collection,),
            ).fetchone()
            (chunks,) = db.execute(
                "SELECT COUNT(*) FROM chunks WHERE collection = ?", (collection,)
            ).fetchone()
        return Counts(articles, chunks, int_to_date(first or 0), int_to_date(last or 0))

    # -- writing: each article with its passages --------------------------------------------
    def record(self, collection: str, items: Iterable[tuple[Article, list[Chunk]]]) -> None:
        """Replace each article's row and chunk rows in one transaction."""
        now = time.time()
        with self._db.transaction() as db:
            for article, chunks in items:
                db.execute(
                    "DELETE FROM chunks WHERE collection = ? AND article_id = ?",
                    (collection, article.id),
                )
                db.execute(
                    f"INSERT OR REPLACE INTO articles ({ARTICLE_COLUMNS})"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        collection,
                        article.id,
                        article.content_hash,
                        article.text_hash,
                        article.url,
                        article.title,
                        article.source,
                        date_to_int(article.published),
                        "|".join(article.authors),
                        article.origin,
                        len(chunks),
                        now,
                        article.text,
                        article.language,
                        article.origin_kind,
                        article.record_key,
                    ),
                )
                db.executemany(
                    "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?)",
                    [
                        (collection, c.id, c.article_id, c.number, c.text, c.embed_text)
                        for c in chunks
                    ],
                )

    def set_record_keys(self, collection: str, keys: Iterable[RecordKey]) -> None:
        """Record the raw-record key and place of articles found unchanged: an archive indexed
        before keys were kept, or whose reading rules have changed without changing its
        articles, is skipped unparsed from the next sync on; one moved to another file or line
        is pruned by its new place."""
        with self._db.transaction() as db:
            db.executemany(
                "UPDATE articles SET record_key = ?, origin = ? WHERE collection = ? AND id = ?",
                ((k.key, k.origin, collection, k.article_id) for k in keys),
            )

    def forget(self, collection: str, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        with self._db.transaction() as db:
            db.executemany(
                "DELETE FROM chunks WHERE collection = ? AND article_id = ?",
                [(collection, i) for i in ids],
            )
            db.executemany(
                "DELETE FROM articles WHERE collection = ? AND id = ?",
                [(collection, i) for i in ids],
            )
            db.executemany(
                "DELETE FROM vectors_pending WHERE collection = ? AND article_id = ?",
                [(collection, i) for i in ids],
            )

    def drop(self, collection: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM chunks WHERE collection = ?", (collection,))
            db.execute("DELETE FROM articles WHERE collection = ?", (collection,))
            db.execute("DELETE FROM lexical_pending WHERE collection = ?", (collection,))
            db.execute("DELETE FROM vectors_pending WHERE collection = ?", (collection,))

    def copy(self, source: str, target: str, article_ids: Iterable[str] | None = None) -> None:
        """The article and chunk rows of `source` (all, or these articles'), recorded again
        under `target`."""
        columns = ARTICLE_COLUMNS.removeprefix("collection, ")
        with self._db.transaction() as db:
            if article_ids is None:
                db.execute("DROP TABLE IF EXISTS temp.copying")
                db.execute(
                    "CREATE TEMP TABLE copying AS SELECT id FROM articles WHERE collection = ?",
                    (source,),
                )
            else:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS copying (id TEXT PRIMARY KEY)")
                db.execute("DELETE FROM temp.copying")
                db.executemany(
                    "INSERT OR IGNORE INTO temp.copying VALUES (?)", ((i,) for i in article_ids)
                )
            db.execute(
                f"INSERT OR REPLACE INTO articles ({ARTICLE_COLUMNS}) SELECT ?, {columns}"
                " FROM articles WHERE collection = ? AND id IN (SELECT id FROM temp.copying)",
                (target, source),
            )
            db.execute(
                "INSERT OR REPLACE INTO chunks SELECT ?, id, article_id, number, text,"
                " embed_text FROM chunks WHERE collection = ?"
                " AND article_id IN (SELECT id FROM temp.copying)",
                (target, source),
            )
            db.execute("DROP TABLE temp.copying")

    # -- articles a sync has yet to finish: their vectors, their words --------------------
    def _mark(self, table: str, collection: str, article_ids: Iterable[str]) -> None:
        with self._db.transaction() as db:
            db.executemany(
                f"INSERT OR IGNORE INTO {table} (collection, article_id) VALUES (?, ?)",
                [(collection, i) for i in article_ids],
            )

    def _pending(self, table: str, collection: str) -> list[str]:
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT article_id FROM {table} WHERE collection = ? ORDER BY article_id",
                (collection,),
            )
            return [row[0] for row in rows]

    def _clear(self, table: str, collection: str, article_ids: Iterable[str]) -> None:
        with self._db.transaction() as db:
            db.executemany(
                f"DELETE FROM {table} WHERE collection = ? AND article_id = ?",
                [(collection, i) for i in article_ids],
            )

    def mark_vectors_pending(self, collection: str, article_ids: Iterable[str]) -> None:
        """These recorded articles' vectors are about to be replaced."""
        self._mark("vectors_pending", collection, article_ids)

    def vectors_pending(self, collection: str) -> list[str]:
        return self._pending("vectors_pending", collection)

    def clear_vectors_pending(self, collection: str, article_ids: Iterable[str]) -> None:
        """These articles' vectors and catalog rows agree again."""
        self._clear("vectors_pending", collection, article_ids)

    def mark_lexical_pending(self, collection: str, article_ids: Iterable[str]) -> None:
        self._mark("lexical_pending", collection, article_ids)

    def lexical_pending(self, collection: str) -> list[str]:
        return self._pending("lexical_pending", collection)

    def clear_lexical_pending(
        self, collection: str, article_ids: Iterable[str] | None = None
    ) -> None:
        """These articles' words are in (all of the collection's, when None)."""
        if article_ids is None:
            with self._db.transaction() as db:
                db.execute("DELETE FROM lexical_pending WHERE collection = ?", (collection,))
            return
        self._clear("lexical_pending", collection, article_ids)

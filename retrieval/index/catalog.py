"""The index's own record of what it holds: articles, their chunks' text, and sync state.

Chroma holds the vectors; this SQLite file (under the data dir) says which article versions are
in which collection, so a sync knows what changed, and the lexical index can be rebuilt without
reading every vector back. One short-lived connection per call keeps it safe across threads.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.core.records import Article, Chunk, Passage
from retrieval.core.sqlite import migrate, statements
from retrieval.index.stories import MIGRATION as STORIES_MIGRATION

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    collection TEXT NOT NULL, id TEXT NOT NULL, content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
    published INTEGER NOT NULL, authors TEXT NOT NULL, origin TEXT NOT NULL,
    n_chunks INTEGER NOT NULL, indexed_at REAL NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS chunks (
    collection TEXT NOT NULL, id TEXT NOT NULL, article_id TEXT NOT NULL,
    number INTEGER NOT NULL, text TEXT NOT NULL, embed_text TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (collection, article_id);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS arrivals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, article_id TEXT NOT NULL, at REAL NOT NULL
);
"""
# Forward-only (retrieval/core/sqlite.py). 2: each article's whole text, language and origin
# kind, so a full re-index can rebuild every article the archive holds, whatever source it came
# from (rows of version 1 have no text: a rebuild re-embeds their stored passages as they are).
MIGRATIONS = [
    statements(SCHEMA),
    [
        "ALTER TABLE articles ADD COLUMN text TEXT",
        "ALTER TABLE articles ADD COLUMN language TEXT NOT NULL DEFAULT 'en'",
        "ALTER TABLE articles ADD COLUMN origin_kind TEXT NOT NULL DEFAULT ''",
    ],
    # 3: a feed poll looks up only the stories it brings (by id, URL or body) and /sources
    # reads the newest ten, instead of every article of the archive (4.1 s and 4.5 s at
    # 200,000 articles).
    [
        "CREATE INDEX IF NOT EXISTS articles_by_url ON articles (collection, url)",
        "CREATE INDEX IF NOT EXISTS articles_by_text ON articles (collection, text_hash)",
        "CREATE INDEX IF NOT EXISTS articles_by_date"
        " ON articles (collection, published, indexed_at)",
    ],
    # 4: the articles whose words the lexical index has not taken yet (written before the
    # catalog changes, cleared once the words are committed: a sync killed in between applies
    # them again, instead of rebuilding every word of the archive).
    [
        "CREATE TABLE IF NOT EXISTS lexical_pending (collection TEXT NOT NULL,"
        " article_id TEXT NOT NULL, PRIMARY KEY (collection, article_id)) WITHOUT ROWID",
    ],
    # 5: the key of the raw record each article was read from (`Article.record_key`), so a
    # sync of an unchanged archive skips its records without parsing them.
    ["ALTER TABLE articles ADD COLUMN record_key TEXT NOT NULL DEFAULT ''"],
    # 6: stories, the copies of one report grouped (retrieval/index/stories.py).
    STORIES_MIGRATION,
]
ARTICLE_COLUMNS = (
    "collection, id, content_hash, text_hash, url, title, source, published, authors, origin,"
    " n_chunks, indexed_at, text, language, origin_kind, record_key"
)


STORED_COLUMNS = (
    "id, content_hash, text_hash, url, title, source, published, n_chunks, indexed_at, origin,"
    " origin_kind, record_key"
)


def date_to_int(value: date | None) -> int:
    """Dates as YYYYMMDD integers, so Chroma and SQLite can filter ranges; 0 means undated."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0


def int_to_date(value: int) -> date | None:
    if not value:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


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


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        migrate(path, MIGRATIONS, what="the catalog")

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                yield db
        finally:
            db.close()

    # -- state ------------------------------------------------------------------------------
    def get_state(self, key: str, default: str | None = None) -> str | None:
        with self.connection() as db:
            row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str) -> None:
        with self.connection() as db:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    def states(self, prefix: str) -> dict[str, str]:
        """Every state entry whose key starts with `prefix`."""
        with self.connection() as db:
            rows = db.execute(
                "SELECT key, value FROM state WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
            ).fetchall()
        return dict(rows)

    def delete_state(self, key: str) -> None:
        with self.connection() as db:
            db.execute("DELETE FROM state WHERE key = ?", (key,))

    # -- arrivals: articles new to the archive, in the order they came -----------------------
    def log_arrivals(self, article_ids: Iterable[str]) -> None:
        now = time.time()
        with self.connection() as db:
            db.executemany(
                "INSERT INTO arrivals (article_id, at) VALUES (?, ?)",
                [(i, now) for i in article_ids],
            )

    def arrivals_after(self, seq: int, limit: int = 500) -> list[tuple[int, str]]:
        """(sequence number, article id) of articles that arrived after `seq`, oldest first."""
        with self.connection() as db:
            rows = db.execute(
                "SELECT seq, article_id FROM arrivals WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def last_arrival(self) -> int:
        with self.connection() as db:
            (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM arrivals").fetchone()
        return int(seq)

    # -- articles ---------------------------------------------------------------------------
    def articles(self, collection: str) -> dict[str, StoredArticle]:
        with self.connection() as db:
            rows = db.execute(
                f"SELECT {STORED_COLUMNS} FROM articles WHERE collection = ?", (collection,)
            ).fetchall()
        return _stored(rows)

    def matching(
        self, collection: str, ids: Sequence[str], urls: Sequence[str], text_hashes: Sequence[str]
    ) -> dict[str, StoredArticle]:
        """The stored articles with one of these ids, URLs or bodies: all that a sync of a few
        articles needs to know (`same_story` finds the same ones in it as in `articles`)."""
        rows: list[Any] = []
        with self.connection() as db:
            for column, values in (("id", ids), ("url", urls), ("text_hash", text_hashes)):
                wanted = sorted({v for v in values if v})
                for start in range(0, len(wanted), 500):
                    part = wanted[start : start + 500]
                    rows += db.execute(
                        f"SELECT {STORED_COLUMNS} FROM articles WHERE collection = ?"
                        f" AND {column} IN ({','.join('?' * len(part))})",
                        (collection, *part),
                    ).fetchall()
        return _stored(rows)

    def stored_articles(
        self, collection: str, article_ids: Iterable[str]
    ) -> tuple[list[Article], list[str]]:
        """These articles as they were indexed, to be indexed again; and the ids of those
        recorded before whole texts were kept (their passages can only be copied)."""
        ids = list(article_ids)
        whole: list[Article] = []
        legacy: list[str] = []
        with self.connection() as db:
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                marks = ",".join("?" * len(batch))
                for row in db.execute(
                    "SELECT id, title, text, published, source, authors, url, language, origin,"
                    " origin_kind, record_key FROM articles WHERE collection = ?"
                    f" AND id IN ({marks})",
                    (collection, *batch),
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

    def latest(self, collection: str, limit: int) -> list[StoredArticle]:
        """The newest articles by date published (undated last), then by when indexed."""
        with self.connection() as db:
            rows = db.execute(
                f"SELECT {STORED_COLUMNS} FROM articles WHERE collection = ?"
                " ORDER BY published DESC, indexed_at DESC LIMIT ?",
                (collection, limit),
            ).fetchall()
        return list(_stored(rows).values())

    def record(self, collection: str, items: Iterable[tuple[Article, list[Chunk]]]) -> None:
        """Replace each article's row and chunk rows in one transaction."""
        now = time.time()
        with self.connection() as db:
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

    def set_record_keys(self, collection: str, keys: Iterable[tuple[str, str, str]]) -> None:
        """Record the raw-record key (`Article.record_key`) and place of articles found
        unchanged, given as (id, key, origin): an archive indexed before keys were kept, or
        whose reading rules have changed without changing its articles, is skipped unparsed
        from the next sync on; one moved to another file or line is pruned by its new place."""
        with self.connection() as db:
            db.executemany(
                "UPDATE articles SET record_key = ?, origin = ? WHERE collection = ? AND id = ?",
                ((key, origin, collection, article_id) for article_id, key, origin in keys),
            )

    def forget(self, collection: str, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        with self.connection() as db:
            db.executemany(
                "DELETE FROM chunks WHERE collection = ? AND article_id = ?",
                [(collection, i) for i in ids],
            )
            db.executemany(
                "DELETE FROM articles WHERE collection = ? AND id = ?",
                [(collection, i) for i in ids],
            )

    def drop(self, collection: str) -> None:
        with self.connection() as db:
            db.execute("DELETE FROM chunks WHERE collection = ?", (collection,))
            db.execute("DELETE FROM articles WHERE collection = ?", (collection,))
            db.execute("DELETE FROM lexical_pending WHERE collection = ?", (collection,))

    # -- chunks -----------------------------------------------------------------------------
    def chunk_rows(
        self, collection: str, article_ids: Sequence[str] | None = None
    ) -> list[tuple[str, str, int, str]]:
        """(chunk id, embedded text, published YYYYMMDD, language) for every chunk (or those
        of these articles), in a stable order."""
        query = (
            "SELECT c.id, c.embed_text, a.published, a.language FROM chunks c JOIN articles a"
            " ON a.collection = c.collection AND a.id = c.article_id WHERE c.collection = ?"
        )
        if article_ids is None:
            with self.connection() as db:
                return db.execute(query + " ORDER BY c.id", (collection,)).fetchall()
        rows: list[tuple[str, str, int, str]] = []
        ids = list(article_ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            with self.connection() as db:
                # Without the index named, SQLite walks every chunk of the collection in id
                # order (5.4 s for one article at 2 million passages).
                rows += db.execute(
                    query.replace("chunks c", "chunks c INDEXED BY chunks_by_article")
                    + f" AND c.article_id IN ({marks}) ORDER BY c.id",
                    (collection, *part),
                ).fetchall()
        return rows

    def lexical_rows(
        self, collection: str, article_ids: Sequence[str] | None = None
    ) -> Iterator[tuple[str, str, str, int, str]]:
        """(chunk id, article id, embedded text, published YYYYMMDD, language) for every chunk
        (or those of these articles), streamed: a whole archive is never held at once."""
        query = (
            "SELECT c.id, c.article_id, c.embed_text, a.published, a.language FROM chunks c"
            " JOIN articles a ON a.collection = c.collection AND a.id = c.article_id"
            " WHERE c.collection = ?"
        )
        if article_ids is None:
            with self.connection() as db:
                cursor = db.execute(query + " ORDER BY c.id", (collection,))
                while rows := cursor.fetchmany(2000):
                    yield from rows
            return
        ids = list(article_ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            with self.connection() as db:
                yield from db.execute(
                    query.replace("chunks c", "chunks c INDEXED BY chunks_by_article")
                    + f" AND c.article_id IN ({marks}) ORDER BY c.id",
                    (collection, *part),
                ).fetchall()

    # -- words the lexical index has yet to take ----------------------------------------------
    def mark_lexical_pending(self, collection: str, article_ids: Iterable[str]) -> None:
        with self.connection() as db:
            db.executemany(
                "INSERT OR IGNORE INTO lexical_pending (collection, article_id) VALUES (?, ?)",
                [(collection, i) for i in article_ids],
            )

    def lexical_pending(self, collection: str) -> list[str]:
        with self.connection() as db:
            return [
                row[0]
                for row in db.execute(
                    "SELECT article_id FROM lexical_pending WHERE collection = ?"
                    " ORDER BY article_id",
                    (collection,),
                )
            ]

    def clear_lexical_pending(
        self, collection: str, article_ids: Iterable[str] | None = None
    ) -> None:
        """These articles' words are in (all of the collection's, when None)."""
        with self.connection() as db:
            if article_ids is None:
                db.execute("DELETE FROM lexical_pending WHERE collection = ?", (collection,))
                return
            db.executemany(
                "DELETE FROM lexical_pending WHERE collection = ? AND article_id = ?",
                [(collection, i) for i in article_ids],
            )

    def chunk_ids(self, collection: str, article_ids: Sequence[str]) -> list[str]:
        """The ids of these articles' chunks."""
        found: list[str] = []
        ids = list(article_ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            with self.connection() as db:
                found += [
                    row[0]
                    for row in db.execute(
                        f"SELECT id FROM chunks WHERE collection = ? AND article_id IN ({marks})",
                        (collection, *part),
                    )
                ]
        return found

    def copy_collection(
        self, source: str, target: str, article_ids: Iterable[str] | None = None
    ) -> None:
        """The article and chunk rows of `source` (all, or these articles'), recorded again
        under `target`."""
        columns = ARTICLE_COLUMNS.removeprefix("collection, ")
        with self.connection() as db:
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

    def chunk_records(self, collection: str, article_ids: list[str]) -> list[ChunkRecord]:
        """Every chunk of these articles, as stored (for re-embedding without the sources)."""
        marks = ",".join("?" * len(article_ids))
        with self.connection() as db:
            rows = db.execute(
                "SELECT c.id, c.article_id, c.number, c.text, c.embed_text, a.title, a.source,"
                " a.url, a.published FROM chunks c JOIN articles a ON a.collection = c.collection"
                f" AND a.id = c.article_id WHERE c.collection = ? AND c.article_id IN ({marks})"
                " ORDER BY c.article_id, c.number",
                (collection, *article_ids),
            ).fetchall()
        return [ChunkRecord(*row) for row in rows]

    def training_rows(self, collection: str) -> list[tuple[str, str, int, str, str]]:
        """(article id, headline, published YYYYMMDD, chunk id, passage text), each article's
        chunks in order: what adapting the model learns from."""
        with self.connection() as db:
            return db.execute(
                "SELECT a.id, a.title, a.published, c.id, c.text FROM chunks c JOIN articles a"
                " ON a.collection = c.collection AND a.id = c.article_id"
                " WHERE c.collection = ? ORDER BY a.id, c.number",
                (collection,),
            ).fetchall()

    def article_texts(self, collection: str) -> dict[str, str]:
        """Each article's headline and passage texts (overlaps repeated), by article id."""
        texts: dict[str, list[str]] = {}
        with self.connection() as db:
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

    def passages(self, collection: str, chunk_ids: list[str]) -> dict[str, Passage]:
        if not chunk_ids:
            return {}
        found: dict[str, Passage] = {}
        with self.connection() as db:
            for start in range(0, len(chunk_ids), 500):
                batch = chunk_ids[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = db.execute(
                    "SELECT c.id, c.article_id, c.text, a.title, a.source, a.published, a.url,"
                    " a.language FROM chunks c JOIN articles a ON a.collection = c.collection"
                    f" AND a.id = c.article_id WHERE c.collection = ? AND c.id IN ({marks})",
                    (collection, *batch),
                ).fetchall()
                for row in rows:
                    found[row[0]] = Passage(
                        row[0],
                        row[1],
                        row[2],
                        row[3],
                        row[4],
                        int_to_date(row[5]),
                        row[6],
                        language=row[7] or "en",
                    )
        return found

    def article_count(self) -> int:
        """Articles in every collection (0: a new data dir)."""
        with self.connection() as db:
            return int(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def counts(self, collection: str) -> tuple[int, int, date | None, date | None]:
        with self.connection() as db:
            articles, first, last = db.execute(
                "SELECT COUNT(*), MIN(NULLIF(published, 0)), MAX(published) FROM articles"
                " WHERE collection = ?",
                (collection,),
            ).fetchone()
            (chunks,) = db.execute(
                "SELECT COUNT(*) FROM chunks WHERE collection = ?", (collection,)
            ).fetchone()
        return articles, chunks, int_to_date(first or 0), int_to_date(last or 0)

"""catalog.sqlite itself: its schema and migrations, short-lived connections, and the one way to
ask for rows whose column is one of many values. The stores beside this module hold its queries,
one table each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.core.sqlite import migrate, statements, transaction
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
    # 6: the recorded articles whose vectors a sync is replacing (written before the store
    # changes, cleared once the catalog records the new version): a sync stopped in between
    # leaves the store without them while the catalog still holds the old version, and the
    # next sync embeds that version again before anything else.
    [
        "CREATE TABLE IF NOT EXISTS vectors_pending (collection TEXT NOT NULL,"
        " article_id TEXT NOT NULL, PRIMARY KEY (collection, article_id)) WITHOUT ROWID",
    ],
    # 7: stories, the copies of one report grouped (retrieval/index/stories.py).
    STORIES_MIGRATION,
]
# Values bound to one `IN (…)`: well below the 999 parameters older SQLite builds allow.
IN_BATCH = 500


def date_to_int(value: date | None) -> int:
    """Dates as YYYYMMDD integers, so Chroma and SQLite can filter ranges; 0 means undated."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0


def int_to_date(value: int) -> date | None:
    if not value:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


class CatalogDB:
    """The file, migrated once when opened. Every call takes a connection of its own, so the
    stores are safe to share across threads; the file stays in WAL mode (set by `migrate`,
    kept by backups), so readers never wait for a sync's writes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        migrate(path, MIGRATIONS, what="the catalog")

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path)

    def select_in(
        self,
        query: str,
        params: Sequence[object],
        values: Iterable[str],
        *,
        order_by: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of `query` (which ends in the column to match, as in "… AND c.id") whose
        column is one of `values`, `IN_BATCH` values a statement (ordered within each). Each
        batch is read in a connection closed before its rows are handed on, so a caller may
        take its time over a long stream."""
        wanted = sorted(set(values))
        order = f" ORDER BY {order_by}" if order_by else ""
        for start in range(0, len(wanted), IN_BATCH):
            part = wanted[start : start + IN_BATCH]
            marks = ",".join("?" * len(part))
            with self.transaction() as db:
                rows = db.execute(f"{query} IN ({marks}){order}", (*params, *part)).fetchall()
            yield from rows

"""The catalog's key-value table: which collection is active, each collection's identity, the
model in use (`IndexState` names the keys)."""

from __future__ import annotations

from retrieval.index.catalog.db import CatalogDB


class StateStore:
    def __init__(self, db: CatalogDB) -> None:
        self._db = db

    def get(self, key: str) -> str | None:
        with self._db.transaction() as db:
            row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def all(self) -> dict[str, str]:
        """Every key and value, in one read (the table holds a few keys a collection)."""
        with self._db.transaction() as db:
            return dict(db.execute("SELECT key, value FROM state").fetchall())

    def set(self, key: str, value: str) -> None:
        with self._db.transaction() as db:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    def delete(self, key: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM state WHERE key = ?", (key,))

"""The index's own record of what it holds: articles, their chunks' text, and sync state.

Chroma holds the vectors; this SQLite file (under the data dir) says which article versions are
in which collection, so a sync knows what changed, and the lexical index can be rebuilt without
reading every vector back. One store a table (`db.py` has the file, its schema and migrations);
the parts of the engine take the store they need.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.index.catalog.arrivals import ArrivalLog
from retrieval.index.catalog.articles import ArticleStore
from retrieval.index.catalog.db import CatalogDB
from retrieval.index.catalog.passages import PassageStore
from retrieval.index.catalog.state_store import StateStore


class Catalog:
    """catalog.sqlite opened (and migrated) once, and its stores over it."""

    def __init__(self, path: Path) -> None:
        db = CatalogDB(path)
        self.db = db  # for the stores kept beside the catalog's own (index/stories.py)
        self.path = path
        self.state = StateStore(db)
        self.arrivals = ArrivalLog(db)
        self.articles = ArticleStore(db)
        self.passages = PassageStore(db)

"""The arrivals log: articles new to the archive, in the order they came, for the followed
topics to match (retrieval/live/follows.py keeps its place in it)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from retrieval.index.catalog.db import CatalogDB


@dataclass(frozen=True)
class Arrival:
    seq: int  # the log's own order: a reader of it keeps the last one it took
    article_id: str


class ArrivalLog:
    def __init__(self, db: CatalogDB) -> None:
        self._db = db

    def log(self, article_ids: Iterable[str]) -> None:
        now = time.time()
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO arrivals (article_id, at) VALUES (?, ?)",
                [(i, now) for i in article_ids],
            )

    def after(self, seq: int, limit: int = 500) -> list[Arrival]:
        """The articles that arrived after `seq`, oldest first."""
        with self._db.transaction() as db:
            rows = db.execute(
                "SELECT seq, article_id FROM arrivals WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [Arrival(int(r[0]), str(r[1])) for r in rows]

    def last(self) -> int:
        """The sequence number of the latest arrival (0: none yet)."""
        with self._db.transaction() as db:
            (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM arrivals").fetchone()
        return int(seq)

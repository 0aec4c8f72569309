"""The catalog's state table behind typed accessors: one method a key family, so no other
module spells a key. Every value lives in catalog.sqlite, so a backup of that file holds it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from retrieval.index.catalog import Catalog
from retrieval.index.identity import IndexIdentity

ORIGINAL_MODEL = "original"


@dataclass(frozen=True)
class RequestState:
    """What one request reads of the state, in one connection: the collection it searches, the
    identity of that collection's vectors, the model version in use, and whether it is empty."""

    collection: str
    identity: IndexIdentity | None
    model_version: str
    empty: bool


class IndexState:
    def __init__(self, catalog: Catalog, base_collection: str) -> None:
        self.catalog = catalog
        self.base = base_collection

    # -- collections: the active one, and those a full re-index is building or retiring -----
    def active(self) -> str:
        return self._get(f"active:{self.base}") or self.base

    def set_active(self, collection: str) -> None:
        self._set(f"active:{self.base}", collection)

    def building(self) -> str | None:
        return self._get(f"building:{self.base}")

    def set_building(self, collection: str | None) -> None:
        self._put(f"building:{self.base}", collection)

    def retired(self) -> str | None:
        return self._get(f"retired:{self.base}")

    def set_retired(self, collection: str | None) -> None:
        self._put(f"retired:{self.base}", collection)

    def forget(self, collection: str) -> None:
        """Everything recorded of a dropped collection."""
        # lexical-dirty: written by newsbot before its lexical index moved to Tantivy.
        for key in (
            f"signature:{collection}",
            f"lexical-dirty:{collection}",
            f"stories:{collection}",
        ):
            self._put(key, None)

    # -- per collection ---------------------------------------------------------------------
    def identity(self, collection: str) -> IndexIdentity | None:
        text = self._get(f"signature:{collection}")
        return IndexIdentity.parse(text) if text else None

    def set_identity(self, collection: str, identity: IndexIdentity) -> None:
        self._set(f"signature:{collection}", identity.serialise())

    def identities(self) -> list[IndexIdentity]:
        """Every collection's recorded identity (which backends made this data dir's vectors)."""
        return [IndexIdentity.parse(v) for v in self.catalog.states("signature:").values()]

    def built_backends(self) -> list[str]:
        """The backend tags of every collection's vectors ("onnx-int8", "torch-fp32", …)."""
        return [identity.backend for identity in self.identities()]

    def story_grouping(self, collection: str) -> str | None:
        """How the collection's stories were grouped (`StoryConfig.identity`), once they all
        are; None before."""
        return self._get(f"stories:{collection}")

    def set_story_grouping(self, collection: str, identity: str | None) -> None:
        self._put(f"stories:{collection}", identity)

    # -- the archive ------------------------------------------------------------------------
    def last_sync(self) -> str | None:
        return self._get(f"last-sync:{self.base}")

    def touch_last_sync(self) -> None:
        self._set(f"last-sync:{self.base}", datetime.now(UTC).isoformat(timespec="seconds"))

    def auto_backend(self) -> tuple[str, str] | None:
        """(backend, precision) that `auto` chose for this data dir, once."""
        recorded = self._get("embedding-backend:auto")
        if not recorded:
            return None
        backend, _, precision = recorded.partition("|")
        return backend, precision or "float32"

    def set_auto_backend(self, backend: str, precision: str) -> None:
        self._set("embedding-backend:auto", f"{backend}|{precision}")

    def model_version(self) -> str:
        """The model version in use: "original" or "vN" (an adapted one)."""
        return self._get("model:active") or ORIGINAL_MODEL

    def set_model_version(self, name: str) -> None:
        self._set("model:active", name)

    def reader_version(self) -> str:
        """The trained reader in use ("r1", …), or "" for the hand-written sentence picker."""
        return self._get("reader:active") or ""

    def set_reader_version(self, name: str) -> None:
        self._put("reader:active", name or None)

    # -- one read for a request -------------------------------------------------------------
    def for_request(self) -> RequestState:
        with self.catalog.connection() as db:
            collection = _value(db, f"active:{self.base}") or self.base
            signature = _value(db, f"signature:{collection}")
            model = _value(db, "model:active") or ORIGINAL_MODEL
            empty = (
                db.execute(
                    "SELECT 1 FROM articles WHERE collection = ? LIMIT 1", (collection,)
                ).fetchone()
                is None
            )
        return RequestState(
            collection, IndexIdentity.parse(signature) if signature else None, model, empty
        )

    # -- the table --------------------------------------------------------------------------
    def _get(self, key: str) -> str | None:
        return self.catalog.get_state(key)

    def _set(self, key: str, value: str) -> None:
        self.catalog.set_state(key, value)

    def _put(self, key: str, value: str | None) -> None:
        if value is None:
            self.catalog.delete_state(key)
        else:
            self.catalog.set_state(key, value)


def _value(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None

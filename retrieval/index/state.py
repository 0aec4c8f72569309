"""The catalog's state table behind typed accessors: one method a key family, so no other
module spells a key. Every value lives in catalog.sqlite, so a backup of that file holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from retrieval.index.catalog.state_store import StateStore
from retrieval.index.identity import IndexIdentity

ORIGINAL_MODEL = "original"


@dataclass(frozen=True)
class RequestState:
    """What one request reads of the state, in one query (so the three agree): the collection
    it searches, the identity of that collection's vectors, and the model version in use."""

    collection: str
    identity: IndexIdentity | None
    model_version: str


class IndexState:
    def __init__(self, table: StateStore, base_collection: str) -> None:
        self._table = table
        self.base = base_collection

    # -- collections: the active one, and those a full re-index is building or retiring -----
    def active(self) -> str:
        return self._table.get(f"active:{self.base}") or self.base

    def set_active(self, collection: str) -> None:
        self._table.set(f"active:{self.base}", collection)

    def building(self) -> str | None:
        return self._table.get(f"building:{self.base}")

    def set_building(self, collection: str | None) -> None:
        self._put(f"building:{self.base}", collection)

    def retired(self) -> str | None:
        return self._table.get(f"retired:{self.base}")

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
        text = self._table.get(f"signature:{collection}")
        return IndexIdentity.parse(text) if text else None

    def set_identity(self, collection: str, identity: IndexIdentity) -> None:
        self._table.set(f"signature:{collection}", identity.serialise())

    def identities(self) -> list[IndexIdentity]:
        """Every collection's recorded identity (which backends made this data dir's vectors)."""
        return [
            IndexIdentity.parse(value)
            for key, value in self._table.all().items()
            if key.startswith("signature:")
        ]

    def built_backends(self) -> list[str]:
        """The backend tags of every collection's vectors ("onnx-int8", "torch-fp32", …)."""
        return [identity.backend for identity in self.identities()]

    def story_grouping(self, collection: str) -> str | None:
        """How the collection's stories were grouped (`StoryConfig.identity`), once they all
        are; None before."""
        return self._table.get(f"stories:{collection}")

    def set_story_grouping(self, collection: str, identity: str | None) -> None:
        self._put(f"stories:{collection}", identity)

    # -- the archive ------------------------------------------------------------------------
    def last_sync(self) -> str | None:
        return self._table.get(f"last-sync:{self.base}")

    def touch_last_sync(self) -> None:
        self._table.set(f"last-sync:{self.base}", datetime.now(UTC).isoformat(timespec="seconds"))

    def auto_backend(self) -> tuple[str, str] | None:
        """(backend, precision) that `auto` chose for this data dir, once."""
        recorded = self._table.get("embedding-backend:auto")
        if not recorded:
            return None
        backend, _, precision = recorded.partition("|")
        return backend, precision or "float32"

    def set_auto_backend(self, backend: str, precision: str) -> None:
        self._table.set("embedding-backend:auto", f"{backend}|{precision}")

    def model_version(self) -> str:
        """The model version in use: "original" or "vN" (an adapted one)."""
        return self._table.get("model:active") or ORIGINAL_MODEL

    def set_model_version(self, name: str) -> None:
        self._table.set("model:active", name)

    def reader_version(self) -> str:
        """The trained reader in use ("r1", …), or "" for the hand-written sentence picker."""
        return self._table.get("reader:active") or ""

    def set_reader_version(self, name: str) -> None:
        self._put("reader:active", name or None)

    # -- one read for a request -------------------------------------------------------------
    def for_request(self) -> RequestState:
        values = self._table.all()
        collection = values.get(f"active:{self.base}") or self.base
        signature = values.get(f"signature:{collection}")
        return RequestState(
            collection,
            IndexIdentity.parse(signature) if signature else None,
            values.get("model:active") or ORIGINAL_MODEL,
        )

    # -- the table --------------------------------------------------------------------------
    def _put(self, key: str, value: str | None) -> None:
        if value is None:
            self._table.delete(key)
        else:
            self._table.set(key, value)

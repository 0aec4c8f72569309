"""The unit tier: engines keep their vectors in memory (tests/fakes/memory_store.py), one store a
data dir for the length of a test, so a test that builds an engine again on its data dir (a
restart) finds what it wrote. Chroma, embedded and as a server, is tested in
tests/integration/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import retrieval.engine
from tests.fakes.memory_store import MemoryStore, MemoryStores


@pytest.fixture(autouse=True)
def memory_vectors(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryStores]:
    stores = MemoryStores()

    def store(*, path: Path | None = None, host: str = "", **_: Any) -> MemoryStore:
        if host or path is None:
            raise AssertionError("a unit test asked for a Chroma server: it belongs in integration")
        return stores.at(path.parent)  # path is DATA_DIR/chroma

    monkeypatch.setattr(retrieval.engine, "ChromaStore", store)
    yield stores

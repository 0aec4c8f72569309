"""SQLite helpers: one short-lived connection per call (safe across threads, committed on
success), and forward-only schema migrations recorded in `PRAGMA user_version`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from retrieval.core.errors import ConfigError

# One step takes a file from version i to i + 1; step 0 creates the tables (IF NOT EXISTS, so a
# file made before versions were recorded, which is at version 0 with its tables, passes it).
Migration = Sequence[str]


@contextmanager
def transaction(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=30)
    try:
        with db:
            yield db
    finally:
        db.close()


def statements(script: str) -> list[str]:
    """The statements of a schema script (none of ours has a `;` inside a literal)."""
    return [part.strip() for part in script.split(";") if part.strip()]


def migrate(path: Path, steps: Sequence[Migration], *, what: str) -> int:
    """Bring the file at `path` to `len(steps)`, all remaining steps in one transaction (a
    failure leaves it as it was). A file from a newer release is refused: its tables may mean
    something this code does not know. Returns the version the file had."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("BEGIN IMMEDIATE")  # two processes starting at once migrate one after the other
        try:
            found = int(db.execute("PRAGMA user_version").fetchone()[0])
            if found > len(steps):
                raise ConfigError(
                    f"{path} ({what}) was written by a newer newsbot (schema version {found}; "
                    f"this version knows up to {len(steps)}): upgrade newsbot, or restore a "
                    "backup made by this version"
                )
            for step in steps[found:]:
                for statement in step:
                    db.execute(statement)
            if found < len(steps):
                db.execute(f"PRAGMA user_version = {len(steps)}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return found
    finally:
        db.close()

"""A data dir made by an earlier release opens, migrates forward and answers; one made by a
newer release is refused with a clear message and left as it was."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from retrieval.core.errors import ConfigError
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from tests.conftest import ROOT, SAMPLE_TODAY, make_settings

FIXTURE = ROOT / "tests" / "fixtures" / "datadir-0.1.0"
FILES = {"catalog.sqlite": 7, "feeds.sqlite": 1, "bot.sqlite": 1, "follows.sqlite": 1}


def version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def open_copy(tmp_path: Path) -> tuple[Engine, Path]:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    assert {name: version(data / name) for name in FILES} == dict.fromkeys(FILES, 0)
    engine = build_engine(make_settings(data), embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
    return engine, data


def test_a_data_dir_of_release_0_1_migrates_and_answers(tmp_path: Path) -> None:
    engine, data = open_copy(tmp_path)
    assert {name: version(data / name) for name in FILES} == FILES
    # Its bm25s words are gone; Tantivy's were written from the catalog when it opened.
    assert sorted(p.name for p in (data / "lexical").iterdir()) == ["tantivy"]
    assert engine.lexical.exists(engine.collections.active)
    answer = engine.services.qa.answer(
        "Who won the contract to build the first section of the tram extension?"
    )
    assert not answer.refused and "Stellan Bau" in answer.text
    services = engine.services
    assert services.feedback.counts() == (1, 1, 0)
    assert [t.words for t in services.follows.topics(2)] == ["tram extension"]
    assert [f.url for f in services.feeds.all()] == ["http://127.0.0.1:9/feed.xml"]
    # Its rows have no whole text: a full re-index keeps them, from their stored passages.
    report = services.index.sync([], full=True)
    assert report.kept == 13 and services.index.stats().articles == 13
    assert "Stellan Bau" in engine.services.qa.answer("Who won the tram extension contract?").text
    # Opening it again migrates nothing more.
    again = build_engine(make_settings(data), embedder=HashEmbedder())
    assert again.services.index.stats().articles == 13


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_data_dir_of_a_newer_release_is_refused_and_left_alone(tmp_path: Path, name: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    build_engine(make_settings(data), embedder=HashEmbedder())  # today's versions
    with sqlite3.connect(data / name) as db:
        db.execute("PRAGMA user_version = 99")
    before = {p.name: p.read_bytes() for p in data.glob("*.sqlite")}
    with pytest.raises(ConfigError, match=r"written by a newer newsbot \(schema version 99"):
        build_engine(make_settings(data), embedder=HashEmbedder())
    assert {p.name: p.read_bytes() for p in data.glob("*.sqlite")} == before


def test_a_failed_migration_changes_nothing(tmp_path: Path) -> None:
    """Every step of a file's migration runs in one transaction."""
    from retrieval.core.sqlite import migrate

    path = tmp_path / "x.sqlite"
    migrate(path, [["CREATE TABLE t (a INTEGER)"]], what="a test file")
    with pytest.raises(sqlite3.OperationalError):
        migrate(
            path,
            [["CREATE TABLE t (a INTEGER)"], ["ALTER TABLE t ADD COLUMN b", "BOGUS"]],
            what="a test file",
        )
    assert version(path) == 1
    with sqlite3.connect(path) as db:
        assert [r[1] for r in db.execute("PRAGMA table_info(t)")] == ["a"]

"""A full re-index rebuilds the archive, not the folder: articles from feeds, page URLs and
other paths survive `--full`, `--prune` and a model switch, and stay answerable."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.core.errors import ConfigError
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.fakes.feed_server import FeedItem, FeedServer

FERRY = (
    "The Tarnholm ferry operator published its winter timetable on Monday. Crossings to the "
    "outer islands will run twice a day until March. The operator said the flagship Vesta "
    "would be refitted in the Ostrava yard. "
)
MUSEUM = (
    "The Lindqvist maritime museum reopened on Saturday after a two-year renovation. Curator "
    "Annika Bergholm said 14,000 visitors came in the first week. "
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    fake = FeedServer()
    fake.start()
    yield fake
    fake.stop()


def engine_at(data: Path, embedder: HashEmbedder | None = None) -> Engine:
    return build_engine(
        make_settings(data, fetch_allow_private=True),
        embedder=embedder or HashEmbedder(),
        today=lambda: SAMPLE_TODAY,
    )


def archive(tmp_path: Path, server: FeedServer) -> tuple[Engine, Path, list[str], str]:
    """The 30 sample articles from a folder, 3 stories from a feed, 1 page ingested by URL."""
    folder = tmp_path / "archive"
    shutil.copytree(SAMPLES, folder)
    engine = engine_at(tmp_path / "data")
    engine.services.index.sync([folder])
    items = [
        FeedItem(
            f"http://example.org/ferry-{n}",
            f"Ferry winter timetable part {n}",
            FERRY + f"Part {n} lists the Sunday crossings. " * 3,
        )
        for n in (1, 2, 3)
    ]
    feed = engine.services.feeds.add(server.feed("/ferry.rss", "Island Post", items), 1800)
    feed_ids = engine.services.feeds.poll(feed).added_ids
    assert len(feed_ids) == 3
    page = server.page("/museum", "Maritime museum reopens", [MUSEUM * 2])
    assert engine.services.index.sync([page]).added == 1
    assert engine.services.index.stats().articles == 34
    return engine, folder, feed_ids, page


def cited_urls(engine: Engine, question: str) -> set[str]:
    answer = engine.services.qa.answer(question)
    return {c.url for c in answer.citations}


def assert_answerable(engine: Engine, page: str) -> None:
    assert any(
        "ferry" in url for url in cited_urls(engine, "What is in the ferry winter timetable?")
    )
    assert page in cited_urls(engine, "When did the Lindqvist maritime museum reopen?")


def test_full_reindex_keeps_feed_and_url_articles(tmp_path: Path, server: FeedServer) -> None:
    engine, folder, feed_ids, page = archive(tmp_path, server)
    old, arrived = engine.collections.active, engine.catalog.arrivals.last()
    report = engine.services.index.sync([folder], full=True)
    assert engine.collections.active != old
    assert (report.added, report.updated, report.unchanged, report.deleted) == (0, 0, 30, 0)
    assert report.kept == 4 and "4 kept from the archive" in report.summary()
    assert engine.services.index.stats().articles == 34
    stored = engine.catalog.articles.in_collection(engine.collections.active)
    assert {stored[i].origin_kind for i in feed_ids} == {"feed"}
    assert {a.origin_kind for a in stored.values() if a.url == page} == {"url"}
    assert sum(a.origin_kind == "file" for a in stored.values()) == 30
    assert_answerable(engine, page)
    # Nothing arrived: followers are not pushed the kept articles again.
    assert engine.catalog.arrivals.last() == arrived


def test_a_changed_source_wins_and_a_new_one_arrives(tmp_path: Path, server: FeedServer) -> None:
    engine, folder, _, page = archive(tmp_path, server)
    target = next(folder.glob("text/*.txt"))
    target.write_text(target.read_text() + "\n\nA late paragraph about the Quillon estuary.\n")
    (folder / "text" / "new.txt").write_text(
        "date 2025-06-18 By Northline News\n\nNew bridge opens\n\nThe Brannock bridge opened.\n"
    )
    report = engine.services.index.sync([folder], full=True)
    assert (report.added, report.updated, report.unchanged, report.kept) == (1, 1, 29, 4)
    assert engine.catalog.arrivals.after(0)[-1].article_id == report.added_ids[0]
    answer = engine.services.qa.answer("What about the Quillon estuary?")
    assert "Quillon" in answer.citations[0].quote
    assert_answerable(engine, page)


def test_prune_deletes_only_vanished_articles_of_the_given_sources(
    tmp_path: Path, server: FeedServer
) -> None:
    engine, folder, feed_ids, page = archive(tmp_path, server)
    gone = sorted(folder.glob("text/*.txt"))[:2]
    for path in gone:
        path.unlink()
    incremental = engine.services.index.sync([folder], prune=True)
    assert incremental.deleted == 2 and engine.services.index.stats().articles == 32
    assert_answerable(engine, page)
    # --full without --prune keeps what a source no longer holds; with it, only that goes.
    next(folder.glob("markdown/*.md")).unlink()
    kept = engine.services.index.sync([folder], full=True)
    assert kept.deleted == 0 and kept.kept == 5 and engine.services.index.stats().articles == 32
    pruned = engine.services.index.sync([folder], full=True, prune=True)
    assert pruned.deleted == 1 and pruned.kept == 4 and engine.services.index.stats().articles == 31
    stored = engine.catalog.articles.in_collection(engine.collections.active)
    assert set(feed_ids) <= set(stored)
    assert_answerable(engine, page)
    # Pruning the feed's own source removes its vanished entries, and nothing else.
    server.feed("/ferry.rss", "Island Post", [])
    feed_url = server.url("/ferry.rss")
    assert engine.services.index.sync([feed_url], prune=True).deleted == 3
    assert engine.services.index.stats().articles == 28


def test_model_switch_keeps_every_article(tmp_path: Path, server: FeedServer) -> None:
    _, folder, feed_ids, page = archive(tmp_path, server)
    # Another model: questions are refused until a full re-index of the folder alone...
    switched = engine_at(tmp_path / "data", HashEmbedder(dim=256))
    with pytest.raises(ConfigError, match="ingest --full"):
        switched.services.qa.answer("What is in the ferry winter timetable?")
    report = switched.services.index.sync([folder], full=True)
    assert report.kept == 4 and switched.services.index.stats().articles == 34
    assert_answerable(switched, page)
    # ... and a re-embed (newsbot model use) carries everything too.
    switched.reembedder.reembed(HashEmbedder(dim=128))
    assert switched.services.index.stats().articles == 34
    assert set(feed_ids) <= set(
        switched.catalog.articles.in_collection(switched.collections.active)
    )
    assert_answerable(switched, page)


def test_rows_from_before_whole_texts_were_kept_are_carried_as_passages(
    tmp_path: Path, server: FeedServer
) -> None:
    engine, folder, feed_ids, page = archive(tmp_path, server)
    collection = engine.collections.active
    with sqlite3.connect(engine.catalog.path) as db:  # as a catalog of schema version 1 has them
        db.execute("UPDATE articles SET text = NULL WHERE collection = ?", (collection,))
    before = {
        row.chunk_id: row.embed_text
        for row in engine.catalog.passages.chunk_rows(collection)
        if row.chunk_id[:-5] in feed_ids
    }
    engine.services.index.sync([folder], full=True)
    after = engine.collections.active
    assert engine.services.index.stats().articles == 34
    assert {
        row.chunk_id: row.embed_text
        for row in engine.catalog.passages.chunk_rows(after)
        if row.chunk_id in before
    } == before
    assert_answerable(engine, page)


def test_a_moved_folder_is_the_same_archive_not_a_second_copy(
    tmp_path: Path, server: FeedServer
) -> None:
    """Files without a URL get their id from where they were read: moved elsewhere, they are
    recognised by their body, indexed once, and the full re-index of the new place replaces
    the old rows instead of keeping both."""
    engine, folder, _, _ = archive(tmp_path, server)
    moved = tmp_path / "moved"
    folder.rename(moved)
    incremental = engine.services.index.sync([moved])
    assert incremental.added == 0 and engine.services.index.stats().articles == 34
    assert {r for _, r in incremental.skipped if r.startswith("duplicate of")} and all(
        r.startswith("duplicate of") for _, r in incremental.skipped
    )
    arrived = engine.catalog.arrivals.last()
    full = engine.services.index.sync([moved], full=True)
    assert (full.added, full.unchanged, full.kept) == (0, 30, 4)
    assert (
        engine.services.index.stats().articles == 34 and engine.catalog.arrivals.last() == arrived
    )
    stored = engine.catalog.articles.in_collection(engine.collections.active)
    assert all(a.origin.startswith(str(moved)) for a in stored.values() if a.origin_kind == "file")


def test_a_full_reindex_cuts_the_boilerplate_stored_before_ingest_cut_it(
    tmp_path: Path, server: FeedServer
) -> None:
    """An article indexed before 0.2 kept its byline and promotion lines in the catalog; a
    full re-index rebuilds it from that stored text as ingest reads text now."""
    engine, _, feed_ids, _ = archive(tmp_path, server)
    byline, promo = "By Jane Halvorsen, USA TODAY", "USA TODAY ON TELEGRAM: Join our channel."
    catalog = tmp_path / "data" / "catalog.sqlite"
    with sqlite3.connect(catalog) as db:
        db.execute(
            "UPDATE articles SET text = ? || char(10) || char(10) || text || char(10) || "
            "char(10) || ? WHERE id = ?",
            (byline, promo, feed_ids[0]),
        )
    engine.services.index.sync([], full=True)
    with sqlite3.connect(catalog) as db:
        [text] = db.execute(
            "SELECT text FROM articles WHERE id = ? AND collection = ?",
            (feed_ids[0], engine.collections.active),
        ).fetchone()
    assert byline not in text and promo not in text
    assert FERRY.split(". ")[0] in text

"""The lexical index in Tantivy: a sync that adds, changes or deletes a few articles writes
only their words (no rebuild), finds what a full build of the same passages finds, survives a
restart and another process's writes, and a sync killed before its words are committed leaves
them pending for the next one."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.evaluation import load_questions
from retrieval.index.lexical import LexicalRow, TantivyIndex
from tests.conftest import SAMPLE_QUESTIONS, SAMPLE_TODAY, SAMPLES, make_settings

QUERIES = [q.question for q in load_questions(SAMPLE_QUESTIONS)]
LIGHTHOUSE = (
    "date 2025-06-19 By Saltmere Courier\n\nLighthouse keeper retires\n\n"
    "Marit Solberg, the last keeper of the Grenvik lighthouse, retired on Thursday after "
    "41 years at the light.\n"
)


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[LexicalRow]:
    """The sample archive's passages, as the catalog gives them to the lexical index."""
    engine = build_engine(make_settings(tmp_path_factory.mktemp("rows")), embedder=HashEmbedder())
    engine.services.index.sync([SAMPLES])
    return list(engine.catalog.passages.lexical_rows(engine.collections.active))


def segment_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def test_an_added_article_scores_as_in_a_full_build(rows: list[LexicalRow], tmp_path: Path) -> None:
    """Words written for an article a sync added: every query finds what a full build of the
    same passages finds, with the same scores to float precision."""
    last = max(r.article_id for r in rows)
    written = TantivyIndex(tmp_path / "written")
    written.build("news", [r for r in rows if r.article_id != last])
    written.write("news", [last], [r for r in rows if r.article_id == last])
    full = TantivyIndex(tmp_path / "full")
    full.build("news", rows)
    assert written.snapshot("news").live_ids() == {r.chunk_id for r in rows}
    for query in QUERIES:
        got, want = written.search("news", query, 10), full.search("news", query, 10)
        assert [round(s, 4) for _, s in got] == [round(s, 4) for _, s in want], query
        assert {i for i, _ in got if dict(got)[i] > want[-1][1]} <= {i for i, _ in want}


def test_changed_and_deleted_articles_rank_as_in_a_full_build(
    rows: list[LexicalRow], tmp_path: Path
) -> None:
    """One article changed and one deleted by a write: the old words are never found again and
    every query ranks the same passage first as a full build does. Below the first, places can
    differ until a merge: Tantivy counts a deleted passage in its statistics until then, which
    in this 70-passage archive moves a rare word's idf by up to 9 % and swaps a third and a
    fourth passage; in an archive of thousands it does not (the bot's recall over the dev
    questions is measured in BENCHMARKS.md, "The lexical index in Tantivy")."""
    articles = sorted({r.article_id for r in rows})
    changed, gone = articles[3], articles[7]
    edited = [
        r._replace(embed_text=r.embed_text + " Kelby Rovers appointed a new goalkeeping coach.")
        for r in rows
        if r.article_id == changed
    ]
    final = sorted([r for r in rows if r.article_id not in (changed, gone)] + edited)
    written = TantivyIndex(tmp_path / "written")
    written.build("news", rows)
    written.write("news", [changed, gone], edited)
    full = TantivyIndex(tmp_path / "full")
    full.build("news", final)
    assert written.snapshot("news").live_ids() == {r.chunk_id for r in final}
    for query in QUERIES:
        got, want = written.search("news", query, 3), full.search("news", query, 3)
        assert got[0][0] == want[0][0], query
    hits = written.search("news", "goalkeeping coach Kelby Rovers", 3)
    assert hits and hits[0][0].rsplit(":", 1)[0] == changed
    assert not [i for q in QUERIES for i, _ in written.search("news", q, 100) if gone in i]


def test_a_write_done_twice_changes_nothing(rows: list[LexicalRow], tmp_path: Path) -> None:
    """What the next sync does after a kill between the words' commit and the catalog's record
    of it: the same write again."""
    index = TantivyIndex(tmp_path)
    index.build("news", rows[:-3])
    last = [r for r in rows[-3:]]
    ids = sorted({r.article_id for r in last})
    index.write("news", ids, last)
    once = index.search("news", QUERIES[0], 10)
    index.write("news", ids, last)
    assert index.snapshot("news").live_ids() == {r.chunk_id for r in rows}
    assert index.search("news", QUERIES[0], 10) == once


def test_the_words_survive_a_restart_and_another_processs_writes_are_seen(
    rows: list[LexicalRow], tmp_path: Path
) -> None:
    index = TantivyIndex(tmp_path)
    index.build("news", rows[:-3])
    reader = TantivyIndex(tmp_path)  # another process, or after a restart
    assert reader.snapshot("news").live_ids() == {r.chunk_id for r in rows[:-3]}
    seen = threading.Event()
    index.write("news", sorted({r.article_id for r in rows[-3:]}), rows[-3:])
    # Tantivy's watcher reloads the other index when meta.json changes (about half a second);
    # waited for as an event with a generous deadline, not slept for.
    deadline = threading.Timer(30.0, seen.set)
    deadline.start()
    try:
        while not seen.is_set():
            if reader.snapshot("news").live_ids() == {r.chunk_id for r in rows}:
                seen.set()
                break
            seen.wait(0.05)
    finally:
        deadline.cancel()
    assert reader.snapshot("news").live_ids() == {r.chunk_id for r in rows}


def test_dates_filter_and_scores_of_chosen_chunks(rows: list[LexicalRow], tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path)
    index.build("news", rows)
    query = QUERIES[0]
    every = index.search("news", query, 20)
    days = {r.chunk_id: r.published for r in rows}
    cut = sorted(days[i] for i, _ in every)[len(every) // 2]
    late = index.search("news", query, 20, date_from=cut)
    early = index.search("news", query, 20, date_to=cut - 1)
    assert late and all(days[i] >= cut for i, _ in late)
    assert all(days[i] < cut for i, _ in early)
    assert {i for i, _ in late} | {i for i, _ in early} == {i for i, _ in every}
    chosen = [i for i, _ in every[3:6]] + ["no-such-chunk"]
    scores, best = index.snapshot("news").scores(query, chosen)
    assert scores == {i: s for i, s in every[3:6]}
    assert best == every[0][1]
    assert index.search("news", "the and of", 5) == []  # stop words only: nothing to ask


def engine_on(data: Path) -> Engine:
    settings = make_settings(data).model_copy(update={"ingest_dir": data.parent / "ingest"})
    return build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)


def test_a_one_article_sync_writes_its_words_without_a_rebuild(tmp_path: Path) -> None:
    ingest = tmp_path / "ingest"
    shutil.copytree(SAMPLES, ingest)
    engine = engine_on(tmp_path / "data")
    engine.services.index.sync([ingest])
    collection = engine.collections.active
    assert isinstance(engine.lexical, TantivyIndex)
    folder = engine.lexical.root / collection
    before = segment_files(folder)
    (ingest / "text" / "lighthouse.txt").write_text(LIGHTHOUSE)
    report = engine.services.index.sync([ingest])
    assert report.added == 1
    after = segment_files(folder)
    assert after - before and before & after  # a new segment beside the old ones: no rebuild
    hits = engine.lexical.search(collection, "Grenvik lighthouse keeper", 3)
    assert hits and hits[0][0].startswith(report.added_ids[0])
    # Deleting it takes it out of BM25 too, still without a full build.
    assert engine.services.index.delete(report.added_ids[0]) is not None
    assert not engine.lexical.search(collection, "Grenvik lighthouse keeper", 3)
    assert engine.catalog.articles.lexical_pending(collection) == []
    # A fresh process sees the same.
    assert not engine_on(tmp_path / "data").lexical.search(collection, "Grenvik", 3)


def test_a_sync_killed_before_its_words_leaves_them_pending(tmp_path: Path) -> None:
    """The words are written after the vectors and the catalog: a sync that dies between
    leaves its articles marked in the catalog, and the next engine to open writes them (no
    rebuild of the rest)."""
    ingest = tmp_path / "ingest"
    shutil.copytree(SAMPLES, ingest)
    engine = engine_on(tmp_path / "data")
    engine.services.index.sync([ingest])
    collection = engine.collections.active
    (ingest / "text" / "lighthouse.txt").write_text(LIGHTHOUSE)

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as a kill between the catalog's commit and the words'

    engine.lexical.write = killed  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        engine.services.index.sync([ingest])
    pending = engine.catalog.articles.lexical_pending(collection)
    assert len(pending) == 1
    assert not engine_on(tmp_path / "data").catalog.articles.lexical_pending(collection)
    reopened = engine_on(tmp_path / "data")
    hits = reopened.lexical.search(collection, "Grenvik lighthouse keeper", 3)
    assert hits and hits[0][0].startswith(pending[0])

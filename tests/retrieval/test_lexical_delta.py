"""The BM25 delta: a sync that adds, changes or deletes a few articles updates a small segment
instead of rebuilding the whole index, finds what a full rebuild finds (within a stated
tolerance), survives a restart, and is folded into a full build when it grows."""

from __future__ import annotations

from pathlib import Path

import pytest

import retrieval.index.lexical_delta as lexical_delta
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.evaluation import load_questions
from retrieval.index.lexical import LexicalIndex
from tests.conftest import SAMPLE_QUESTIONS, SAMPLE_TODAY, SAMPLES, make_settings

pytestmark = pytest.mark.unit

QUERIES = [q.question for q in load_questions(SAMPLE_QUESTIONS)]


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, int]]:
    """The sample archive's passages, as the catalog gives them to the lexical index."""
    engine = build_engine(make_settings(tmp_path_factory.mktemp("rows")), embedder=HashEmbedder())
    engine.services.index.sync([SAMPLES])
    return engine.catalog.chunk_rows(engine.collections.active)


def article_of(chunk_id: str) -> str:
    return chunk_id.rsplit(":", 1)[0]


def test_a_delta_finds_what_a_full_rebuild_finds(
    rows: list[tuple[str, str, int]], tmp_path: Path
) -> None:
    """One article added, one passage changed in place, one removed: against a full rebuild of
    the same passages, every query's top 10 has the same scores, to float precision, for the
    same passages (passages with exactly equal scores may trade places at the cut)."""
    last = article_of(rows[-1][0])
    base = [r for r in rows if article_of(r[0]) != last]
    added = [r for r in rows if article_of(r[0]) == last]
    changed = (
        base[3][0],
        base[3][1] + " Kelby Rovers appointed a new goalkeeping coach.",
        base[3][2],
    )
    removed = base[7][0]
    final = sorted([r for r in base if r[0] not in (changed[0], removed)] + [changed] + added)

    incremental = LexicalIndex(tmp_path / "inc")
    incremental.build("news", base)
    build_id = (tmp_path / "inc" / "news" / "build").read_text()
    assert not incremental.update("news", added, [])
    assert not incremental.update("news", [changed], [removed])
    assert (tmp_path / "inc" / "news" / "build").read_text() == build_id  # no rebuild
    full = LexicalIndex(tmp_path / "full")
    full.build("news", final)

    assert incremental.snapshot("news").live_ids() == {r[0] for r in final}
    worst = 0.0
    for query in [*QUERIES, "goalkeeping coach", "Kelby Rovers"]:
        got = incremental.search("news", query, 10)
        want = full.search("news", query, 50)
        assert [round(s, 4) for _, s in got] == [round(s, 4) for _, s in want[:10]], query
        scores = dict(want)
        for chunk_id, score in got:
            worst = max(worst, abs(score - scores[chunk_id]) / scores[chunk_id])
    assert worst < 1e-5, worst
    assert removed not in {i for q in QUERIES for i, _ in incremental.search("news", q, 50)}


def test_the_delta_survives_a_restart_and_is_folded_in_when_it_grows(
    rows: list[tuple[str, str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = LexicalIndex(tmp_path)
    index.build("news", rows[:-3])
    index.update("news", rows[-3:], [])
    reopened = LexicalIndex(tmp_path)  # another process, or after a restart
    assert reopened.snapshot("news").live_ids() == {r[0] for r in rows}
    monkeypatch.setattr(lexical_delta, "MERGE_AT_MIN", 0)
    monkeypatch.setattr(lexical_delta, "MERGE_AT_SHARE", 0.0)
    assert reopened.update("news", [], [rows[0][0]])  # the caller folds it in


def engine_on(data: Path) -> Engine:
    settings = make_settings(data).model_copy(update={"ingest_dir": data.parent / "ingest"})
    return build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)


def test_a_one_article_sync_updates_the_delta_not_the_build(tmp_path: Path) -> None:
    import shutil

    ingest = tmp_path / "ingest"
    shutil.copytree(SAMPLES, ingest)
    engine = engine_on(tmp_path / "data")
    engine.services.index.sync([ingest])
    collection = engine.collections.active
    build = tmp_path / "data" / "lexical" / collection / "build"
    before = build.read_text()
    (ingest / "text" / "lighthouse.txt").write_text(
        "date 2025-06-19 By Saltmere Courier\n\nLighthouse keeper retires\n\n"
        "Marit Solberg, the last keeper of the Grenvik lighthouse, retired on Thursday after "
        "41 years at the light.\n"
    )
    report = engine.services.index.sync([ingest])
    assert report.added == 1
    assert build.read_text() == before  # the full build was not redone
    hits = engine.lexical.search(collection, "Grenvik lighthouse keeper", 3)
    assert hits and hits[0][0].startswith(report.added_ids[0])
    # Deleting it takes it out of BM25 too, still without a full build.
    assert engine.services.index.delete(report.added_ids[0]) is not None
    assert build.read_text() == before
    assert not engine.lexical.search(collection, "Grenvik lighthouse keeper", 3)
    # A fresh process sees the same.
    assert not engine_on(tmp_path / "data").lexical.search(collection, "Grenvik", 3)


def test_a_delta_write_killed_before_its_rename_is_swept(
    rows: list[tuple[str, str, int]], tmp_path: Path
) -> None:
    index = LexicalIndex(tmp_path)
    index.build("news", rows[:-3])
    index.update("news", rows[-3:], [])
    (tmp_path / ".news.delta.json.tmp").write_text('{"base": "half written')
    assert index.sweep() == [".news.delta.json.tmp"]
    assert LexicalIndex(tmp_path).snapshot("news").live_ids() == {r[0] for r in rows}

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval.core.errors import IndexBusyError
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from tests.conftest import SAMPLE_TODAY, make_settings


def write_articles(folder: Path, count: int, *, words: int = 80, tag: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = " ".join(f"Story {i} sentence {j} about topic{i}{tag}." for j in range(words))
        (folder / f"a{i:02d}.txt").write_text(
            f"date 2025-01-{i % 28 + 1:02d} By Paper\n\nHeadline {i}\n\n{body}\n", encoding="utf-8"
        )


def vector_ids(services: Engine) -> set[str]:
    return services.store.ids(services.collections.active)  # type: ignore[attr-defined, no-any-return]


def catalog_ids(services: Engine) -> set[str]:
    return {
        row.chunk_id for row in services.catalog.passages.chunk_rows(services.collections.active)
    }


def test_sync_add_rerun_change_delete(hash_engine: Engine, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_articles(src, 5)
    first = hash_engine.services.index.sync([src])
    assert (first.added, first.updated, first.unchanged, first.deleted) == (5, 0, 0, 0)
    assert first.chunks > 5  # several chunks an article
    ids = vector_ids(hash_engine)
    assert ids == catalog_ids(hash_engine) and len(ids) == first.chunks

    again = hash_engine.services.index.sync([src])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 5, 0)
    assert vector_ids(hash_engine) == ids

    # Change one article to a much shorter one: its surplus chunks must disappear.
    (src / "a01.txt").write_text("date 2025-01-02 By Paper\n\nHeadline 1\n\nNow short. Really.\n")
    changed = hash_engine.services.index.sync([src])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 4)
    assert vector_ids(hash_engine) == catalog_ids(hash_engine)
    assert len(vector_ids(hash_engine)) < len(ids)

    (src / "a02.txt").unlink()
    kept = hash_engine.services.index.sync([src])
    assert kept.deleted == 0 and hash_engine.services.index.stats().articles == 5  # no prune: kept
    pruned = hash_engine.services.index.sync([src], prune=True)
    assert pruned.deleted == 1 and hash_engine.services.index.stats().articles == 4
    assert vector_ids(hash_engine) == catalog_ids(hash_engine)
    removed = {a.id for a in hash_engine.services.index.latest(10)}
    assert len(removed) == 4
    assert {i.split(":")[0] for i in vector_ids(hash_engine)} == removed


def test_duplicates_are_indexed_once(hash_engine: Engine, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_articles(src, 2)
    (src / "copy.txt").write_text((src / "a00.txt").read_text())
    records = [
        {"title": "A", "text": "Same url text one.", "url": "https://e.org/1"},
        {"title": "B", "text": "Other text two.", "url": "https://e.org/1"},
    ]
    (src / "x.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    report = hash_engine.services.index.sync([src])
    assert report.added == 3
    reasons = [reason for _, reason in report.skipped]
    assert len(reasons) == 2 and all(r.startswith("duplicate of") for r in reasons)


class FailingEmbedder(HashEmbedder):
    """Dies on the n-th embedding call, like a process killed half-way."""

    def __init__(self, fail_on_call: int) -> None:
        super().__init__()
        self.calls = 0
        self.fail_on_call = fail_on_call

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise KeyboardInterrupt("killed")
        return super().embed_documents(texts)


def test_interrupted_sync_converges_without_duplicates(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_articles(src, 12, words=200)  # several embedding batches
    settings = make_settings(tmp_path / "data")
    broken = build_engine(settings, embedder=FailingEmbedder(fail_on_call=3))
    broken.writer.embed_batch = 20  # several embedding batches
    with pytest.raises(KeyboardInterrupt):
        broken.services.index.sync([src])
    partial = broken.services.index.stats().articles
    assert 0 < partial < 12

    resumed = build_engine(settings, embedder=HashEmbedder())
    resumed.writer.embed_batch = 20
    report = resumed.services.index.sync([src])
    assert report.unchanged == partial and report.added == 12 - partial
    assert vector_ids(resumed) == catalog_ids(resumed)

    reference = build_engine(make_settings(tmp_path / "ref"), embedder=HashEmbedder())
    reference.services.index.sync([src])
    assert vector_ids(resumed) == vector_ids(reference)
    # The lexical index caught up too: it finds the last article.
    assert resumed.searcher.lexical.search(resumed.collections.active, "topic11", 3)


def test_a_sync_stopped_between_a_batchs_delete_and_its_record_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed (or the store gone) after a changed article's old vectors are deleted and before
    its new ones are recorded; then the file goes back to what the catalog holds. The next sync
    must leave the catalog and the store agreeing."""
    src = tmp_path / "src"
    write_articles(src, 3)
    settings = make_settings(tmp_path / "data")
    build_engine(settings, embedder=HashEmbedder()).services.index.sync([src])
    first = (src / "a01.txt").read_text(encoding="utf-8")
    (src / "a01.txt").write_text(first.replace("Headline 1", "Headline 1, updated"))
    broken = build_engine(settings, embedder=HashEmbedder())

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(broken.store, "upsert", killed)
    with pytest.raises(KeyboardInterrupt):
        broken.services.index.sync([src])
    (src / "a01.txt").write_text(first, encoding="utf-8")
    resumed = build_engine(settings, embedder=HashEmbedder())
    resumed.services.index.sync([src])
    assert vector_ids(resumed) == catalog_ids(resumed)


def test_full_rebuild_switches_collection_and_drops_the_old(
    hash_engine: Engine, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    write_articles(src, 3)
    hash_engine.services.index.sync([src])
    old = hash_engine.collections.active
    (src / "a00.txt").unlink()
    kept = hash_engine.services.index.sync([src], full=True)  # what the folder lost stays...
    assert (kept.unchanged, kept.kept, kept.deleted) == (2, 1, 0) and kept.collection != old
    assert hash_engine.catalog.articles.in_collection(old) == {}
    assert hash_engine.services.index.stats().articles == 3
    report = hash_engine.services.index.sync([src], full=True, prune=True)  # ... unless pruned
    assert (report.unchanged, report.kept, report.deleted) == (2, 0, 1)
    assert hash_engine.collections.active == report.collection
    assert hash_engine.catalog.articles.in_collection(kept.collection) == {}
    assert hash_engine.services.index.stats().articles == 2
    answer = hash_engine.services.qa.answer("topic1 story", today=SAMPLE_TODAY)
    assert answer.passages and all(p.article_id for p in answer.passages)


def test_only_one_sync_at_a_time(hash_engine: Engine, tmp_path: Path) -> None:
    write_articles(tmp_path / "src", 1)
    assert hash_engine.collections._busy.acquire(blocking=False)
    try:
        with pytest.raises(IndexBusyError):
            hash_engine.services.index.sync([tmp_path / "src"])
    finally:
        hash_engine.collections._busy.release()


def test_delete_by_id_or_url(hash_engine: Engine, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "x.jsonl").write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"id{i}",
                    "title": f"T{i}",
                    "text": f"Text number {i}.",
                    "url": f"https://e.org/{i}",
                }
            )
            for i in range(3)
        )
    )
    hash_engine.services.index.sync([src])
    assert hash_engine.services.index.delete("id0") is not None
    assert hash_engine.services.index.delete("https://e.org/1") is not None
    assert hash_engine.services.index.delete("nothing") is None
    assert hash_engine.services.index.stats().articles == 1
    assert vector_ids(hash_engine) == {"id2:0000"}


def test_changing_the_chunk_size_re_embeds_everything(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_articles(src, 3)
    settings = make_settings(tmp_path / "data")
    first = build_engine(settings, embedder=HashEmbedder())
    first.services.index.sync([src])
    before = vector_ids(first)
    smaller = settings.model_copy(
        update={"retrieval": settings.retrieval.model_copy(update={"chunk_tokens": 96})}
    )
    second = build_engine(smaller, embedder=HashEmbedder())
    report = second.services.index.sync([src])
    assert (report.updated, report.unchanged) == (3, 0)
    assert len(vector_ids(second)) > len(before)
    assert vector_ids(second) == catalog_ids(second)
    assert second.services.index.sync([src]).unchanged == 3


def test_importing_bm25s_keeps_the_log_level_the_entry_point_set() -> None:
    import subprocess
    import sys

    # In a fresh interpreter: bm25s sets its logger to DEBUG when first imported.
    code = (
        "import logging; logging.getLogger('bm25s').setLevel(logging.WARNING); "
        "from retrieval.index.lexical import _bm25s; _bm25s(); "
        "print(logging.getLogger('bm25s').level)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(logging.WARNING)


def test_vectors_of_another_embedder_are_never_searched(tmp_path: Path) -> None:
    """A process whose model or backend differs from the index's refuses to answer with a
    message that says how to fix it, until a sync re-embeds."""
    from retrieval.core.errors import ConfigError

    write_articles(tmp_path / "src", 3)
    settings = make_settings(tmp_path / "data")
    build_engine(settings, embedder=HashEmbedder()).services.index.sync([tmp_path / "src"])
    other = HashEmbedder(dim=256)  # named hash-256: another model
    engine = build_engine(settings, embedder=other, today=lambda: SAMPLE_TODAY)
    with pytest.raises(ConfigError, match="re-embed with `newsbot ingest --full"):
        engine.services.qa.answer("What happened?")
    with pytest.raises(ConfigError, match="hash-384"):  # an incremental sync would mix them
        engine.services.index.sync([tmp_path / "src"])
    report = engine.services.index.sync([tmp_path / "src"], full=True)  # a new collection, 256 wide
    assert report.unchanged == 3 and report.added_ids == []  # the same articles: nothing "new"
    assert engine.collections.stale_reason() is None
    engine.services.qa.answer("What happened?")


def test_a_job_removes_lexical_builds_a_killed_process_left(
    hash_engine: Engine, tmp_path: Path
) -> None:
    """A Tantivy build killed halfway (`tantivy/.<name>.building`) and what an older newsbot's
    bm25s index left (its folders and delta files) are removed by the next job, under the lock
    every build holds; the words in use stay."""
    write_articles(tmp_path / "src", 3)
    hash_engine.services.index.sync([tmp_path / "src"])
    lexical = hash_engine.lexical.directory
    active = hash_engine.collections.active
    for name in (f"tantivy/.{active}.building", f"tantivy/.{active}-20261201-abc.building"):
        (lexical / name).mkdir(parents=True)
        (lexical / name / "meta.json").write_text("{half")
    (lexical / active / "bm25").mkdir(parents=True)  # an older newsbot's
    (lexical / f"{active}.delta.json").write_text("{}")
    report = hash_engine.services.index.sync([tmp_path / "src"])
    assert report.unchanged == 3
    assert sorted(p.name for p in lexical.iterdir()) == ["tantivy"]
    assert sorted(p.name for p in (lexical / "tantivy").iterdir()) == [active]
    assert hash_engine.services.qa.answer("topic1 story", today=SAMPLE_TODAY).passages


def test_a_small_sync_looks_up_only_what_it_brings_and_finds_the_same_stories(
    hash_engine: Engine, tmp_path: Path
) -> None:
    """A feed poll no longer reads every stored article: the catalog's lookup by id, URL and
    body finds, for each incoming article, the story a read of the whole archive finds; and
    /sources' newest ten come from one indexed query, in the order the old sort gave."""
    from datetime import date

    from retrieval.core.records import Article
    from retrieval.ingest.dedupe import same_story
    from retrieval.ingest.loaders import load_sources

    src = tmp_path / "src"
    write_articles(src, 6)
    records = [{"title": "U", "text": "A story with a URL.", "url": "https://e.org/u"}]
    (src / "u.jsonl").write_text(json.dumps(records[0]))
    hash_engine.services.index.sync([src])
    incoming = tmp_path / "incoming"
    write_articles(incoming, 2, tag="new")  # new stories
    (incoming / "moved.txt").write_text((src / "a03.txt").read_text())  # same body
    again = {"title": "U2", "text": "The same URL, new words.", "url": "https://e.org/u"}
    (incoming / "u.jsonl").write_text(json.dumps(again))  # same URL
    articles = [a for a in load_sources([incoming, src / "a01.txt"]) if isinstance(a, Article)]
    stored, collection = hash_engine.catalog.articles, hash_engine.collections.active
    everything = stored.in_collection(collection)
    found = stored.matching(
        collection, [a.id for a in articles], [a.url for a in articles],
        [a.text_hash for a in articles],
    )  # fmt: skip
    assert len(found) == 3 < len(everything)
    for article in articles:
        assert same_story(found)(article) == same_story(everything)(article)
    assert sum(same_story(found)(a) is not None for a in articles) == 3
    expected = sorted(
        everything.values(), key=lambda a: (a.published or date.min, a.indexed_at), reverse=True
    )
    assert stored.latest(collection, 4) == expected[:4]


def test_an_unchanged_sync_compares_as_it_reads_and_keeps_no_article(
    hash_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each article is compared with the catalog's record as it is read; an unchanged one is
    counted and let go, so the writer is handed only what changed (here: one edited story)."""
    write_articles(tmp_path / "src", 5)
    hash_engine.services.index.sync([tmp_path / "src"])
    handed: list[list[str]] = []
    writer_sync = hash_engine.writer.sync

    def recording(collection: str, articles: Any, report: Any, **kwargs: Any) -> Any:
        handed.append([a.id for a in articles])
        return writer_sync(collection, articles, report, **kwargs)

    monkeypatch.setattr(hash_engine.writer, "sync", recording)
    report = hash_engine.services.index.sync([tmp_path / "src"])
    assert report.unchanged == 5 and handed == [[]]
    story = sorted((tmp_path / "src").iterdir())[2]
    story.write_text(story.read_text() + "\nA line added later.\n")
    report = hash_engine.services.index.sync([tmp_path / "src"])
    assert (report.unchanged, report.updated) == (4, 1)
    assert len(handed[-1]) == 1


def count_parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The origins of the articles the loaders parse (each parsed one is cleaned once)."""
    import retrieval.ingest.loaders as loaders

    parsed: list[str] = []
    clean = loaders.without_boilerplate

    def counting(article: Any) -> Any:
        parsed.append(article.origin)
        return clean(article)

    monkeypatch.setattr(loaders, "without_boilerplate", counting)
    return parsed


def write_records(path: Path, count: int, *, edited: int | None = None) -> None:
    lines = []
    for i in range(count):
        body = " ".join(f"Record {i} sentence {j} about subject{i}." for j in range(30))
        if i == edited:
            body += " An edit."
        lines.append(
            json.dumps({"id": f"r{i}", "title": f"Record {i}", "text": body, "date": "2025-02-03"})
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_record_read_before_is_not_parsed_again(
    hash_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 33, item 4: a JSONL line or a one-article file whose raw bytes (and place) the
    catalog has seen, under the same reading rules, is known without parsing it; an edited one
    is parsed and updated; pruning still sees every article of the source."""
    archive = tmp_path / "src" / "archive.jsonl"
    archive.parent.mkdir()
    write_records(archive, 6)
    write_articles(tmp_path / "src" / "pages", 3)
    first = hash_engine.services.index.sync([tmp_path / "src"])
    assert first.added == 9
    parsed = count_parsed(monkeypatch)
    again = hash_engine.services.index.sync([tmp_path / "src"], prune=True)
    assert (again.unchanged, again.updated, again.deleted) == (9, 0, 0)
    assert parsed == []

    write_records(archive, 5, edited=2)  # line 3 edited, line 6 gone
    changed = hash_engine.services.index.sync([tmp_path / "src"], prune=True)
    assert (changed.unchanged, changed.updated, changed.deleted) == (7, 1, 1)
    assert parsed == [f"{archive}:3"]
    assert hash_engine.services.index.stats().articles == 8


def test_new_reading_rules_parse_everything_once_and_keep_the_new_keys(
    hash_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change to the code that reads records (or an index from before keys were kept)
    parses every record again, once: the articles are unchanged, so only their keys are
    written, and the sync after that parses nothing."""
    import retrieval.ingest.loaders as loaders

    archive = tmp_path / "archive.jsonl"
    write_records(archive, 4)
    hash_engine.services.index.sync([archive])
    stored = hash_engine.catalog.articles.in_collection(hash_engine.collections.active)
    assert all(a.record_key for a in stored.values())

    monkeypatch.setattr(loaders, "_reading_rules", lambda: b"another release's rules")
    parsed = count_parsed(monkeypatch)
    report = hash_engine.services.index.sync([archive])
    assert (report.unchanged, report.updated, len(parsed)) == (4, 0, 4)
    renewed = hash_engine.catalog.articles.in_collection(hash_engine.collections.active)
    assert {a.record_key for a in renewed.values()}.isdisjoint(
        a.record_key for a in stored.values()
    )
    parsed.clear()
    assert hash_engine.services.index.sync([archive]).unchanged == 4 and parsed == []


def test_a_full_reindex_parses_every_record(
    hash_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive.jsonl"
    write_records(archive, 3)
    hash_engine.services.index.sync([archive])
    parsed = count_parsed(monkeypatch)
    report = hash_engine.services.index.sync([archive], full=True)
    assert (report.unchanged, len(parsed)) == (3, 3)


def test_a_moved_archive_is_known_by_its_new_place(hash_engine: Engine, tmp_path: Path) -> None:
    """The same records read from another file are unchanged articles: their key and place
    move with them, so pruning the old folder deletes nothing still held in the new one."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    write_records(old / "archive.jsonl", 3)
    hash_engine.services.index.sync([old])
    (old / "archive.jsonl").rename(new / "archive.jsonl")
    moved = hash_engine.services.index.sync([new])
    assert (moved.unchanged, moved.added) == (3, 0)
    stored = hash_engine.catalog.articles.in_collection(hash_engine.collections.active)
    assert all(a.origin.startswith(str(new.resolve())) for a in stored.values())
    assert hash_engine.services.index.sync([old], prune=True).deleted == 0
    assert hash_engine.services.index.sync([new]).unchanged == 3

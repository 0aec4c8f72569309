"""Stories (issue 36, item 2): wire copies and light rewrites of one report grouped as they are
indexed, incrementally, and kept right when articles are re-indexed or deleted; the search
reads one copy a story. The sketches and the grouping run for real on a catalog of their own;
the engine tests use the hash embedder (the real model's are in test_stories_answers.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from retrieval.core.records import Passage
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.index.catalog import Catalog
from retrieval.index.stories import StoryConfig, StoryIndex, StoryText
from retrieval.search.fusion import one_copy_a_story
from retrieval.search.hybrid import named_outlet
from tests.conftest import ROOT, make_settings
from tests.support.stories import ALONE, ARCHIVE, BERTH, RU_BERTH, TRAM


def fixture_texts() -> dict[str, StoryText]:
    texts = {}
    for line in ARCHIVE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        day = int(record["publish_date"].replace("/", ""))
        language = "ru" if record["doc_id"] in RU_BERTH | {"bl-saltmere-zabastovka"} else "en"
        texts[record["doc_id"]] = StoryText(
            record["doc_id"], record["text"], day, record["source"], language
        )
    return texts


@pytest.fixture
def stories(tmp_path: Path) -> StoryIndex:
    return StoryIndex(Catalog(tmp_path / "catalog.sqlite").db)


def groups(index: StoryIndex, collection: str = "news") -> dict[str, set[str]]:
    """Story id -> its articles."""
    found: dict[str, set[str]] = {}
    for article, story in index.stories_of(collection, index.grouped(collection)).items():
        found.setdefault(story, set()).add(article)
    return found


def test_copies_are_grouped_and_other_events_kept_apart(stories: StoryIndex) -> None:
    stories.add("news", fixture_texts().values())
    found = groups(stories)
    # Each story is named by its earliest article (ties by id).
    assert found == {
        "ct-saltmere-berth": BERTH,
        "kp-kelby-tram": TRAM,
        "bl-saltmere-prichal": RU_BERTH,
        **{article: {article} for article in ALONE},
    }
    # The strike shares the port, its director and the berth with the berth story: another
    # event all the same.
    assert stories.counts("news") == (10, 6)


def test_grouping_is_incremental_and_the_same_in_any_order(stories: StoryIndex) -> None:
    texts = fixture_texts()
    once = StoryIndex(stories.database)
    once.add("all-at-once", texts.values())
    # One at a time, the latest first: each addition looks up its own buckets only, and the
    # earliest article still names the story.
    for article_id in sorted(texts, key=lambda a: texts[a].published, reverse=True):
        stories.add("news", [texts[article_id]])
        if article_id == "vh-saltmere-berth":
            assert groups(stories)["vh-saltmere-berth"] == {"vh-saltmere-berth"}
    assert groups(stories) == groups(once, "all-at-once")
    assert groups(stories)["ct-saltmere-berth"] == BERTH


def test_the_other_outlets_of_a_story(stories: StoryIndex) -> None:
    stories.add("news", fixture_texts().values())
    outlets = stories.other_outlets(
        "news", {"ct-saltmere-berth": "vh-saltmere-berth", "kp-kelby-tram": "kp-kelby-tram"}
    )
    # Earliest first, the shown copy's own outlet left out.
    assert outlets == {
        "ct-saltmere-berth": ("Coastal Times", "Metro Wire"),
        "kp-kelby-tram": ("Metro Wire",),
    }


def test_deleting_the_first_article_keeps_the_others_grouped(stories: StoryIndex) -> None:
    stories.add("news", fixture_texts().values())
    stories.remove("news", ["ct-saltmere-berth"])
    assert groups(stories)["mw-saltmere-berth"] == BERTH - {"ct-saltmere-berth"}
    assert "ct-saltmere-berth" not in stories.grouped("news")


def chain(config: StoryConfig) -> list[StoryText]:
    """x ~ y and y ~ z, but x and z too far apart: y holds the story together."""
    a, b, c = ([f"{letter}{i}" for i in range(200)] for letter in "abc")
    texts = {
        "x": a,
        "y": a[40:] + b[:40],
        "z": a[80:] + b[:40] + c[:40],
    }
    return [
        StoryText(article_id, " ".join(words), 20250101 + n, "Wire")
        for n, (article_id, words) in enumerate(texts.items())
    ]


def test_a_story_held_together_by_one_article_falls_apart_without_it(tmp_path: Path) -> None:
    config = StoryConfig(threshold=0.5)
    stories = StoryIndex(Catalog(tmp_path / "catalog.sqlite").db, config)
    stories.add("news", chain(config))
    assert groups(stories) == {"x": {"x", "y", "z"}}
    stories.remove("news", ["y"])
    assert groups(stories) == {"x": {"x"}, "z": {"z"}}


def test_a_rewritten_article_leaves_its_story(stories: StoryIndex) -> None:
    texts = fixture_texts()
    stories.add("news", texts.values())
    marathon = texts["kp-kelby-marathon"]
    stories.add("news", [StoryText("mw-saltmere-berth", marathon.text, 20250210, "Metro Wire")])
    assert groups(stories)["ct-saltmere-berth"] == {"ct-saltmere-berth", "vh-saltmere-berth"}
    # Named by its earliest article, now the rewritten one.
    assert groups(stories)["mw-saltmere-berth"] == {"kp-kelby-marathon", "mw-saltmere-berth"}


def test_a_short_note_is_a_story_of_its_own(stories: StoryIndex) -> None:
    note = "Saltmere port opens its new berth on 14 March."
    stories.add("news", [StoryText(f"n{i}", note + " " * i, 20250210, "Wire") for i in range(2)])
    assert groups(stories) == {"n0": {"n0"}, "n1": {"n1"}}


def passage(article_id: str, source: str = "Wire", score: float = 1.0) -> Passage:
    return Passage(f"{article_id}:0", article_id, "text", "title", source, None, "", score)


def test_one_copy_a_story_the_best_ranked_or_the_named_outlets() -> None:
    ranked = [
        passage("a", "Metro Wire", 0.9),
        passage("b", "Coastal Times", 0.8),
        passage("a", "Metro Wire", 0.7),
        passage("c", "Valley Herald", 0.6),
        passage("d", "Metro Wire", 0.5),
    ]
    story_of = {"a": "s", "b": "s", "c": "s"}  # d: not grouped yet, a story of its own
    kept = one_copy_a_story(ranked, story_of)
    assert [(p.article_id, p.story) for p in kept] == [("a", "s"), ("a", "s"), ("d", "d")]
    asked = one_copy_a_story(ranked, story_of, named_outlet("What did the Valley Herald say?"))
    assert [p.article_id for p in asked] == ["c", "d"]


@pytest.mark.parametrize(
    ("question", "source", "named"),
    [
        ("What did Trend report about the pipeline?", "Trend", True),
        ("What is the trend in oil prices?", "Trend", False),
        ("According to APA, who won?", "APA", True),
        ("What did CNN say about the storm?", "cnn.com", True),
        ("What did CNN say about the storm?", "usatoday.com", False),
        ("Что сообщил Вестник Приморья?", "Вестник Приморья", True),
    ],
)
def test_an_outlet_named_in_the_question(question: str, source: str, named: bool) -> None:
    assert named_outlet(question)(passage("a", source)) is named


# -- through the engine (hash embedder) -------------------------------------------------------
def engine_at(data_dir: Path, **retrieval: object) -> Engine:
    settings = make_settings(data_dir)
    if retrieval:
        settings = settings.model_copy(
            update={"retrieval": settings.retrieval.model_copy(update=retrieval)}
        )
    return build_engine(settings, embedder=HashEmbedder())


def test_indexing_groups_stories_and_stats_count_them(tmp_path: Path) -> None:
    engine = engine_at(tmp_path / "data")
    engine.services.index.sync([ARCHIVE])
    stats = engine.services.index.stats()
    assert (stats.articles, stats.stories) == (10, 6)
    engine.services.index.delete("ct-saltmere-berth")
    assert (engine.services.index.stats().articles, engine.services.index.stats().stories) == (9, 6)
    engine.services.index.delete("mw-kelby-tram")
    assert engine.services.index.stats().stories == 6  # the tram story is one article now
    full = engine.services.index.sync([ARCHIVE], full=True)
    assert full.collection != "news"
    assert (engine.services.index.stats().articles, engine.services.index.stats().stories) == (
        10,
        6,
    )


def test_an_index_without_stories_is_grouped_when_it_opens(tmp_path: Path) -> None:
    """As an index an older newsbot wrote: articles, no stories. Opening it groups them; a
    new threshold groups them again."""
    data = tmp_path / "data"
    engine = engine_at(data)
    engine.services.index.sync([ARCHIVE])
    collection = engine.collections.active
    engine.writer.stories.drop(collection)
    engine.state.set_story_grouping(collection, None)
    assert engine.services.index.stats().stories == 10  # ungrouped: each its own story
    reopened = engine_at(data)
    assert reopened.services.index.stats().stories == 6
    strict = engine_at(data, story_threshold=0.8)  # the berth's rewrites are further apart
    assert strict.state.story_grouping(collection) == StoryConfig(threshold=0.8).identity()
    assert groups(strict.writer.stories, collection)["mw-saltmere-berth"] == {
        "mw-saltmere-berth",
        "vh-saltmere-berth",
    }


def test_the_search_reads_one_copy_a_story(tmp_path: Path) -> None:
    engine = engine_at(tmp_path / "data")
    shutil.copy(ARCHIVE, tmp_path / "wire.jsonl")
    engine.services.index.sync([tmp_path / "wire.jsonl"])
    question = "When will the new container berth at the port of Saltmere open?"
    on = engine.services.qa.answer(question, fetch=10)
    read: dict[str, set[str]] = {}
    for found in on.searched:
        read.setdefault(found.story, set()).add(found.article_id)
    assert all(len(articles) == 1 for articles in read.values())  # one copy a story
    assert len({p.article_id for p in on.searched if p.article_id in BERTH}) == 1
    berth = next(p for p in on.searched if p.article_id in BERTH)
    others = {"Metro Wire", "Coastal Times", "Valley Herald"} - {berth.source}
    assert set(berth.also_reported_by) == others
    off = engine_at(tmp_path / "data", stories=False).services.qa.answer(question, fetch=10)
    assert len({p.article_id for p in off.searched if p.article_id in BERTH}) == 3
    assert all(p.also_reported_by == () for p in off.searched)


def test_a_data_dir_of_release_0_1_gets_its_stories(tmp_path: Path) -> None:
    """Its articles were recorded before whole texts were kept: grouped from their passages
    when it opens, every one of them (none of its stories is a copy of another)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "datadir-0.1.0", data)
    engine = build_engine(make_settings(data), embedder=HashEmbedder())
    collection = engine.collections.active
    stats = engine.services.index.stats()
    assert stats.articles > 0
    assert engine.writer.stories.grouped(collection) == set(
        engine.catalog.articles.in_collection(collection)
    )
    assert stats.stories == stats.articles
    threshold = engine.settings.retrieval.story_threshold
    assert engine.state.story_grouping(collection) == StoryConfig(threshold).identity()


def test_re_embedding_keeps_the_stories(tmp_path: Path) -> None:
    """Another model writes a new collection from the catalog's passages: the same articles,
    so the same stories, copied rather than grouped again."""
    engine = engine_at(tmp_path / "data")
    engine.services.index.sync([ARCHIVE])
    old = engine.collections.active
    engine.reembedder.reembed(HashEmbedder(dim=64))
    new = engine.collections.active
    assert new != old
    assert groups(engine.writer.stories, new)["ct-saltmere-berth"] == BERTH
    threshold = engine.settings.retrieval.story_threshold
    assert engine.state.story_grouping(new) == StoryConfig(threshold).identity()
    assert engine.writer.stories.counts(old) == (0, 0)  # the old collection's went with it
    assert engine.services.index.stats().stories == 6

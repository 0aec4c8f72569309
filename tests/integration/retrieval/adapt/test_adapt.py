"""Adapting the model to the archive: training pairs from the archive alone (and only from
before a date), a version saved and switched to whole, the original one re-embed away, and
readers never searching one model's vectors with the other's question vector."""

from __future__ import annotations

import shutil
import threading
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.adapt.training import Example, batches, build_examples, read_manifest
from retrieval.adapt.versions import ORIGINAL
from retrieval.core.errors import ConfigError, IndexBusyError
from retrieval.core.settings import AdaptSettings
from retrieval.embed.active import ActiveEmbedder
from retrieval.embed.hashing import HashEmbedder
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.search.hybrid import SearchRequest
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.support.vectors import RememberedVectors

# Enough to exercise every part in seconds: a few steps of short passages.
TINY = {"max_examples": 64, "batch_size": 8, "max_seq_length": 32}


def adapt_settings(data_dir: Path, **updates: object):  # type: ignore[no-untyped-def]
    settings = make_settings(data_dir, calibrated=True)
    return settings.model_copy(
        update={
            "adapt": settings.adapt.model_copy(update=TINY),
            "embedding": settings.embedding.model_copy(update={"backend": "torch"}),
            **updates,
        }
    )


@pytest.fixture
def hashed(tmp_path: Path) -> Engine:
    engine = build_engine(
        make_settings(tmp_path / "data"), embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY
    )
    engine.services.index.sync([SAMPLES])
    return engine


def examples_of(engine: Engine, **config: object) -> list[Example]:
    with engine.collections.reading() as view:
        collection = view.collection
        snapshot = engine.lexical.snapshot(collection)
        found, _ = build_examples(
            engine.catalog.passages,
            collection,
            snapshot,
            AdaptSettings(**config),  # type: ignore[arg-type]
        )
    return found


def test_pairs_come_from_the_archive_with_negatives_of_other_articles(hashed: Engine) -> None:
    examples = examples_of(hashed)
    assert {e.kind for e in examples} >= {"headline", "cloze"}
    titles = {
        a.id: a.title
        for a in hashed.catalog.articles.in_collection(hashed.collections.active).values()
    }
    bodies = {
        r.article_id: r.text
        for r in hashed.catalog.passages.chunk_records(hashed.collections.active, sorted(titles))
    }
    for example in examples:
        assert example.negative not in (example.positive, bodies[example.article_id])
        if example.kind == "headline":
            assert example.anchor == titles[example.article_id]
            assert example.anchor not in example.positive  # trained without the headline
        if example.kind == "cloze":
            assert example.anchor not in example.positive  # the sentence was taken out


def test_before_keeps_every_pair_and_negative_to_older_articles(hashed: Engine) -> None:
    stored = hashed.catalog.articles.in_collection(hashed.collections.active)
    days = sorted(a.published for a in stored.values() if a.published)
    cutoff = days[len(days) // 2]
    examples = examples_of(hashed, before=cutoff)
    assert examples
    older = {i: a for i, a in stored.items() if a.published and a.published < cutoff}
    texts_of_older = {
        r.text
        for r in hashed.catalog.passages.chunk_records(hashed.collections.active, sorted(older))
    }
    for example in examples:
        assert example.article_id in older
        assert example.negative in texts_of_older


@given(st.lists(st.integers(min_value=0, max_value=12), min_size=0, max_size=80))
def test_a_batch_never_holds_two_pairs_of_one_article(articles: list[int]) -> None:
    import random

    examples = [Example("cloze", str(a), f"q{n}", f"p{n}", "neg") for n, a in enumerate(articles)]
    planned = batches(examples, 8, random.Random(0))
    seen = [e for batch in planned for e in batch]
    assert len(seen) == len({e.anchor for e in seen})  # nothing twice
    for batch in planned:
        assert 0 < len(batch) <= 8
        assert len({e.article_id for e in batch}) == len(batch)
    assert bool(planned) == bool(examples)  # the first batch is always kept
    # Only scraps are left out: what remains when a batch would hold fewer than half its size,
    # i.e. passages of fewer than 4 distinct articles.
    left = [e for e in examples if e.anchor not in {s.anchor for s in seen}]
    assert len({e.article_id for e in left}) < 8 // 2


@pytest.mark.slow
@pytest.mark.usefixtures("made_models_remember")
def test_adapt_trains_a_version_switches_to_it_and_goes_back(tmp_path: Path) -> None:
    engine = build_engine(adapt_settings(tmp_path / "data"), today=lambda: SAMPLE_TODAY)
    engine.services.index.sync([SAMPLES])
    question = "How many jobs will Corvanta cut?"
    before = engine.embedder.embed_query(question)
    original_collection = engine.collections.active
    stages: set[str] = set()

    report = engine.services.models.adapt(progress=lambda stage, done, total: stages.add(stage))

    assert stages >= {"pairs", "training", "embedding", "lexical"}
    assert report.version == 1 and report.steps > 0 and report.examples > 8
    manifest = read_manifest(Path(report.path))
    assert manifest and manifest["report"]["examples"] == report.examples
    assert [(v.name, v.active) for v in engine.services.models.versions()] == [
        (ORIGINAL, False),
        ("v1", True),
    ]
    assert engine.collections.active != original_collection
    assert engine.services.index.stats().model.startswith("adapted-v1 of all-MiniLM-L6-v2")
    assert engine.collections.stale_reason() is None
    after = engine.embedder.embed_query(question)
    assert float(before @ after) < 0.9999  # another model now
    answer = engine.services.qa.answer(question)
    assert "600" in answer.text

    # A new process on this data dir serves with v1 too.
    again = build_engine(adapt_settings(tmp_path / "data"), today=lambda: SAMPLE_TODAY)
    assert np.allclose(again.embedder.embed_query(question), after, atol=1e-3)

    engine.services.models.use(ORIGINAL)
    assert engine.services.models.active == ORIGINAL
    assert np.allclose(engine.embedder.embed_query(question), before, atol=1e-3)
    assert "600" in engine.services.qa.answer(question).text
    with pytest.raises(ConfigError, match="no adapted model 'v9'"):
        engine.services.models.use("v9")
    assert engine.services.models.active == ORIGINAL  # a bad name changes nothing

    # The version in use deleted by hand: the next process still starts, says what to do,
    # and goes back to the original.
    engine.services.models.use("v1")
    shutil.rmtree(Path(report.path))
    lost = build_engine(adapt_settings(tmp_path / "data"), today=lambda: SAMPLE_TODAY)
    with pytest.raises(ConfigError, match="newsbot model use original"):
        lost.services.qa.answer(question)
    lost.services.models.use(ORIGINAL)
    assert "600" in lost.services.qa.answer(question).text


def test_adapt_refuses_an_empty_archive_and_a_second_run(tmp_path: Path) -> None:
    engine = build_engine(adapt_settings(tmp_path / "data"), embedder=HashEmbedder())
    with pytest.raises(ConfigError, match="empty"):
        engine.services.models.adapt()
    engine.services.models._busy.acquire()
    try:
        with pytest.raises(IndexBusyError, match="already being adapted"):
            engine.services.models.adapt()
    finally:
        engine.services.models._busy.release()


@pytest.mark.slow
def test_a_reader_keeps_the_model_of_the_collection_it_holds(
    tmp_path: Path, real_embedder: SentenceTransformerEmbedder
) -> None:
    """The switch to another model happens while a request holds the old collection: that
    request keeps embedding with the old model (its vectors match its collection); new
    requests get the new collection and the new model together."""
    engine = build_engine(
        adapt_settings(tmp_path / "data"), embedder=real_embedder, today=lambda: SAMPLE_TODAY
    )
    engine.services.index.sync([SAMPLES])
    other = HashEmbedder()  # "another model": any embedder of the same dimension
    question = "Who won the national cup final?"
    switched = threading.Event()
    seen_after: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def reembed() -> None:
        try:
            engine.reembedder.reembed(other, publish=switched.set)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            switched.set()

    def new_reader() -> None:
        with engine.collections.reading() as view:
            collection = view.collection
            seen_after.append((collection, engine.embedder.name))

    with engine.collections.reading() as view:
        old = view.collection
        worker = threading.Thread(target=reembed)
        worker.start()
        assert switched.wait(timeout=300)
        assert not errors
        # Still inside the old request: the old model, whatever is now active.
        assert engine.embedder.name == real_embedder.name
        assert np.allclose(
            engine.embedder.embed_query(question), real_embedder.embed_query(question)
        )
        reader = threading.Thread(target=new_reader)
        reader.start()
        reader.join(timeout=60)
        assert seen_after == [(engine.collections.active, other.name)]
        assert engine.collections.active != old
    worker.join(timeout=300)  # the old collection is dropped once this request let go
    assert not worker.is_alive() and not errors
    assert engine.embedder.name == other.name
    assert isinstance(engine.embedder, ActiveEmbedder)


def test_eval_leakage_guard_is_recorded_in_the_manifest(tmp_path: Path) -> None:
    """`before` and the newest article learnt from are written beside the model, so an
    evaluation can check that the model never saw its questions' weeks."""
    from retrieval.adapt.training import AdaptReport, write_manifest

    report = AdaptReport(version=3, latest_article="2022-12-31", before="2023-01-01")
    write_manifest(tmp_path, report, AdaptSettings(before=date(2023, 1, 1)))
    manifest = read_manifest(tmp_path)
    assert manifest and manifest["report"]["latest_article"] == "2022-12-31"
    assert manifest["config"]["before"] == "2023-01-01"


@pytest.mark.slow
@pytest.mark.usefixtures("made_models_remember")
def test_adapt_with_reranker_serves_it_when_asked_for(tmp_path: Path) -> None:
    settings = adapt_settings(tmp_path / "data")
    engine = build_engine(settings, today=lambda: SAMPLE_TODAY)
    engine.services.index.sync([SAMPLES])
    asked = settings.model_copy(
        update={"retrieval": settings.retrieval.model_copy(update={"reranker": "adapted"})}
    )
    before = build_engine(asked, today=lambda: SAMPLE_TODAY)
    with pytest.raises(
        ConfigError, match="has no trained reranker: run `newsbot adapt --reranker`"
    ):
        before.services.qa.answer("How many jobs will Corvanta cut?")

    report = engine.services.models.adapt(reranker=True)

    assert report.reranker_seconds > 0 and "reranker trained" in report.summary()
    assert (Path(report.path) / "reranker" / "config.json").exists()
    reranked = build_engine(asked, today=lambda: SAMPLE_TODAY)
    passages = reranked.searcher.search(
        SearchRequest("How many jobs will Corvanta cut?", SAMPLE_TODAY, k=5)
    )
    assert len(passages) == 5
    assert any("Corvanta" in p.title for p in passages)
    # The cross-encoder orders; the refusal floor still reads the search's scores.
    assert not reranked.services.qa.answer("How many jobs will Corvanta cut?").refused


@pytest.mark.slow
def test_a_reindex_running_when_training_ends_keeps_the_version_for_later(
    tmp_path: Path, remembered_model: RememberedVectors
) -> None:
    engine = build_engine(
        adapt_settings(tmp_path / "data"), embedder=remembered_model, today=lambda: SAMPLE_TODAY
    )
    engine.services.index.sync([SAMPLES])

    def reindex_starts_during_training(stage: str, done: int, total: int) -> None:
        if stage == "training" and done == total:
            assert engine.collections._busy.acquire(
                blocking=False
            )  # as a running re-index holds it

    with pytest.raises(IndexBusyError, match=r"v1 is trained and saved.*model use v1"):
        engine.services.models.adapt(progress=reindex_starts_during_training)
    assert engine.services.models.active == ORIGINAL
    assert [v.name for v in engine.services.models.versions()] == [ORIGINAL, "v1"]
    engine.collections._busy.release()  # the re-index is done
    engine.services.models.use("v1")
    assert engine.services.models.active == "v1"

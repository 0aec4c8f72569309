"""Readers ask while a re-index embeds and switches collections: with the real model, 0 errors.

Every object two threads reach is immutable, locked or per thread; these tests prove it where it
has failed before: the model's tokenizer, the active collection during a full re-index, and the
lexical index. They synchronise with events, never with sleeps.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from retrieval.embed.protocol import Embedder
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.index.lexical import LexicalRow, TantivyIndex
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.support.vectors import RememberedVectors

pytestmark = pytest.mark.slow

QUESTIONS = [
    ("Who won the national cup final?", "Harborview FC"),
    ("How many jobs will Corvanta cut?", "600"),
    ("Who is the new head coach of Kelby Rovers?", "Rafael Mendes"),
]


def run_threads(*targets: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
        assert not thread.is_alive(), "a thread did not finish"
    return errors


def test_token_counts_beside_embedding_share_the_tokenizer_safely() -> None:
    """Before the tokenizer lock: ~50 'Unable to create tensor' errors in 60 embeds."""
    embedder = SentenceTransformerEmbedder(batch_size=4)  # many tokenizer calls a batch
    texts = ["word " * (i * 7 % 40 + 1) for i in range(16)]
    expected = embedder.embed_documents(texts)
    stop = threading.Event()
    counts: list[list[int]] = []

    def count() -> None:
        while not stop.is_set():
            counts.append(embedder.count_tokens([t[:50] for t in texts]))

    def embed() -> None:
        try:
            for _ in range(60):
                vectors = embedder.embed_documents(texts)
                assert abs(vectors - expected).max() < 1e-4
        finally:
            stop.set()

    assert run_threads(count, count, embed) == []
    assert counts and all(c == counts[0] for c in counts)


def engine_on(data_dir: Path, embedder: Embedder) -> Engine:
    return build_engine(
        make_settings(data_dir, calibrated=True), embedder=embedder, today=lambda: SAMPLE_TODAY
    )


@pytest.fixture(scope="module")
def sample_data(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder
) -> Path:
    """The sample archive indexed once for the module, by the model itself: each test below
    starts from a copy, the vectors the one sync would have given it, bit for bit."""
    data = tmp_path_factory.mktemp("concurrency") / "data"
    engine_on(data, real_embedder).services.index.sync([SAMPLES])
    return data


@pytest.fixture
def real_engine(
    tmp_path: Path, sample_data: Path, real_embedder: SentenceTransformerEmbedder
) -> Engine:
    """The sample archive indexed with the model (a copy of the module's), and the engine of a
    process that starts on it; the model computes every vector from here on."""
    shutil.copytree(sample_data, tmp_path / "data")
    return engine_on(tmp_path / "data", real_embedder)


def test_readers_keep_answering_while_a_full_reindex_switches(real_engine: Engine) -> None:
    """A request that resolved the old collection before the switch finishes on it: the old
    collection is dropped only when that request is done. Readers in a loop meanwhile: every
    answer is right, none fails."""
    index = real_engine.services.index
    collections = real_engine.collections
    old = collections.active
    reader_inside = threading.Event()
    switched = threading.Event()
    sync_done = threading.Event()
    store = real_engine.store
    real_query = store.query
    armed = threading.Event()  # set once the re-index is embedding
    hold = threading.Lock()

    def query(collection: str, *args: Any, **kwargs: Any) -> Any:
        # The first reader to query once the re-index runs is inside a request on the old
        # collection; it is held there until the switch to the new one is published.
        if armed.is_set() and hold.acquire(blocking=False):
            assert collection == old
            reader_inside.set()
            assert switched.wait(timeout=300)
        return real_query(collection, *args, **kwargs)

    real_switch = collections.leases.switch

    def switch(publish: Callable[[], None]) -> None:
        assert reader_inside.wait(timeout=300)
        real_switch(publish)
        switched.set()

    store.query = query  # type: ignore[method-assign]
    collections.leases.switch = switch  # type: ignore[method-assign]
    answers: list[tuple[str, str]] = []

    def looping_reader(offset: int) -> Callable[[], None]:
        def run() -> None:
            n = offset
            while not sync_done.is_set() or n < offset + 3:
                question, expected = QUESTIONS[n % len(QUESTIONS)]
                answers.append((real_engine.services.qa.answer(question).text, expected))
                n += 1

        return run

    def reindex() -> None:
        try:
            report = index.sync(
                [SAMPLES],
                full=True,
                progress=lambda stage, *_: stage == "embedding" and armed.set(),
            )
            assert report.unchanged == 30  # the same articles, rebuilt
        finally:
            sync_done.set()

    errors = run_threads(looping_reader(0), looping_reader(1), reindex)
    assert errors == []
    assert collections.active != old
    assert old not in {c.name for c in store._client.list_collections()}  # type: ignore[attr-defined]
    assert real_engine.state.identity(old) is None  # no state left behind
    assert len(answers) >= 6
    wrong = [(text, expected) for text, expected in answers if expected not in text]
    assert wrong == []


def test_a_failed_full_reindex_leaves_nothing_behind(real_engine: Engine) -> None:
    before = real_engine.collections.active

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    real_engine.catalog.articles.record = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        real_engine.services.index.sync([SAMPLES], full=True)
    assert real_engine.collections.active == before
    names = {c.name for c in real_engine.store._client.list_collections()}  # type: ignore[attr-defined]
    assert names == {before}
    assert real_engine.state.building() is None
    assert isinstance(real_engine.lexical, TantivyIndex)
    assert [p.name for p in real_engine.lexical.root.iterdir()] == [before]
    assert "Harborview FC" in real_engine.services.qa.answer(QUESTIONS[0][0]).text


def test_an_orphan_of_a_killed_full_reindex_is_dropped_by_the_next_sync(
    real_engine: Engine,
) -> None:
    state = real_engine.state
    orphan = f"{state.base}-killed"
    real_engine.store.upsert(
        orphan, ["x"], real_engine.embedder.embed_documents(["x"]), ["x"], [{"article_id": "x"}]
    )
    state.set_building(orphan)
    real_engine.catalog.state.set(f"signature:{orphan}", "half")  # as a killed run left it
    report = real_engine.services.index.sync([SAMPLES])
    assert report.unchanged == 30
    names = {c.name for c in real_engine.store._client.list_collections()}  # type: ignore[attr-defined]
    assert orphan not in names
    assert state.identity(orphan) is None


def test_lexical_searches_during_rebuilds_and_writes_see_whole_snapshots(tmp_path: Path) -> None:
    """Searches run on point-in-time searchers with a stemmer per thread while full builds
    replace the folder and writes replace every article's words: every search sees one
    complete version (its ids are all of one version)."""
    lexical = TantivyIndex(tmp_path / "lexical")

    def rows(version: int) -> list[LexicalRow]:
        return [
            LexicalRow(f"v{version}-{i}", f"a{i}",
                       f"story {i} about harbours ships version{version}", 20250101, "en")
            for i in range(300)
        ]  # fmt: skip

    lexical.build("c", rows(0))
    stop = threading.Event()
    seen: list[set[str]] = []

    def search() -> None:
        while not stop.is_set():
            hits = lexical.search("c", "harbours ships running", 20)
            seen.append({chunk_id.split("-")[0] for chunk_id, _ in hits})

    def rebuild() -> None:
        try:
            for version in range(1, 15):
                if version % 2:
                    lexical.build("c", rows(version))
                else:  # every article's words replaced in one commit
                    lexical.write("c", [f"a{i}" for i in range(300)], rows(version))
        finally:
            stop.set()

    assert run_threads(search, search, rebuild) == []
    assert seen and [v for v in seen if len(v) != 1] == []
    assert {h.split("-")[0] for h, _ in lexical.search("c", "ships", 5)} == {"v14"}
    assert lexical.snapshot("c").live_ids() == {r[0] for r in rows(14)}


RUSSIAN = [
    ("Кто назначен главным тренером ФК «Белоозёрск»?", "Савченко"),
    ("Сколько стоило строительство моста через Сороку?", "9 млрд"),
    ("Кто выиграл чемпионат мира по хоккею?", "В архиве нет ответа"),
]


def test_russian_and_english_readers_while_a_full_reindex_runs(
    tmp_path: Path, real_embedder: SentenceTransformerEmbedder, remembered_model: RememberedVectors
) -> None:
    """The language parts two threads share: the detector (locked), the Russian lemmatiser
    (one per thread, its cache locked), the message catalogues (compiled once under a lock,
    then read only). Emptied first, so the readers make them while the re-index analyses the
    same words in its own thread; every answer right, in its reader's language.

    The two archives are indexed beforehand, from the model's vectors the session remembers
    (tests/support/vectors.py), by an engine of their own; the engine under test, a process
    started on that index, has the model itself: every vector the readers and the re-index
    need, the model computes, in their threads."""
    from retrieval.core import i18n, language

    russian = SAMPLES.parent / "archive-ru"
    engine_on(tmp_path / "data", remembered_model).services.index.sync([SAMPLES, russian])
    engine = engine_on(tmp_path / "data", real_embedder)
    language.question_language.cache_clear()
    language.russian_lemma.cache_clear()
    i18n._compiled.clear()
    started = threading.Event()
    done = threading.Event()
    answers: list[tuple[str, str, str]] = []

    def reader(questions: list[tuple[str, str]]) -> Callable[[], None]:
        def run() -> None:
            assert started.wait(timeout=300)
            n = 0
            while not done.is_set() or n < 2 * len(questions):
                question, expected = questions[n % len(questions)]
                answer = engine.services.qa.answer(question)
                answers.append((answer.text, expected, answer.language))
                n += 1

        return run

    def reindex() -> None:
        try:
            engine.services.index.sync(
                [SAMPLES, russian],
                full=True,
                progress=lambda stage, *_: stage == "embedding" and started.set(),
            )
        finally:
            started.set()
            done.set()

    assert run_threads(reader(RUSSIAN), reader(RUSSIAN), reader(QUESTIONS), reindex) == []
    wrong = [(text, expected) for text, expected, _ in answers if expected not in text]
    assert wrong == []
    languages = {expected: lang for _, expected, lang in answers}
    assert languages["Савченко"] == "ru" and languages["600"] == "en"

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from retrieval.core.analysis import key_terms
from retrieval.core.records import Passage
from retrieval.engine import Engine
from retrieval.search.fusion import cap_per_article, convex, fuse
from retrieval.search.hybrid import SearchOptions, SearchRequest
from tests.conftest import SAMPLE_TODAY, SAMPLES


def passage(article: str, n: int, score: float) -> Passage:
    return Passage(f"{article}:{n}", article, "t", "T", "S", None, "", score)


def test_rrf_rewards_agreement() -> None:
    scores = fuse([(1.0, ["a", "b", "c"]), (1.0, ["c", "a", "d"])], rrf_k=60)
    assert max(scores, key=scores.__getitem__) == "a"
    assert scores["c"] > scores["b"] and scores["b"] > scores["d"] * 0.99


def test_convex_fusion_normalises_bm25_and_floors_missing_dense() -> None:
    scores = convex([("a", 0.8), ("b", 0.6)], [("b", 12.0), ("c", 6.0)], dense_weight=0.5)
    assert scores["b"] == pytest.approx(0.5 * 0.6 + 0.5 * 1.0)
    assert scores["a"] == pytest.approx(0.5 * 0.8)
    assert scores["c"] == pytest.approx(0.5 * 0.6 + 0.5 * 0.5)  # dense floor = lowest seen
    assert convex([], [("x", 3.0)], 0.5) == {"x": 1.0}
    assert convex([("x", 0.7)], [], 0.5) == {"x": 0.7}


def test_cap_per_article_keeps_order_and_diversity() -> None:
    ranked = [
        passage("A", 0, 9),
        passage("A", 1, 8),
        passage("A", 2, 7),
        passage("B", 0, 6),
        passage("C", 0, 5),
    ]
    capped = cap_per_article(ranked, per_article=2, k=4)
    assert [p.chunk_id for p in capped] == ["A:0", "A:1", "B:0", "C:0"]


def dated_archive(folder: Path) -> None:
    folder.mkdir()
    for age in (1, 40, 400):
        day = SAMPLE_TODAY - timedelta(days=age)
        (folder / f"storm-{age}.txt").write_text(
            f"date {day.isoformat()} By Wire\n\nStorm report {age}\n\n"
            f"A storm hit the coast and cut power to homes, officials said. Report {age} days old.",
            encoding="utf-8",
        )
    future = SAMPLE_TODAY + timedelta(days=5)
    (folder / "future.txt").write_text(
        f"date {future.isoformat()} By Wire\n\nStorm report future\n\nA storm hit the coast and "
        "cut power to homes, officials said.",
        encoding="utf-8",
    )


def search(services: Engine, query: str, **options: Any) -> list[Passage]:
    request = SearchRequest(query, SAMPLE_TODAY, 5, options=SearchOptions(**options))
    return services.searcher.search(request)


def test_this_week_filters_and_no_time_words_prefer_recent(
    hash_engine: Engine, tmp_path: Path
) -> None:
    dated_archive(tmp_path / "src")
    hash_engine.services.index.sync([tmp_path / "src"])
    this_week = search(hash_engine, "storm power cut this week")
    assert this_week[0].title == "Storm report 1"  # inside the window: boosted
    assert this_week[0].score - this_week[1].score > 0.15
    plain = search(hash_engine, "storm power cut homes")
    assert [p.title for p in plain] == ["Storm report 1", "Storm report 40", "Storm report 400"]
    # Never an article from after the reference date, once dates are honoured...
    assert all(p.published and p.published <= SAMPLE_TODAY for p in plain)
    # ...and "in <year>" finds the old one.
    year = search(hash_engine, f"storm power cut in {(SAMPLE_TODAY - timedelta(days=400)).year}")
    assert year[0].title == "Storm report 400"
    # Without recency every article, the future one included, is a candidate.
    unaware = search(hash_engine, "storm power cut homes", recency=False)
    assert len(unaware) == 4


def test_modes_dense_lexical_hybrid_all_find_names(hash_engine: Engine, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(
        "date 2025-06-01 By P\n\nHamlin update\n\nDamar Hamlin plays for "
        "the Buffalo Bills, the team said."
    )
    (src / "b.txt").write_text("date 2025-06-01 By P\n\nWeather\n\nRain is expected all week.")
    hash_engine.services.index.sync([src])
    for mode in ("dense", "lexical", "hybrid"):
        found = search(hash_engine, "Which team does Damar Hamlin play for?", mode=mode)
        assert found[0].title == "Hamlin update", mode
    assert date(2025, 6, 1) == found[0].published


class ReverseReranker:
    """A reranker that honours the interface: it reverses the order it is given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def rerank(
        self, query: str, passages: Sequence[Passage], *, model_version: str = ""
    ) -> list[Passage]:
        self.seen.append(query)
        return list(reversed(passages))


def test_reranker_is_a_pluggable_stage(hash_engine: Engine, tmp_path: Path) -> None:
    dated_archive(tmp_path / "src")
    hash_engine.services.index.sync([tmp_path / "src"])
    plain = search(hash_engine, "storm power cut homes")
    reranker = ReverseReranker()
    hash_engine.searcher.reranker = reranker
    reranked = search(hash_engine, "storm power cut homes")
    assert reranker.seen == ["storm power cut homes"]
    assert [p.title for p in reranked] == [p.title for p in reversed(plain)]


def test_cross_encoder_reranker_reports_a_missing_model(tmp_path: Path) -> None:
    from retrieval.core.errors import ConfigError
    from retrieval.search.rerank import CrossEncoderReranker

    reranker = CrossEncoderReranker(str(tmp_path / "no-such-model"))
    with pytest.raises(ConfigError, match="cannot load the reranker"):
        reranker.rerank("q", [passage("A", 0, 1.0)])


class CountingEmbedder:
    """The hash embedder, counting what it is asked to embed."""

    def __init__(self) -> None:
        from retrieval.embed.hashing import HashEmbedder

        self.inner = HashEmbedder()
        self.name = self.inner.name
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> object:
        self.embedded.extend(texts)
        return self.inner.embed_documents(texts)


def test_cached_vectors_embed_each_text_once_and_stay_bounded() -> None:
    import numpy as np

    from retrieval.embed.cache import CachedVectors

    counting = CountingEmbedder()
    vectors = CachedVectors(counting, size=3)  # type: ignore[arg-type]
    first = vectors.vectors(["storm coast", "power lines", "storm coast"])
    assert counting.embedded == ["storm coast", "power lines"]
    assert np.allclose(first[0], first[2])
    vectors.vectors(["power lines", "city council"])
    assert counting.embedded == ["storm coast", "power lines", "city council"]
    vectors.vectors(["river flood", "school budget"])  # over the bound: the least recently used go
    vectors.vectors(["storm coast"])
    assert counting.embedded[-1] == "storm coast" and len(counting.embedded) == 6
    similarity = vectors.similarity("storm coast", ["storm coast", "school budget"])
    assert similarity[0] == pytest.approx(1.0, abs=1e-5) and similarity[1] < 0.99
    assert len(counting.embedded) == 6  # both still held
    vectors.clear()
    vectors.vectors(["storm coast"])
    assert len(counting.embedded) == 7


def test_search_applies_the_sentence_reranker_only_when_the_config_says_so(
    hash_engine: Engine, tmp_path: Path
) -> None:
    from retrieval.search.rerank import SentenceReranker

    assert isinstance(hash_engine.searcher.reranker, SentenceReranker)  # the default
    dated_archive(tmp_path / "src")
    hash_engine.services.index.sync([tmp_path / "src"])
    reranker = ReverseReranker()
    hash_engine.searcher.reranker = reranker
    request = SearchRequest("storm power cut homes", SAMPLE_TODAY, 3)
    hash_engine.searcher.search(replace(request, options=SearchOptions(rerank=False)))
    assert reranker.seen == []
    hash_engine.searcher.search(request)
    assert reranker.seen == ["storm power cut homes"]


def test_settings_choose_the_reranker(tmp_path: Path) -> None:
    from retrieval.embed.hashing import HashEmbedder
    from retrieval.engine import build_engine
    from retrieval.search.rerank import CrossEncoderReranker, SentenceReranker
    from tests.conftest import make_settings

    def reranker(**retrieval: object) -> object:
        settings = make_settings(tmp_path)
        settings = settings.model_copy(
            update={"retrieval": settings.retrieval.model_copy(update=retrieval)}
        )
        return build_engine(settings, embedder=HashEmbedder()).searcher.reranker

    default = reranker()
    assert isinstance(default, SentenceReranker) and default.depth == 10
    assert default.per_passage == 3
    assert reranker(sentence_rerank=0) is None
    assert isinstance(reranker(reranker="/models/ce"), CrossEncoderReranker)


def test_the_search_config_holds_the_settings_of_its_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every field of the search's config (and of its fusion's) is the NEWSBOT_RETRIEVAL_*
    setting of its name: set in the environment, it reaches the search."""
    from dataclasses import asdict, fields

    from retrieval.core.settings import Settings
    from retrieval.search.factory import search_config
    from retrieval.search.fusion import FusionConfig
    from retrieval.search.hybrid import SearchConfig

    values = {
        "mode": "dense",
        "candidates": 77,
        "per_article": 3,
        "recency": False,
        "stories": False,
        "dense_weight": 0.3,
        "foreign_dense_weight": 0.1,
        "fusion": "rrf",
        "rrf_k": 10,
        "recency_weight": 0.5,
        "recency_half_life_days": 3.0,
        "window_bonus": 0.7,
    }
    for name, value in values.items():
        monkeypatch.setenv(f"NEWSBOT_RETRIEVAL_{name.upper()}", str(value))
    monkeypatch.setenv("NEWSBOT_EMBEDDING_LANGUAGES", "en, RU")
    config = search_config(Settings(_env_file=None))  # type: ignore[call-arg]
    read = {**asdict(config), **asdict(config.fusion)}
    assert {name: read[name] for name in values} == values
    assert config.dense_languages == {"en", "ru"}
    named = {f.name for f in fields(SearchConfig)} - {"fusion", "dense_languages"}
    assert named | {f.name for f in fields(FusionConfig)} == set(values)


def test_warm_up_runs_one_search_through_everything(tmp_path: Path) -> None:
    """The bot's first reader must not pay for loading the vector index or the rerank: the
    warm-up searches once itself, and on an empty archive it only loads the model. It never
    calls the answerer (an LLM answerer would be sent a request at every start)."""
    from retrieval.embed.hashing import HashEmbedder
    from retrieval.engine import build_engine
    from tests.conftest import make_settings

    class NeverCalled:
        def answer(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("the warm-up called the answerer")

    engine = build_engine(
        make_settings(tmp_path / "data"),
        embedder=HashEmbedder(),
        answerer=NeverCalled(),  # type: ignore[arg-type]
        today=lambda: SAMPLE_TODAY,
    )
    engine.warm_up()  # empty: nothing to search, and no error
    assert not engine.vectors._cache
    engine.services.index.sync([SAMPLES])
    engine.warm_up()
    assert engine.vectors._cache  # the sentence rerank ran


def test_a_question_is_embedded_once(tmp_path: Path) -> None:
    """Dense search, sentence rerank and answerer share one vector cache: the question's
    vector is made once, whatever reads it."""
    from retrieval.embed.hashing import HashEmbedder
    from retrieval.engine import build_engine
    from tests.conftest import make_settings

    embedded: list[str] = []

    class Counting(HashEmbedder):
        def embed_documents(self, texts):  # type: ignore[no-untyped-def]
            embedded.extend(texts)
            return super().embed_documents(texts)

        def embed_query(self, text):  # type: ignore[no-untyped-def]
            embedded.append(text)
            return super().embed_query(text)

    engine = build_engine(
        make_settings(tmp_path / "data"), embedder=Counting(), today=lambda: SAMPLE_TODAY
    )
    engine.services.index.sync([SAMPLES])
    embedded.clear()
    engine.services.qa.answer("Who won the cup final?")
    assert embedded.count("Who won the cup final?") == 1
    assert len(embedded) == len(set(embedded))  # no sentence twice either


def test_the_sentence_rerank_embeds_the_sentences_closest_in_words() -> None:
    """With `per_passage`, each passage's sentences sharing the most key terms with the question
    are kept, in passage order; without it, all of them."""
    from retrieval.search.rerank import SentenceReranker

    text = (
        "The weather was mild across the region on Monday. "
        "The council approved the harbour budget after a long debate. "
        "Fishermen said the new harbour wall came too late. "
        "Traffic was light on the coast road all week."
    )
    passage = Passage("c1", "a1", text, "Harbour", "Gazette", SAMPLE_TODAY, "")
    terms = key_terms("Did the council approve the harbour budget?")
    every = SentenceReranker(None, per_passage=0).sentences(passage, terms)  # type: ignore[arg-type]
    assert len(every) == 4
    two = SentenceReranker(None, per_passage=2).sentences(passage, terms)  # type: ignore[arg-type]
    assert two == [every[1], every[2]]

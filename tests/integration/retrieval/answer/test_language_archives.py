"""The Russian and Azerbaijani sample archives answered end to end with the bundled model: each
alone against all its sample questions, and mixed with each other and the English translation,
where each question is answered from its own language. The rules underneath (detection,
stemming, kinds, time words) are tested in tests/unit/retrieval/test_languages.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from retrieval.engine import Engine, build_engine
from retrieval.evaluation.scoring import load_questions
from tests.conftest import ROOT, make_settings
from tests.support.vectors import RememberedVectors

RUSSIAN = ROOT / "samples" / "archive-ru"
AZERBAIJANI = ROOT / "samples" / "archive-az"
ENGLISH = ROOT / "samples" / "archive-ru-en"
TODAY = date(2025, 6, 20)


def sample_engine(folder: Path, embedder: RememberedVectors, *archives: Path) -> Engine:
    """The bot's engine, calibrated, over these sample archives, answering on TODAY."""
    engine = build_engine(
        make_settings(folder, calibrated=True), embedder=embedder, today=lambda: TODAY
    )
    engine.services.index.sync(list(archives))
    return engine


@pytest.fixture(scope="module")
def russian(
    tmp_path_factory: pytest.TempPathFactory, remembered_model: RememberedVectors
) -> Iterator[Engine]:
    yield sample_engine(tmp_path_factory.mktemp("ru"), remembered_model, RUSSIAN)


def test_every_russian_sample_question_is_answered_or_refused_rightly(russian: Engine) -> None:
    """All 30 answerable questions (follow-ups asked after the question they follow) quote a
    sentence holding the answer, in Russian, cited; all 6 the archive is silent on are refused
    in Russian."""
    questions = load_questions(ROOT / "samples" / "questions-ru.jsonl")
    assert len(questions) == 36 and sum(q.answerable for q in questions) == 30
    for item in questions:
        answer = russian.services.qa.answer(item.question, history=item.history(), today=TODAY)
        assert answer.language == "ru"
        if item.answerable:
            assert not answer.refused, (item.id, answer.missing)
            assert any(a.lower() in answer.text.lower() for a in item.answers), (item.id, answer)
            assert answer.citations and answer.citations[0].language == "ru"
        else:
            assert answer.refused, (item.id, answer.text)
            assert answer.text.startswith("В архиве нет ответа")


def test_a_mixed_archive_answers_each_question_from_its_own_language(
    tmp_path: Path, remembered_model: RememberedVectors
) -> None:
    engine = build_engine(
        make_settings(tmp_path, calibrated=True), embedder=remembered_model, today=lambda: TODAY
    )
    engine.services.index.sync([RUSSIAN, ENGLISH])
    for path, language in (("questions-ru.jsonl", "ru"), ("questions-ru-en.jsonl", "en")):
        for item in load_questions(ROOT / "samples" / path):
            if not item.answerable:
                continue
            answer = engine.services.qa.answer(item.question, history=item.history())
            assert answer.passages[0].language == language, (item.id, answer.passages[0].title)


@pytest.fixture(scope="module")
def azerbaijani(
    tmp_path_factory: pytest.TempPathFactory, remembered_model: RememberedVectors
) -> Iterator[Engine]:
    yield sample_engine(tmp_path_factory.mktemp("az"), remembered_model, AZERBAIJANI)


# Issue 35, item 4: what the Azerbaijani sample does not get right yet (BENCHMARKS.md,
# "Azerbaijani"): three of the fresh part's questions the archive is silent on share all but
# one noun with a story, or the noun is in another passage, so no rule of the bundled English
# model's path tells them from an answerable one: f05 (a theatre's director, answered with the
# library's), f07 (the children's race, answered with the marathon's winner), f08 (the
# inflation target, answered with the inflation figure).
AZ_NOT_YET = {"f05", "f07", "f08"}


@pytest.mark.parametrize(
    "part",
    [
        "questions-az.jsonl",
        "questions-az-held.jsonl",
        "questions-az-unseen.jsonl",
        "questions-az-fresh.jsonl",
    ],
)
def test_azerbaijani_sample_questions_are_answered_or_refused_rightly(
    azerbaijani: Engine, part: str
) -> None:
    """Both parts of the Azerbaijani sample (the held-out third was kept aside until the
    question kinds were written): each question outside AZ_NOT_YET that the archive answers
    quotes a sentence holding the answer, in Azerbaijani, cited, its short answer (when given)
    being the answer; each it is silent on is refused in Azerbaijani. Those in AZ_NOT_YET fail
    today, and must keep failing until fixed (so that this list stays true)."""
    questions = load_questions(ROOT / "samples" / part)
    for item in questions:
        answer = azerbaijani.services.qa.answer(item.question, history=item.history(), today=TODAY)
        assert answer.language == "az", item.id
        if item.answerable:
            right = not answer.refused and any(
                a.lower() in answer.text.lower() for a in item.answers
            )
        else:
            right = answer.refused and answer.text.startswith("Arxivdə bu barədə heç nə yoxdur")
        assert right is (item.id not in AZ_NOT_YET), (item.id, answer.text, answer.missing)
        if right and item.answerable:
            assert answer.citations and answer.citations[0].language == "az"
            if answer.short_answer:
                assert any(
                    a.lower() in answer.short_answer.lower()
                    or answer.short_answer.lower() in a.lower()
                    for a in item.answers
                ), (
                    item.id,
                    answer.short_answer,
                )


def test_a_mixed_az_ru_en_archive_answers_each_question_from_its_own_language(
    tmp_path: Path, remembered_model: RememberedVectors
) -> None:
    """Azerbaijani, Russian and English stories side by side (the forum story has a Russian
    twin in the Azerbaijani archive): each question's first passage is in its language."""
    engine = sample_engine(tmp_path, remembered_model, AZERBAIJANI, RUSSIAN, ENGLISH)
    asked = [("questions-az.jsonl", "az"), ("questions-ru.jsonl", "ru")]
    for path, language in asked:
        for item in load_questions(ROOT / "samples" / path):
            if item.answerable:
                answer = engine.services.qa.answer(item.question, history=item.history())
                assert answer.passages[0].language == language, (item.id, answer.passages[0])
    twin = engine.services.qa.answer("Сколько соглашений подпишут на Каспийском форуме в Баку?")
    assert twin.passages[0].language == "ru" and "18 соглашений" in twin.text
    own = engine.services.qa.answer("Xəzər İnvestisiya Forumunda neçə saziş imzalanacaq?")
    assert own.passages[0].language == "az" and "18 saziş" in own.text

"""The reader trained on the archive (`newsbot adapt --reader`): questions made from the
archive's own sentences, a version trained, saved whole, used from the next question, undone
by `model use original`, and one reader shared safely between threads."""

from __future__ import annotations

import fcntl
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.adapt.reader import (
    _mentions,
    _question,
    _things,
    reader_examples,
    train_version,
)
from retrieval.adapt.training import TrainingArticle, read_manifest
from retrieval.adapt.versions import ORIGINAL
from retrieval.answer.llm import QuestionWriter
from retrieval.answer.reader import SentenceReader
from retrieval.core.errors import AnswererError, ConfigError, IndexBusyError
from retrieval.core.settings import AdaptSettings, LLMSettings
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.fakes.openai_server import fake_openai

RUNWAY = TrainingArticle(
    id="runway",
    title="Saltmere airport runway reopens after six weeks of repairs",
    published=20250305,
    chunks=(
        (
            "runway#0",
            "The Saltmere airport runway reopened on Monday after six weeks of repairs, the "
            "airport operator said. The repairs were led by the engineering firm Brandt Bau "
            "GmbH under a contract worth $4 million. The council said Brandt Bau GmbH finished "
            "the runway repairs two days early. Passengers had taken buses to the neighbouring "
            "airport while the works went on. The mayor, Maria Okafor, thanked the airport "
            "staff for their patience. Okafor said the council would publish the final cost of "
            "the runway works in April.",
        ),
    ),
)
SENTENCES = [
    "The Saltmere airport runway reopened on Monday after six weeks of repairs.",
    "The repairs were led by the engineering firm Brandt Bau GmbH for $4 million.",
    "The council said Brandt Bau GmbH finished the runway repairs two days early.",
    "Mayor Maria Okafor thanked 1,200 airport staff for their patience on Tuesday.",
    "Okafor said the council would publish the final cost of the works in April.",
    "About 45 percent of passengers took buses to the neighbouring airport.",
    "The new terminal at Saltmere will open in 2027, the operator said.",
    "Saltmere said the Saltmere runway cost $4 million, and the Saltmere council paid it.",
]
TINY = {
    "reader_questions": 24,
    "reader_batch_size": 8,
    "reader_max_length": 64,
    "reader_per_article": 3,
}


def config(**updates: object) -> AdaptSettings:
    return AdaptSettings(**(TINY | updates))  # type: ignore[arg-type]


def test_a_question_is_asked_over_another_sentence_that_names_the_answer() -> None:
    examples = reader_examples([RUNWAY], None, config(reader_per_article=10))
    positives = [e for e in examples if e.label == 1.0]
    assert positives, "no question made of the runway story"
    sentences = RUNWAY.chunks[0][1]
    for positive in positives:
        assert positive.question.endswith("?")
        assert positive.answer not in positive.question  # the wh-word took its place
        assert positive.sentence in sentences  # a verbatim sentence of the story
        assert _mentions(positive.sentence, _things_named(positive.answer, positive.kind))
        negatives = [e for e in examples if e.question == positive.question and e.label == 0.0]
        assert negatives, "every question has sentences that do not answer it"
        for negative in negatives:
            assert positive.answer not in negative.sentence  # the answer removed
    # "Brandt Bau GmbH" is named twice: one sentence asks, the other answers.
    brandt = [p for p in positives if p.answer == "Brandt Bau GmbH"]
    assert brandt
    for example in brandt:
        assert "which organisation" in example.question.lower()
        assert example.sentence not in example.question  # answered by the other sentence


def _things_named(text: str, kind: str):  # type: ignore[no-untyped-def]
    from retrieval.adapt.reader import _Thing

    return _Thing(text, 0, kind)


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(SENTENCES), st.randoms(use_true_random=False))
def test_a_made_question_never_holds_its_answer(sentence: str, rng) -> None:  # type: ignore[no-untyped-def]
    for thing in _things(sentence):
        question = _question(sentence, thing, rng)
        if not question:
            continue  # no fair question of this thing (named twice, or a run-on)
        assert question.endswith("?") and question[0].isupper()
        assert thing.text not in question
        assert len(question.split()) <= 30


def test_things_are_told_by_kind() -> None:
    kinds = {t.text: t.kind for t in _things(SENTENCES[3])}
    assert kinds["Maria Okafor"] == "person"
    assert kinds["1,200"] == "number"
    assert kinds["Tuesday"] == "date"
    assert {t.kind for t in _things(SENTENCES[1])} >= {"organisation", "money"}
    assert {t.kind for t in _things(SENTENCES[5])} == {"percentage"}


def teacher(base_url: str) -> QuestionWriter:
    return QuestionWriter(LLMSettings(base_url=base_url, model="fake", timeout_s=5))


def test_a_teacher_writes_the_questions_and_a_giveaway_falls_back_to_the_template() -> None:
    asked: list[str] = []

    def reply(messages: list[dict[str, str]]) -> str:
        prompt = messages[-1]["content"]
        asked.append(prompt)
        answer = prompt.split("whose answer is exactly: ")[1].splitlines()[0]
        if answer == "Brandt Bau GmbH":
            return "Which firm, Brandt Bau GmbH, led the repairs?"  # gives the answer away
        return f"Which thing does the story name, {len(asked)}"

    with fake_openai(reply) as fake:
        examples = reader_examples(
            [RUNWAY], None, config(reader_per_article=10), teacher=teacher(fake.base_url)
        )
    positives = [e for e in examples if e.label == 1.0]
    assert asked and len(asked) == len(positives)  # one call a question
    assert "Headline: Saltmere airport runway reopens" in asked[0]
    for example in positives:
        assert example.answer not in example.question and example.question.endswith("?")
        if example.answer == "Brandt Bau GmbH":
            assert example.writer == "template"
        else:
            assert example.writer == "teacher"
            assert example.question.startswith("Which thing does the story name")


def test_a_teacher_that_fails_stops_training_with_a_clear_error() -> None:
    with fake_openai(lambda m: 500) as fake, pytest.raises(AnswererError, match="teacher at"):
        reader_examples([RUNWAY], None, config(), teacher=teacher(fake.base_url))
    with pytest.raises(ConfigError, match="NEWSBOT_LLM_BASE_URL"):
        QuestionWriter(LLMSettings(base_url=""))


def test_a_second_process_training_a_reader_is_refused_at_once(tmp_path: Path) -> None:
    root = tmp_path / "readers"
    root.mkdir()
    with open(root / ".training-lock", "w") as held:  # as another process holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(IndexBusyError, match="another newsbot process is training"):
            train_version([RUNWAY], None, root=root, base_model="unused", config=config())
    assert not [p for p in root.iterdir() if p.name != ".training-lock"]  # nothing written


def test_the_article_title_gives_the_near_misses_their_headline() -> None:
    other = ("other", "Harbour ferry timetable changes", "The ferry leaves at 9 a.m. on weekdays.")
    examples = reader_examples([RUNWAY], lambda question: [other], config(reader_per_article=10))
    near = [e for e in examples if e.title == other[1]]
    assert near and all(e.label == 0.0 for e in near)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One reader trained on the sample archive, for every test below."""
    data = tmp_path_factory.mktemp("reader") / "data"
    settings = make_settings(data)
    settings = settings.model_copy(update={"adapt": settings.adapt.model_copy(update=TINY)})
    engine = build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
    engine.services.index.sync([SAMPLES])
    stages: set[str] = set()
    report = engine.services.models.adapt_reader(
        progress=lambda stage, done, total: stages.add(stage)
    )
    assert stages >= {"questions", "training reader"}
    assert report.version == "r1" and report.steps > 0 and report.questions > 8
    assert report.peak_memory_mib > 100  # the model was loaded: a real figure
    return engine


@pytest.mark.slow
def test_a_trained_reader_is_used_saved_whole_and_undone(trained: Engine) -> None:
    engine = trained
    root = Path(engine.reader.root)
    manifest = read_manifest(root / "r1")
    assert manifest and manifest["report"]["version"] == "r1"
    assert "questions" in manifest["summary"] and "peak memory" in manifest["summary"]
    assert not list(root.glob(".r*.partial"))
    names = {(v.name, v.active) for v in engine.services.models.versions()}
    assert {(ORIGINAL, True), ("r1", True)} <= names  # the original model, read by r1
    collection = engine.collections.active
    question = "How many jobs will Corvanta cut?"

    answer = engine.services.qa.answer(question)
    assert not answer.refused
    assert answer.confidence is not None and 0.0 <= answer.confidence <= 1.0
    # `newsbot eval` warns of what the reader learnt from, as of an adapted model.
    assert engine.services.models.trained_through() is not None
    assert all(any(c.quote in p.text for p in answer.passages) for c in answer.citations)

    # A new process on this data dir reads with r1 too.
    again = build_engine(engine.settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
    assert again.services.models.reader == "r1" and again.reader.current() is not None

    report = engine.services.models.use(ORIGINAL)
    assert report.chunks == 0 and engine.collections.active == collection  # no re-embedding
    assert engine.services.models.reader == "" and engine.reader.current() is None
    assert engine.services.models.trained_through() is None
    plain = engine.services.qa.answer(question)
    assert plain.text and plain.confidence is None  # the hand-written picker (score refusal)

    with pytest.raises(ConfigError, match="no trained reader 'r7'; the readers are: r1"):
        engine.services.models.use("r7")
    assert engine.services.models.reader == ""  # a bad name changes nothing
    engine.services.models.use("r1")
    assert engine.services.models.reader == "r1"


@pytest.mark.slow
def test_a_deleted_reader_falls_back_to_the_picker(trained: Engine, tmp_path: Path) -> None:
    engine = trained
    engine.services.models.use("r1")
    kept = tmp_path / "r1"
    shutil.copytree(engine.reader.root / "r1", kept)
    question = "How many jobs will Corvanta cut?"
    assert engine.services.qa.answer(question).confidence is not None  # r1 loaded and reading
    try:
        shutil.rmtree(engine.reader.root / "r1")
        # The running engine, whose slot already held r1, answers without it...
        answer = engine.services.qa.answer(question)
        assert answer.text and answer.confidence is None
        # ...and so does a new one.
        lost = build_engine(engine.settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
        assert lost.reader.current() is None
        answer = lost.services.qa.answer(question)
        assert answer.text and answer.confidence is None  # the hand-written picker answered
    finally:
        shutil.copytree(kept, engine.reader.root / "r1")


@pytest.mark.slow
def test_one_reader_is_shared_safely_between_threads(trained: Engine) -> None:
    reader = SentenceReader(trained.reader.root / "r1" / "reader")
    items = [
        ("Corvanta to cut jobs", "Corvanta will cut 600 jobs at its plant, the company said."),
        ("Harbour ferry", "The ferry leaves at 9 a.m. on weekdays."),
        ("City budget", "The council approved a budget of $12 million on Tuesday."),
    ] * 4
    questions = [f"How many jobs will Corvanta cut{'?' * (n + 1)}" for n in range(4)]
    expected = [reader.probabilities(q, items) for q in questions]
    start = threading.Barrier(len(questions))
    got: dict[int, list[np.ndarray]] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            got[n] = [reader.probabilities(questions[n], items) for _ in range(5)]
        except BaseException as exc:  # collected: a thread's failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for n, runs in got.items():
        for run in runs:
            assert np.allclose(run, expected[n], atol=1e-5)

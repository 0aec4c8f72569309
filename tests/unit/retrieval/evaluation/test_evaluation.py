"""The evaluation service: configurations, the baseline and the answer-withheld mode."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from retrieval.core.errors import ConfigError
from retrieval.core.records import Answer, Passage
from retrieval.engine import Engine
from retrieval.evaluation import CONFIGS, EvalQuestion, evaluate, markdown_table
from retrieval.evaluation.configs import BOT
from tests.conftest import SAMPLE_QUESTIONS, SAMPLES


def passage(article: str, text: str) -> Passage:
    return Passage(f"{article}:0", article, text, article, "Outlet", None, "")


def echo(passages: list[Passage]) -> Answer:
    """Answers with its first passage, refuses when it has none."""
    if not passages:
        return Answer("no", [], refused=True)
    return Answer(passages[0].text, [], refused=False, passages=passages, searched=passages)


def test_withheld_mode_hides_the_answering_articles_and_scores_refusals() -> None:
    items = [
        EvalQuestion("1", "Who won?", ("Harborview",), (), None, True),
        EvalQuestion("2", "How many?", ("600",), (), None, True),
    ]
    archive = [
        passage("a", "Harborview won the cup."),
        passage("b", "600 jobs go."),
        passage("c", "Weather was fine."),
    ]
    seen_hidden: list[frozenset[str]] = []

    def ask(item: EvalQuestion, hidden: frozenset[str]) -> Answer:
        seen_hidden.append(hidden)
        found = [p for p in archive if p.article_id not in hidden]
        # Question 1 finds nothing once its article is hidden; question 2 still finds an
        # unrelated passage, which the echoing answerer quotes instead of refusing.
        return echo(found if item.id == "2" else [p for p in found if p.article_id == "a"])

    withheld = {"1": frozenset({"a"}), "2": frozenset({"b"})}
    scores = evaluate("x", items, ask, withhold=lambda item: withheld[item.id])
    assert frozenset({"a"}) in seen_hidden and frozenset({"b"}) in seen_hidden
    row = scores.row()
    assert scores.withheld == 2 and scores.refused_withheld == 1
    assert row["refused (withheld)"] == 0.5
    assert row["refusal recall"] == 0.5 and row["refusal precision"] == 1.0
    assert "refusal precision" in markdown_table([scores])
    plain = evaluate("y", items, ask)
    assert "refused (withheld)" not in markdown_table([plain])


def test_eval_service_withheld_on_the_sample_archive(hash_engine: Engine, tmp_path: Path) -> None:
    report = hash_engine.services.eval.run(
        SAMPLE_QUESTIONS, [str(SAMPLES)], configs=["hybrid+recency"], withheld=True
    )
    [scores] = report.results
    answerable = sum(
        1
        for line in SAMPLE_QUESTIONS.read_text().splitlines()
        if line.strip() and not json.loads(line).get("unanswerable")
    )
    assert scores.withheld == answerable
    assert "refusal recall" in report.table and "Withheld" in report.header


def test_withholder_hides_exactly_the_articles_that_mention_an_answer(
    hash_engine: Engine,
) -> None:
    """Read against the sources themselves: an article is hidden for a question when its
    headline or text holds a correct answer (case-folded), and no other is."""
    from retrieval.evaluation.scoring import load_questions
    from retrieval.ingest.loaders import Skipped, load_sources

    hash_engine.services.index.sync([SAMPLES])
    articles = [a for a in load_sources([SAMPLES]) if not isinstance(a, Skipped)]
    withhold = hash_engine.services.eval.withholder()
    answerable = [q for q in load_questions(SAMPLE_QUESTIONS) if q.answerable]
    for item in answerable:
        needles = [answer.casefold() for answer in item.answers]
        expected = {
            a.id for a in articles if any(n in f"{a.title}\n{a.text}".casefold() for n in needles)
        }
        assert withhold(item) == expected, item.question
    assert all(withhold(item) for item in answerable)  # every answer is somewhere


def test_withheld_questions_never_see_a_hidden_article(hash_engine: Engine) -> None:
    """The bot's path under the withheld mode returns no passage of a hidden article, so none
    that states the answer through one of them."""
    from retrieval.evaluation.configs import asker_for
    from retrieval.evaluation.scoring import load_questions

    hash_engine.services.index.sync([SAMPLES])
    withhold = hash_engine.services.eval.withholder()
    ask = asker_for(BOT, hash_engine.services.qa, 5)
    for item in (q for q in load_questions(SAMPLE_QUESTIONS) if q.answerable):
        hidden = withhold(item)
        found = ask(item, hidden).searched
        assert found and not {p.article_id for p in found} & hidden
        assert not any(a.casefold() in p.text.casefold() for p in found for a in item.answers)


def test_eval_service_refuses_unknown_configurations(hash_engine: Engine) -> None:
    with pytest.raises(ConfigError, match="unknown configuration"):
        hash_engine.services.eval.run(SAMPLE_QUESTIONS, [str(SAMPLES)], configs=["hybrid+magic"])
    assert "hybrid+recency+rerank" in CONFIGS


def test_eval_scores_one_span_of_questions_and_flags_an_adapted_model_that_saw_them(
    hash_engine: Engine, tmp_path: Path
) -> None:
    lines = SAMPLE_QUESTIONS.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    for record in records[:10]:
        record["date"] = "2025-06-10"  # an earlier quiz
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    everything = hash_engine.services.eval.run(questions, [str(SAMPLES)], configs=["dense"])
    assert "trained on articles" not in everything.header  # the originals: nothing to say
    late_day = date(2025, 6, 20)
    hash_engine.services.eval._trained_through = lambda: date(2025, 6, 12)  # as a manifest says
    late = hash_engine.services.eval.run(
        questions, [str(SAMPLES)], configs=["dense"], asked_from=late_day
    )
    scored = late.results[0]
    assert scored.answerable + scored.unanswerable == len(records) - 10
    assert "Asked 2025-06-20 to any time" in late.header
    assert "WARNING" not in late.header and "trained on articles up to 2025-06-12" in late.header
    both = hash_engine.services.eval.run(questions, [str(SAMPLES)], configs=["dense"])
    assert (
        "WARNING: the model or reader in use was trained on articles up to 2025-06-12"
        in both.header
    )


def test_the_bot_configuration_is_scored_on_the_readers_path(
    hash_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`newsbot eval` asks the bot's configuration through `QAService.answer`, as readers
    ask: every question reaches it, with the quiz day and the
    answerer reading the bot's top_k passages out of the ten searched for recall@10."""
    from retrieval.answer.qa import QAService

    calls: list[dict[str, object]] = []
    real = QAService.answer

    def spy(self: QAService, question: str, **options: object) -> Answer:
        calls.append({"question": question, **options})
        return real(self, question, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(QAService, "answer", spy)
    report = hash_engine.services.eval.run(SAMPLE_QUESTIONS, [str(SAMPLES)], configs=[BOT])
    items = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text().splitlines() if line]
    assert [c["question"] for c in calls] == [i["question"] for i in items]
    for item, call in zip(items, calls, strict=True):
        assert call["today"] == date.fromisoformat(item["date"]) and call["history"] == ()
    assert all(c["search"] is None and c["fetch"] == 10 and c["k"] == 5 for c in calls)
    [scores] = report.results
    assert scores.row()["recall@10"] >= scores.row()["recall@5"] > 0
    assert "confidently wrong" in report.table and "short answer right when given" in report.table


def test_confidently_wrong_counts_answers_that_name_no_correct_choice() -> None:
    items = [
        EvalQuestion("1", "Who won?", ("Harborview",), ("Kelby",), None, True),
        EvalQuestion("2", "Who lost?", ("Kelby",), ("Harborview",), None, True),
        EvalQuestion("3", "Who drew?", ("Ashford",), (), None, True),
    ]
    texts = {"1": "Harborview won.", "2": "Harborview lost.", "3": ""}

    def ask(item: EvalQuestion, hidden: frozenset[str]) -> Answer:
        if not texts[item.id]:
            return Answer("The archive does not say.", [], refused=True)
        return Answer(texts[item.id], [], short_answer=texts[item.id].split()[0])

    row = evaluate("x", items, ask).row()
    assert row["accuracy"] == 1 / 3 and row["confidently wrong"] == 1 / 3
    assert row["short answer right when given"] == 0.5

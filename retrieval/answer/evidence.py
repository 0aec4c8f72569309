"""What the extractive answerer knows about its best sentence, as numbers a refusal decision can
weigh, and how to say which of them was missing.

Every feature is read from the question and the passages retrieved for it, never from the
archive's size: the same decision serves a one-article archive and a 78,000-passage one. (The
archive's size itself was one of the measured signals; a model trained on one archive cannot
learn what it means, so it is not a feature.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from retrieval.answer.forms import Kind
from retrieval.answer.kinds import MISSING, kind_strength, short_answer
from retrieval.answer.question import Question
from retrieval.core.analysis import key_terms
from retrieval.core.records import Passage

FEATURES = (
    "passage_score",
    "passage_cosine",
    "sentence_cosine",
    "sentence_score",
    "coverage",
    "asked_coverage",
    "name_cover",
    "asks_kind",
    "kind_strength",
    "margin",
    "agreement",
)


@dataclass(frozen=True)
class Evidence:
    """The evidence for the sentence the answerer would quote. Scores are in about [0, 1]."""

    passage_score: float  # the search's best passage score (fusion, dates, rerank)
    passage_cosine: float  # the best passage's cosine similarity to the question
    sentence_cosine: float  # the quoted sentence's cosine similarity to the question
    sentence_score: float  # the answerer's score of that sentence
    coverage: float  # share of the question's key terms in the sentence and its headline
    asked_coverage: float  # share of what the question asks beyond its topic, in the sentence
    name_cover: float  # share of the names the question gives, in the sentence's passage
    asks_kind: float  # 1 when the question asks for a kind (who, when, how many…)
    kind_strength: float  # 1: the sentence names one surely of that kind; 0.75 maybe; 0 none
    margin: float  # the sentence's score over the best one from another article
    agreement: float  # share of the other articles' passages that agree with the sentence
    kind: Kind = Kind.ANY

    def vector(self) -> list[float]:
        return [float(getattr(self, name)) for name in FEATURES]

    def to_dict(self) -> dict[str, object]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    def missing(self) -> list[str]:
        """What a reader is told when the bot refuses: the evidence that was not there, in
        plain words, weakest first."""
        said = []
        if self.passage_cosine < 0.45:
            said.append("no passage is close in meaning to the question")
        if self.name_cover < 1.0:
            said.append("the passages do not name everyone and everything the question names")
        if self.asked_coverage < 0.5:
            said.append("no sentence holds what the question asks beyond its topic")
        if self.asks_kind and self.kind_strength == 0:
            said.append(f"no sentence gives {MISSING.get(self.kind, 'what is asked for')}")
        if self.agreement == 0 and self.margin < 0.05:
            said.append("no other article agrees and another sentence is as likely")
        return said or ["the evidence as a whole is weaker than answers usually have"]


def topic_terms(question: Question, title: str, passage_terms: set[str]) -> set[str]:
    """The question's terms that name its topic: the headline's, and the names it gives that
    the passage holds. What it asks beyond them (the cost, the replacement, the subscribers)
    is what a sentence that answers must hold."""
    return key_terms(title) | (question.names & passage_terms)


def gather(
    question: Question,
    passages: Sequence[Passage],
    *,
    number: int,
    sentence: str,
    sentence_score: float,
    sentence_cosine: float,
    rival_score: float,
) -> Evidence:
    """The evidence for quoting `sentence` from passage `number` (1-based); `rival_score` is
    the best score of a sentence from another article (0 when there is none)."""
    passage = passages[number - 1]
    terms = question.terms
    own = key_terms(sentence)
    held = own | key_terms(passage.title)
    names = question.names
    passage_terms = key_terms(f"{passage.title} {passage.text}")
    asked = terms - topic_terms(question, passage.title, passage_terms)
    kind = question.kind
    return Evidence(
        passage_score=max(p.score for p in passages),
        passage_cosine=max((p.similarity or 0.0) for p in passages),
        sentence_cosine=sentence_cosine,
        sentence_score=sentence_score,
        coverage=len(terms & held) / len(terms) if terms else 1.0,
        asked_coverage=len(asked & own) / len(asked) if asked else 1.0,
        name_cover=len(names & passage_terms) / len(names) if names else 1.0,
        asks_kind=float(kind in MISSING),
        kind_strength=kind_strength(sentence, question, kind) if kind in MISSING else 1.0,
        margin=max(0.0, sentence_score - rival_score),
        agreement=_agreement(question, sentence, passage, passages),
        kind=kind,
    )


def _agreement(
    question: Question, sentence: str, passage: Passage, passages: Sequence[Passage]
) -> float:
    """Share of the other articles' passages that name the sentence's short answer or, when
    it has none, hold half of what the sentence adds to the question."""
    others = [p for p in passages if p.article_id != passage.article_id]
    if not others:
        return 0.0
    short = short_answer(sentence, question)
    if short:
        return sum(short.casefold() in p.text.casefold() for p in others) / len(others)
    added = key_terms(sentence) - question.terms
    if not added:
        return 0.0
    need = max(1, len(added) // 2)
    return sum(len(added & key_terms(p.text)) >= need for p in others) / len(others)

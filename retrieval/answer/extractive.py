"""The offline answerer: quote the one or two passage sentences that answer, cite each, or refuse.

A sentence is chosen by how close it is to the question (the embedding model), how many of the
question's key terms it holds, and whether it holds new information of the kind asked for (who ->
a person's name, when -> a date, how many -> a number, which/what -> a name) that the question
does not already contain. When even the best sentence is weak, it says the archive does not say.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from retrieval.answer.answerer import REFUSAL, question_texts
from retrieval.answer.citations import renumber
from retrieval.answer.dates import RELATIVE, date_answer
from retrieval.answer.evidence import Evidence, gather, topic_terms
from retrieval.answer.forms import Kind
from retrieval.answer.kinds import MISSING, holds_asked, kind_strength, short_answer
from retrieval.answer.question import Question
from retrieval.answer.reader import ReaderSlot, SentenceReader
from retrieval.answer.refusal import RefusalModel, bundled_model, states_answer
from retrieval.core import azerbaijani as az
from retrieval.core.analysis import BOILERPLATE, is_prose, key_terms, overlap, restates
from retrieval.core.errors import ConfigError
from retrieval.core.i18n import mark
from retrieval.core.language import CYRILLIC, azerbaijani_text
from retrieval.core.records import Answer, Passage
from retrieval.core.sentences import split_sentences
from retrieval.embed.cache import CachedVectors
from retrieval.embed.protocol import Embedder
from retrieval.ingest.boilerplate import is_boilerplate_sentence, strip_dateline

logger = logging.getLogger(__name__)
# An Azerbaijani verb form by its ending: past (-ıb, -dı), future (-acaq), present (-ır,
# -ılır), participles (-an, -dığı) and the infinitive (-maq).
AZ_VERB = re.compile(
    r"(?:[ıiuü]b|[dt][ıiuü]|acaq|əcək|[ıiuü]r|[ıiuü]l[ıiuü]r|an|ən|dığı|diyi|duğu|düyü|maq|mək)"
    r"(?:lar|lər)?$"
)


@dataclass(frozen=True)
class ExtractiveConfig:
    """Every weight of the sentence score, with why it is there. Tuned on the sample archive
    and RealTimeQA dev (BENCHMARKS.md)."""

    max_sentences: int = 2
    # Below this confidence the answer is a refusal; calibrated on the sample and dev questions.
    refuse_below: float = 0.40
    second_within: float = 0.9  # a second sentence must score at least this share of the best
    # A second sentence joins only if it shares less than this share of terms with the first
    # (else it repeats it).
    same_story_overlap: float = 0.5
    min_words: int = 5  # shorter "sentences" are captions and fragments
    max_words: int = 90  # longer ones are lists and run-ons the splitter could not cut
    # The four parts of a sentence's score: closeness to the question (the model), the
    # question's key terms it holds, new information of the asked kind, and passage rank.
    similarity_weight: float = 0.45
    coverage_weight: float = 0.35
    entity_weight: float = 0.25
    prior_weight: float = 0.08
    # Every key term weighs at least this beyond its inverse sentence frequency.
    idf_floor: float = 0.2
    # A question term that is in the headline is the topic: it counts this much whatever the
    # sentence says, plus `topic_term_present` if the sentence repeats it...
    topic_term_base: float = 0.4
    topic_term_present: float = 0.3
    # ...while a term the question asks beyond the headline counts this much when present.
    asked_term_present: float = 1.4
    # "entity" when the question asks for no particular kind (neither yes nor no).
    any_kind_entity: float = 0.5
    # The rank prior: the n-th passage's sentences weigh 1 / (1 + prior_decay * (n - 1)).
    prior_decay: float = 0.25
    # A passage naming none of the question's names keeps this share of its score.
    name_cover_floor: float = 0.4
    embed_at_most: int = 16  # sentences compared with the question by the model
    # When the best sentence lacks what a specific question asks for (a figure, a date, a
    # name), a sentence that has it is quoted instead if it scores at least this share of the
    # best; otherwise the answer is partial: the closest sentence, marked as not answering.
    kind_swap_within: float = 0.8
    check_asked_kind: bool = True
    # The bold short answer is shown only when the evidence model's probability that the quote
    # answers is at least this (0: always, the default: no floor reached 60 % right on
    # RealTimeQA January-March, and any that helped hid every small-archive answer;
    # BENCHMARKS.md, "The reader's path, measured").
    short_answer_floor: float = 0.0
    # The quoted sentence's passage (headline and text) must hold at least this share of the
    # question's key terms ("How much did the library renovation cost?" is not answered by a
    # passage on a bridge's cost). Off: on RealTimeQA January-March every step of it cost as
    # many answerable questions as withheld ones it refused (benchmarks/tune_refusal.py).
    min_question_coverage: float = 0.0
    # The searcher's score of the best passage (fusion, dates and rerank: the bot's own
    # configuration) below which the archive is taken not to hold the answer. Its scale is the
    # search's, so the value comes from the settings (NEWSBOT_RETRIEVAL_MIN_PASSAGE_SCORE,
    # 0.85 for the bundled model, tuned on RealTimeQA Jan-Mar, confirmed on Apr-Jun). Used by
    # the "score" refusal only.
    min_passage_score: float = 0.0
    # "score": the passage-score floor and `refuse_below`; "learned": the refusal model over
    # the evidence (retrieval.answer.refusal), with `refuse_below` under it; "off": never
    # refuse on weak evidence (partial answers still say what is missing).
    refusal: Literal["score", "learned", "off"] = "score"
    # The languages the embedding model reads. A question in another gets cosines that say
    # little (the bundled English model rates any two Russian texts alike: 0.54 for a
    # hockey question and a marathon story, against 0.28 in English), so the passage-score
    # floor cannot refuse it; instead the quoted passage must hold this share of the
    # question's key terms (Russian sample archive: every answerable question holds half).
    dense_languages: frozenset[str] = frozenset({"en"})
    foreign_min_coverage: float = 0.5
    # ...and an Azerbaijani question is refused when this many of its nouns begin no word of
    # any passage (0: off). One is too few: a question's "pul" (money) is answered by a
    # passage's "manat" (Azerbaijani sample, BENCHMARKS.md).
    foreign_unheard_nouns: int = 2
    # The trained reader (`newsbot adapt --reader`), when one is in use: it reads this many of
    # the best sentences by the cheap score, and its probability weighs this share of a
    # sentence's score (the rest is the hand-written score above). With `reader_refuse_below`
    # above 0 the answer is a refusal below that probability instead of by the refusal above
    # (which, on the hand-written score, refused more withheld questions on RealTimeQA);
    # below `reader_short_floor` the bold short answer is held back (in place of
    # `short_answer_floor`, which is on the evidence model's probability). The weight and
    # the floors were tuned on RealTimeQA January-March, confirmed on April-June
    # (BENCHMARKS.md, *The reader trained on the archive*); the depth was not tuned.
    reader_depth: int = 32
    reader_weight: float = 0.3
    reader_refuse_below: float = 0.0
    reader_short_floor: float = 0.0


@dataclass(frozen=True)
class Candidate:
    passage: int  # 1-based
    sentence: str
    score: float
    similarity: float = 0.0  # cosine similarity to the question
    read: float | None = None  # the trained reader's probability that it answers
    # The hand-written score alone (= `score` without a reader): the refusal floors and the
    # evidence model were calibrated on it.
    own: float | None = None

    @property
    def hand_score(self) -> float:
        return self.score if self.own is None else self.own


def question_coverage(question: Question, passage: Passage) -> float:
    """Share of the question's key terms that the passage (headline and text) holds."""
    asked = question.terms
    if not asked:
        return 1.0
    return len(asked & key_terms(f"{passage.title} {passage.text}")) / len(asked)


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder: Embedder | None = None,
        config: ExtractiveConfig | None = None,
        *,
        vectors: CachedVectors | None = None,
        reader: ReaderSlot | None = None,
    ) -> None:
        self.config = config or ExtractiveConfig()
        self.reader = reader
        if vectors is None and embedder is not None:
            vectors = CachedVectors(embedder)
        self.vectors = vectors
        self.model: RefusalModel | None = None
        if self.config.refusal == "learned":
            self.model = bundled_model()

    def answer(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        reader = self._reader(question)
        candidates = self.rank(question, passages, reader=reader)
        if not candidates:
            return self._refusal(
                question, passages, None, ["no passage has a sentence fit to quote"]
            )
        best, missing = self._best(question, candidates, passages)
        evidence = self.evidence(question, passages, candidates, best)
        if reader is not None and self.config.reader_refuse_below > 0:
            refused, confidence = self._judge_read(best)
        else:  # the refusal as without a reader, on the hand-written score
            refused, confidence = self._judge(evidence, candidates)
            if best.read is not None and confidence is None:
                confidence = best.read
        if refused:
            return self._refusal(question, passages, evidence, evidence.missing(), confidence)
        if question_coverage(question, passages[best.passage - 1]) < self._coverage_floor(question):
            return self._refusal(
                question, passages, evidence, ["the passage lacks the question's terms"]
            )
        unheard = self._unheard(question, passages) if self.config.refusal != "off" else set()
        if len(unheard) >= self.config.foreign_unheard_nouns > 0:
            return self._refusal(
                question, passages, evidence, ["no passage names what the question is about"]
            )
        details = {"evidence": evidence.to_dict(), "confidence": confidence}
        if missing:
            words = question_texts(question)
            opening = words.t("The archive does not give {missing}; the closest passage says:")
            text, citations = renumber(
                f"{opening.format(missing=words.t(missing))} {best.sentence} [{best.passage}]",
                passages,
                {best.passage: best.sentence},
            )
            return Answer(
                text,
                citations,
                refused=True,
                passages=list(passages),
                partial=True,
                missing=[f"no sentence gives {missing}"],
                **details,  # type: ignore[arg-type]
            )
        chosen = self._chosen(best, candidates)
        text = " ".join(f"{c.sentence} [{c.passage}]" for c in chosen)
        quotes: dict[int, str] = {}
        for c in chosen:  # a passage's citation quotes its best sentence
            quotes.setdefault(c.passage, c.sentence)
        text, citations = renumber(text, passages, quotes)
        short = (
            date_answer(best.sentence, question, passages[best.passage - 1])
            if question.kind == Kind.DATE
            else short_answer(best.sentence, question)
        )
        if short and best.read is not None:
            if best.read < self.config.reader_short_floor:
                short = None  # the reader is not sure enough to say it in bold
        elif short and self.config.short_answer_floor > 0:
            model = self.model or bundled_model()
            if model is not None:
                confidence = model.probability(evidence)
                details["confidence"] = confidence
                if confidence < self.config.short_answer_floor:
                    short = None  # not sure enough to say it in bold: the quote stands alone
        return Answer(
            text,
            citations,
            refused=False,
            passages=list(passages),
            short_answer=short,
            **details,  # type: ignore[arg-type]
        )

    def _reader(self, question: Question) -> SentenceReader | None:
        """The trained reader, for questions in a language the model reads."""
        if self.reader is None or question.language not in self.config.dense_languages:
            return None
        return self.reader.current()

    def _judge_read(self, best: Candidate) -> tuple[bool, float | None]:
        """The reader's verdict: refuse when even the best sentence is unlikely to answer."""
        if self.config.refusal == "off" or best.read is None:
            return False, best.read
        return best.read < self.config.reader_refuse_below, best.read

    def _unheard(self, question: Question, passages: Sequence[Passage]) -> set[str]:
        """The stems of an Azerbaijani question's nouns (its words that are no verb form) that
        no word of any passage begins with: what the question is about and the archive does
        not mention ("milli futbol komandası" against a club's cup final). A prefix, not an
        equal stem, since the suffix stripper cuts some forms of a word differently."""
        if question.language != "az" or question.language in self.config.dense_languages:
            return set()
        held = {az.lower(w) for p in passages for w in re.findall(r"\w+", f"{p.title} {p.text}")}
        words = [az.lower(w) for w in re.findall(r"\w+", question.text)]
        nouns = {az.stem(w) for w in words if not AZ_VERB.search(w)} & question.terms
        return {n for n in nouns if not any(w.startswith(n) for w in held)}

    def _coverage_floor(self, question: Question) -> float:
        if self.config.refusal != "off" and question.language not in self.config.dense_languages:
            return max(self.config.min_question_coverage, self.config.foreign_min_coverage)
        return self.config.min_question_coverage

    def _refusal(
        self,
        question: Question,
        passages: Sequence[Passage],
        evidence: Evidence | None,
        missing: list[str],
        confidence: float | None = None,
    ) -> Answer:
        return Answer(
            question_texts(question).t(REFUSAL),
            [],
            refused=True,
            passages=list(passages),
            evidence=evidence.to_dict() if evidence else None,
            confidence=confidence,
            missing=missing,
        )

    def _judge(self, evidence: Evidence, candidates: list[Candidate]) -> tuple[bool, float | None]:
        """Whether to refuse, and the model's confidence that the sentence answers."""
        if self.config.refusal == "off":
            return False, None
        weak_sentence = candidates[0].hand_score < self.config.refuse_below
        if self.model is not None:
            # The model weighs the evidence; the answerer's own floor on its best sentence
            # stays under it (off-topic evidence, which RealTimeQA's withheld questions seldom
            # give the model to learn from).
            probability = self.model.probability(evidence)
            refused = self.model.refuses(evidence) or (
                weak_sentence and not states_answer(evidence)
            )
            return refused, probability
        if states_answer(evidence):
            return False, None
        weak = evidence.passage_score < self.config.min_passage_score
        return weak or weak_sentence, None

    def evidence(
        self,
        question: Question,
        passages: Sequence[Passage],
        candidates: list[Candidate],
        best: Candidate,
    ) -> Evidence:
        article = passages[best.passage - 1].article_id
        rival = max(
            (c.hand_score for c in candidates if passages[c.passage - 1].article_id != article),
            default=0.0,
        )
        return gather(
            question,
            passages,
            number=best.passage,
            sentence=best.sentence,
            sentence_score=best.hand_score,
            sentence_cosine=best.similarity,
            rival_score=rival,
        )

    def _chosen(self, best: Candidate, candidates: list[Candidate]) -> list[Candidate]:
        """The best sentence and, when one completes the same story, a second."""
        chosen = [best]
        for candidate in [c for c in candidates if c is not best]:
            if len(chosen) >= self.config.max_sentences:
                break
            if candidate.score < self.config.second_within * chosen[0].score:
                break
            # A second sentence completes the same story; it never mixes in another one.
            if (
                candidate.passage == chosen[0].passage
                and overlap(candidate.sentence, chosen[0].sentence) < self.config.same_story_overlap
            ):
                chosen.append(candidate)
        return chosen

    def _best(
        self, question: Question, candidates: list[Candidate], passages: Sequence[Passage]
    ) -> tuple[Candidate, str]:
        """The sentence to quote, and what it lacks ("" when it answers)."""
        best = candidates[0]
        if not self.config.check_asked_kind:
            return best, ""
        kind = question.kind
        if kind in MISSING and not holds_kind(best.sentence, question, kind):
            floor = self.config.kind_swap_within * best.score
            # A sentence about something else does not answer for its date: "officials who
            # spoke on Monday" does not say when the runway reopened.
            subject = len(question.terms & key_terms(best.sentence)) if kind == Kind.DATE else 0
            holding = [
                c
                for c in candidates[1:]
                if c.score >= floor
                and holds_kind(c.sentence, question, kind)
                and len(question.terms & key_terms(c.sentence)) >= subject
            ]
            if holding:
                best = holding[0]
            elif kind != Kind.DATE or passages[best.passage - 1].published is None:
                return best, MISSING[kind]
            # else answered with the story's own date ("reported …"), when the sentence says
            # more than the question itself (below)
        # A sentence that surely names the asked thing answers however few words it adds
        # ("Контракт … получила компания «СеверСтройМост»."); else it must add two.
        surely = kind in MISSING and kind_strength(best.sentence, question, kind) == 1.0
        if not surely and restates(best.sentence, question.terms, passages[best.passage - 1].title):
            return best, mark("more than the question itself says")
        return best, ""

    def rank(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        reader: SentenceReader | None = None,
    ) -> list[Candidate]:
        """Every usable passage sentence, best first, with a score in about [0, 1]."""
        config = self.config
        kind = question.worded
        terms = question.terms
        names = question.names
        pool: list[tuple[int, str]] = []
        for number, passage in enumerate(passages, start=1):
            for whole in split_sentences(passage.text):
                sentence = quotable(whole, config.min_words, config.max_words)
                if sentence:
                    pool.append((number, sentence))
        if not pool:
            return []
        # Terms every candidate sentence shares (the topic) say little about which sentence
        # answers; the rare ones ("cost", "mother") say a lot.
        passage_terms = [key_terms(f"{p.title} {p.text}") for p in passages]
        sentence_terms = [key_terms(sentence) for _, sentence in pool]
        weight = {
            t: math.log(1.0 + len(pool) / (1 + sum(t in st for st in sentence_terms)))
            + config.idf_floor
            for t in terms
        }
        total = sum(weight.values()) or 1.0
        name_cover = [
            sum(1 for n in names if n in pt) / len(names) if names else 1.0 for pt in passage_terms
        ]
        cheap: list[tuple[float, int, str]] = []
        for (number, sentence), own_terms in zip(pool, sentence_terms, strict=True):
            title_terms = topic_terms(
                question, passages[number - 1].title, passage_terms[number - 1]
            )
            # The headline states the topic; what the question asks beyond it (the cost, the
            # mother's name) is what the answering sentence must hold.
            coverage = (
                sum(
                    weight[t]
                    * (
                        config.topic_term_base + config.topic_term_present * (t in own_terms)
                        if t in title_terms
                        else config.asked_term_present * (t in own_terms)
                    )
                    for t in terms
                )
                / total
            )
            entity = (
                config.any_kind_entity
                if kind == Kind.ANY
                else kind_strength(sentence, question, kind)
            )
            prior = 1.0 / (1.0 + config.prior_decay * (number - 1))
            cheap.append(
                (
                    config.coverage_weight * coverage
                    + config.entity_weight * entity
                    + config.prior_weight * prior,
                    number,
                    sentence,
                )
            )
        # Only the most promising sentences are embedded: the model is the slow part.
        cheap.sort(key=lambda c: c[0], reverse=True)
        depth = max(config.embed_at_most, config.reader_depth if reader else 0)
        shortlist = cheap[:depth]
        similarity = self._similarity(question, [s for _, _, s in shortlist])
        read = None
        if reader is not None:
            try:
                read = reader.probabilities(
                    question.text, [(passages[n - 1].title, s) for _, n, s in shortlist]
                )
            except ConfigError as exc:  # deleted, cut short or damaged since it was chosen
                logger.warning("the trained reader failed (%s); answering without it", exc)
        scored = []
        for position, ((partial, number, sentence), sim) in enumerate(
            zip(shortlist, similarity, strict=True)
        ):
            score = config.similarity_weight * float(sim) + partial
            # A question about Messi is not answered by a passage that never names him.
            floor = config.name_cover_floor
            score *= floor + (1.0 - floor) * name_cover[number - 1]
            probability = own = None
            if read is not None:
                probability, own = float(read[position]), score
                share = config.reader_weight
                score = share * probability + (1.0 - share) * score
            scored.append(Candidate(number, sentence, score, float(sim), probability, own))
        scored.sort(key=lambda c: c.score, reverse=True)
        return scored

    def _similarity(self, question: Question, sentences: list[str]) -> np.ndarray:
        if self.vectors is None:
            terms = question.terms
            return np.array([len(terms & key_terms(s)) / max(1, len(terms)) for s in sentences])
        return np.clip(self.vectors.similarity(question.text, sentences), 0.0, 1.0)


def quotable(whole: str, min_words: int = 5, max_words: int = 90) -> str | None:
    """The sentence as it may be quoted, or None when it is no answer: too short or long,
    a question, boilerplate (bylines, credits, links, promotions), or not prose (lists,
    menus, quiz choices)."""
    # Indexes built before boilerplate was cut at ingest still hold datelines
    # ("WASHINGTON (AP) — …"); the rest of the sentence is still a verbatim quote.
    sentence = strip_dateline(whole)
    words = len(sentence.split())
    # Russian and Azerbaijani say in four words what English says in five (no articles;
    # Azerbaijani's endings are its prepositions): «Binanı "Arazinşaat" şirkəti tikib.»
    short = CYRILLIC.search(sentence) or azerbaijani_text(sentence)
    least = min_words - 1 if short else min_words
    if words < least or words > max_words:
        return None
    if sentence.endswith("?") or BOILERPLATE.search(sentence):
        return None
    if is_boilerplate_sentence(sentence) or not is_prose(sentence):
        return None
    return sentence


def holds_kind(sentence: str, question: Question, kind: Kind) -> bool:
    """`holds_asked`, with "yesterday", "today" … counting as dates (the story's date says
    which day they are)."""
    if kind == Kind.DATE and RELATIVE.search(sentence):
        return True
    return holds_asked(sentence, question, kind)

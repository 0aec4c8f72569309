"""The offline answerer: quote the one or two passage sentences that answer, cite each, or refuse.

A sentence is chosen by how close it is to the question (the embedding model), how many of the
question's key terms it holds, and whether it holds new information of the kind asked for (who ->
a person's name, when -> a date, how many -> a number, which/what -> a name) that the question
does not already contain. When even the best sentence is weak, it says the archive does not say.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.answerers import REFUSAL
from retrieval.answerers.citations import renumber
from retrieval.embeddings import CachedVectors, Embedder
from retrieval.models import Answer, Passage
from retrieval.sentences import split_sentences

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "than",
        "then",
        "there",
        "here",
        "into",
        "over",
        "after",
        "before",
        "during",
        "under",
        "up",
        "down",
        "out",
        "not",
        "no",
        "yes",
        "or",
        "and",
        "but",
        "if",
        "so",
        "such",
        "week",
        "year",
        "month",
        "day",
        "today",
        "yesterday",
        "recently",
        "latest",
        "new",
        "news",
        "according",
        "said",
        "says",
        "tell",
        "me",
        "us",
        "we",
        "you",
        "your",
        "our",
        "i",
        "recent",
        "last",
        "first",
        "one",
        "become",
        "became",
    ]
)
WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
NAME = re.compile(
    r"\b[A-Z][\w'’.-]+(?:\s+(?:of|the|de|da|van|von|al|bin|la|le|&)?\s*[A-Z][\w'’.-]+)*"
)
NUMBER = re.compile(
    r"(?:[$€£]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent|million|billion|trillion|thousand))?|\b(?:one|two|"
    r"three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|dozens|hundreds|thousands|millions)\b",
    re.IGNORECASE,
)
DATEISH = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|yesterday|tomorrow|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"^(?:read more|sign up|subscribe|follow|click|advertisement|related:|watch:|photo:|"
    r"copyright|all rights reserved)|(?:newsletter|cookies?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ExtractiveConfig:
    max_sentences: int = 2
    # Below this confidence the answer is a refusal; calibrated on the sample and dev questions.
    refuse_below: float = 0.40
    second_within: float = 0.9  # a second sentence must score at least this share of the best
    min_words: int = 5
    similarity_weight: float = 0.45
    coverage_weight: float = 0.35
    entity_weight: float = 0.25
    prior_weight: float = 0.08
    embed_at_most: int = 16  # sentences compared with the question by the model
    max_words: int = 90


def answer_type(question: str) -> str:
    q = question.lower()
    if re.search(
        r"\bhow (many|much|old|long|far|big|tall|high)\b|\bwhat (percentage|share|"
        r"number|amount|price)\b|\bhow much\b",
        q,
    ):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|day|month)\b", q):
        return "date"
    if re.search(r"\bwho(m|se)?\b", q):
        return "person"
    if re.search(r"\bwhere\b|\bwhich (country|city|state|town|region|nation|place)\b", q):
        return "place"
    if re.search(r"\b(which|what)\b", q):
        return "name"
    return "any"


def key_terms(text: str) -> set[str]:
    return {_stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


QUESTION_OPENERS = frozenset(
    [
        "who",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "whom",
        "whose",
        "is",
        "are",
        "was",
        "were",
        "did",
        "does",
        "do",
        "can",
        "could",
        "will",
        "would",
        "should",
        "has",
        "have",
        "had",
        "in",
        "on",
        "at",
        "after",
        "before",
        "during",
        "according",
        "name",
    ]
)


def question_names(question: str) -> set[str]:
    """Stems of the capitalised words a question names (not its first word): Messi, Nobel."""
    words = WORD.findall(question)
    found = set()
    for position, word in enumerate(words):
        if not word[:1].isupper() or word.lower() in STOPWORDS:
            continue
        if position == 0 and word.lower() in QUESTION_OPENERS:
            continue
        found.add(_stem(word.lower()))
    return found


_STEMMER_LOCK = threading.Lock()
_STEMMER: Any = None


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """Snowball (the same stemmer as the BM25 index): replace, replaces, replaced -> replac."""
    global _STEMMER
    word = word.replace("’", "'").removesuffix("'s")
    with _STEMMER_LOCK:
        if _STEMMER is None:
            import Stemmer

            _STEMMER = Stemmer.Stemmer("english")
        return str(_STEMMER.stemWord(word))


def _new_entities(sentence: str, question: str, kind: str) -> int:
    """How many things of the asked kind the sentence names that the question does not."""
    asked = question.lower()
    if kind == "number":
        found = [m for m in NUMBER.findall(sentence) if m.lower() not in asked]
    elif kind == "date":
        found = [m for m in DATEISH.findall(sentence) if m.lower() not in asked]
    else:
        names = NAME.findall(sentence)
        if names and sentence.startswith(names[0]) and " " not in names[0]:
            names = names[1:]  # a capital at the start of a sentence is not a name
        found = [
            n
            for n in names
            if not all(p.lower() in asked for p in n.split()) and not DATEISH.fullmatch(n)
        ]
        if kind == "person":
            found = [n for n in found if " " in n.strip()] or found[:1]
    return len(found)


@dataclass(frozen=True)
class Candidate:
    passage: int  # 1-based
    sentence: str
    score: float


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder: Embedder | None = None,
        config: ExtractiveConfig | None = None,
        *,
        vectors: CachedVectors | None = None,
    ) -> None:
        self.config = config or ExtractiveConfig()
        if vectors is None and embedder is not None:
            vectors = CachedVectors(embedder)
        self.vectors = vectors

    def answer(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[tuple[str, str]] = ()
    ) -> Answer:
        candidates = self.rank(question, passages)
        if not candidates or candidates[0].score < self.config.refuse_below:
            return Answer(REFUSAL, [], refused=True, passages=list(passages))
        chosen = [candidates[0]]
        for candidate in candidates[1:]:
            if len(chosen) >= self.config.max_sentences:
                break
            if candidate.score < self.config.second_within * chosen[0].score:
                break
            # A second sentence completes the same story; it never mixes in another one.
            if (
                candidate.passage == chosen[0].passage
                and _overlap(candidate.sentence, chosen[0].sentence) < 0.5
            ):
                chosen.append(candidate)
        text = " ".join(f"{c.sentence} [{c.passage}]" for c in chosen)
        quotes = {c.passage: c.sentence for c in chosen}
        text, citations = renumber(text, passages, quotes)
        return Answer(text, citations, refused=False, passages=list(passages))

    def rank(self, question: str, passages: Sequence[Passage]) -> list[Candidate]:
        """Every usable passage sentence, best first, with a score in about [0, 1]."""
        kind = answer_type(question)
        terms = key_terms(question)
        names = question_names(question)
        pool: list[tuple[int, str]] = []
        for number, passage in enumerate(passages, start=1):
            for sentence in split_sentences(passage.text):
                words = len(sentence.split())
                if words < self.config.min_words or words > self.config.max_words:
                    continue
                if sentence.endswith("?") or BOILERPLATE.search(sentence):
                    continue
                pool.append((number, sentence))
        if not pool:
            return []
        # Terms every candidate sentence shares (the topic) say little about which sentence
        # answers; the rare ones ("cost", "mother") say a lot.
        passage_terms = [key_terms(f"{p.title} {p.text}") for p in passages]
        sentence_terms = [key_terms(sentence) for _, sentence in pool]
        weight = {
            t: math.log(1.0 + len(pool) / (1 + sum(t in st for st in sentence_terms))) + 0.2
            for t in terms
        }
        total = sum(weight.values()) or 1.0
        name_cover = [
            sum(1 for n in names if n in pt) / len(names) if names else 1.0 for pt in passage_terms
        ]
        cheap: list[tuple[float, int, str]] = []
        for (number, sentence), own_terms in zip(pool, sentence_terms, strict=True):
            title_terms = key_terms(passages[number - 1].title)
            # The headline states the topic; what the question asks beyond it (the cost, the
            # mother's name) is what the answering sentence must hold.
            coverage = (
                sum(
                    weight[t]
                    * (0.4 + 0.3 * (t in own_terms) if t in title_terms else 1.4 * (t in own_terms))
                    for t in terms
                )
                / total
            )
            entity = 0.5 if kind == "any" else float(_new_entities(sentence, question, kind) > 0)
            prior = 1.0 / (1.0 + 0.25 * (number - 1))
            config = self.config
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
        shortlist = cheap[: self.config.embed_at_most]
        similarity = self._similarity(question, [s for _, _, s in shortlist])
        scored = []
        for (partial, number, sentence), sim in zip(shortlist, similarity, strict=True):
            score = self.config.similarity_weight * float(sim) + partial
            # A question about Messi is not answered by a passage that never names him.
            score *= 0.4 + 0.6 * name_cover[number - 1]
            scored.append(Candidate(number, sentence, score))
        scored.sort(key=lambda c: c.score, reverse=True)
        return scored

    def _similarity(self, question: str, sentences: list[str]) -> np.ndarray:
        if self.vectors is None:
            terms = key_terms(question)
            return np.array([len(terms & key_terms(s)) / max(1, len(terms)) for s in sentences])
        return np.clip(self.vectors.similarity(question, sentences), 0.0, 1.0)


def _overlap(a: str, b: str) -> float:
    terms_a, terms_b = key_terms(a), key_terms(b)
    return len(terms_a & terms_b) / max(1, min(len(terms_a), len(terms_b)))

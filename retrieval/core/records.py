"""Plain data passed between the layers. Rendering is the front ends' job."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Stage(StrEnum):
    """The stages a long job reports (the front ends translate them: bot/jobs.py STAGES)."""

    READING = "reading"
    EMBEDDING = "embedding"
    LEXICAL = "lexical"
    PAIRS = "pairs"
    TRAINING = "training"
    TRAINING_RERANKER = "training reranker"
    QUESTIONS = "questions"
    TRAINING_READER = "training reader"
    VECTORS = "vectors"
    COPYING = "copying"
    CHECKSUMS = "checksums"
    DONE = "done"  # the job is over (nothing to draw)


# progress(stage, done, total) of a long job. `total` 0: not known yet.
Progress = Callable[[Stage, int, int], None]


def no_progress(stage: Stage, done: int, total: int) -> None:
    return None


# progress(label, done, total) of a job made of several parts (`newsbot eval`): the part and
# its stage in one label ("index embedding", "eval bot", "baseline lexical").
LabelledProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Article:
    """One news article, whatever format it came from."""

    id: str
    title: str
    text: str
    published: date | None = None
    source: str = ""
    authors: tuple[str, ...] = ()
    url: str = ""
    language: str = "en"
    origin: str = ""  # where it was read from (path or URL; a record's line or entry number)
    # How it came: "file" (a path given to a sync), "url" (a page URL given to a sync), "feed"
    # (a feed poll). A full re-index keeps every article; --prune deletes only those of the
    # sources it is given.
    origin_kind: str = ""
    # A digest of the raw record or file it was parsed from, with the rules that parse and
    # clean it (`retrieval.ingest.loaders.record_key`): a sync that meets the same key again
    # knows the article without parsing it. Empty when it came any other way.
    record_key: str = ""

    @property
    def content_hash(self) -> str:
        """Changes whenever anything a reader would see changes."""
        parts = (
            self.title,
            self.text,
            self.published.isoformat() if self.published else "",
            self.source,
            "|".join(self.authors),
            self.url,
            self.language,
        )
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]

    @property
    def text_hash(self) -> str:
        """Identity of the body alone, for spotting the same story saved twice."""
        normalised = " ".join(self.text.split()).lower()
        return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Chunk:
    """A passage of an article, as shown (`text`) and as embedded (`embed_text`)."""

    id: str
    article_id: str
    number: int
    text: str
    embed_text: str


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with the article metadata a citation needs."""

    chunk_id: str
    article_id: str
    text: str
    title: str
    source: str
    published: date | None
    url: str
    score: float = 0.0
    similarity: float | None = None  # cosine similarity to the query, where dense search ran
    language: str = "en"  # the article's (ISO 639-1)
    # The story the article is a copy of (its first article's id), where stories are on; and
    # the outlets of the story's other copies, which the search leaves out.
    story: str = ""
    also_reported_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    n: int
    article_id: str
    title: str
    source: str
    published: date | None
    url: str
    quote: str
    score: float = 0.0
    language: str = "en"  # the article's (ISO 639-1)
    # Other outlets that ran a copy of the same story ("also reported by Trend, APA").
    also_reported_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url,
            "quote": self.quote,
            "score": round(self.score, 4),
            "language": self.language,
            "also_reported_by": list(self.also_reported_by),
        }


@dataclass(frozen=True)
class Answer:
    """`text` carries markers [n] that name entries of `citations`."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    passages: list[Passage] = field(default_factory=list)  # what retrieval found, for /sources
    # Everything the search returned, best first: `passages` and, when the caller asked for
    # more than the answerer reads (an evaluation's recall@10), the rest.
    searched: list[Passage] = field(default_factory=list)
    search_query: str = ""  # the question as searched (follow-ups are expanded)
    # A refusal that still quotes the closest passage, saying what it lacks ("the archive
    # does not give the figure; the closest passage says: …"). `refused` is true too.
    partial: bool = False
    # LLM sentences dropped because a number or name in them is not in the passages they cite.
    dropped_sentences: int = 0
    # One dated line per article, newest first ("What has happened with X?").
    timeline: bool = False
    # The name, date, place or figure a who/which/when/where/how-many answer gives, said first
    # ("Rafael Mendes"); None for other questions, partial answers and refusals.
    short_answer: str | None = None
    # Why the answerer quoted or refused: its evidence (retrieval.answer.evidence), the
    # refusal model's confidence that the sentence answers, and on a refusal what was missing.
    evidence: dict[str, object] | None = None
    confidence: float | None = None
    missing: list[str] = field(default_factory=list)
    language: str = "en"  # the question's (ISO 639-1); the answer's own words are in it

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = {
            "text": self.text,
            "language": self.language,
            "short_answer": self.short_answer,
            "citations": [c.to_dict() for c in self.citations],
            "refused": self.refused,
            "partial": self.partial,
            "timeline": self.timeline,
        }
        if self.confidence is not None:
            result["confidence"] = round(self.confidence, 4)
        if self.refused and self.missing:
            result["missing"] = self.missing
        if self.evidence is not None:
            result["evidence"] = self.evidence
        return result


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks: int = 0
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)
    collection: str = ""
    added_ids: list[str] = field(default_factory=list)  # articles new to the archive
    # A full re-index: articles the archive held from other sources (feeds, other paths or
    # URLs), rebuilt from their stored text into the new collection.
    kept: int = 0

    def summary(self) -> str:
        kept = f", {self.kept} kept from the archive" if self.kept else ""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted{kept}, {len(self.skipped)} skipped; "
            f"{self.chunks} chunks embedded in {self.seconds:.1f}s"
        )


@dataclass(frozen=True)
class IndexStats:
    articles: int
    chunks: int
    first_published: date | None
    last_published: date | None
    model: str
    store: str
    collection: str
    last_sync: str | None
    version: str = ""  # newsbot's own, of the process that answers
    # Articles with their copies counted once (wire copies and light rewrites of one report).
    stories: int = 0

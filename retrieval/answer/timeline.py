"""Timeline answers: "What has happened with X?" gets the cited passages ordered by date,
newest first, one line a story (its copies are one line) with its date, instead of a single
quote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from retrieval.answer.answerer import question_texts, refusal
from retrieval.answer.citations import renumber
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.question import Question
from retrieval.core.i18n import format_day
from retrieval.core.records import Answer, Passage

# A line joins the timeline only if its sentence scores at least this share of the best line.
KEEP_WITHIN = 0.6


class TimelineAnswerer:
    """The extractive answerer's sentence ranking, one best sentence per story, by date."""

    def __init__(self, extractive: ExtractiveAnswerer, *, max_lines: int = 6) -> None:
        self.extractive = ExtractiveAnswerer(
            config=replace(extractive.config, embed_at_most=64), vectors=extractive.vectors
        )
        self.max_lines = max_lines

    def answer(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        config = self.extractive.config
        if not passages or max(p.score for p in passages) < config.min_passage_score:
            return Answer(refusal(question), [], refused=True, passages=list(passages))
        # story (or, where stories are off, article) -> (passage, sentence, score)
        best_of: dict[str, tuple[int, str, float]] = {}
        for candidate in self.extractive.rank(question, passages):
            passage = passages[candidate.passage - 1]
            story = passage.story or passage.article_id
            if story not in best_of:
                best_of[story] = (candidate.passage, candidate.sentence, candidate.score)
        if not best_of or max(s for _, _, s in best_of.values()) < config.refuse_below:
            return Answer(refusal(question), [], refused=True, passages=list(passages))
        top = max(s for _, _, s in best_of.values())
        lines = [v for v in best_of.values() if v[2] >= KEEP_WITHIN * top]
        lines.sort(key=lambda v: v[2], reverse=True)
        lines = lines[: self.max_lines]
        dated = sorted(
            lines,
            key=lambda v: (passages[v[0] - 1].published is not None, passages[v[0] - 1].published),
            reverse=True,
        )
        words = question_texts(question)
        text = "\n".join(
            f"{format_day(passages[n - 1].published, words)} — {sentence} [{n}]"
            for n, sentence, _ in dated
        )
        quotes = {n: sentence for n, sentence, _ in dated}
        text, citations = renumber(text, passages, quotes)
        return Answer(text, citations, refused=False, passages=list(passages), timeline=True)

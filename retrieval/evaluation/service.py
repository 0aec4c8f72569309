"""`EvalService`: index a corpus and score a question file, configurations side by side."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.qa import QAService
from retrieval.answer.question import Question
from retrieval.answer.reader import ReaderSlot
from retrieval.core.errors import ConfigError, SourceError
from retrieval.core.records import Answer, IndexReport, LabelledProgress
from retrieval.embed.cache import CachedVectors
from retrieval.embed.protocol import Embedder
from retrieval.evaluation.configs import BASELINE, BOT, CONFIGS, asker_for
from retrieval.evaluation.scoring import (
    RECALL_AT,
    AskQuestion,
    EvalQuestion,
    Scores,
    evaluate,
    load_questions,
    markdown_table,
)
from retrieval.index.catalog.passages import PassageStore
from retrieval.index.collections import Collections
from retrieval.index.sync import SyncService
from retrieval.ingest.loaders.fetch import HttpFetcher
from retrieval.ingest.reading import Sources


@dataclass(frozen=True)
class EvalReport:
    index: IndexReport
    results: list[Scores]
    header: str  # what was scored, on what
    table: str  # Markdown, one row a configuration

    def markdown(self, command: str, written: str) -> str:
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        return (
            f"<!-- written by newsbot eval on {written} -->\n"
            f"Command: `{command}`  \nMachine: {machine}  \n{self.header}\n\n{self.table}\n"
        )


class EvalService:
    """Scores what the bot does, through the path readers take (`QAService.answer`): the bot's
    configuration is the bot itself; the others search with their options on the request and
    answer with the extractive answerer (choices are never shown to either)."""

    def __init__(
        self,
        *,
        sync: SyncService,
        collections: Collections,
        passages: PassageStore,
        qa: QAService,
        embedder: Embedder,
        vectors: CachedVectors,
        data_dir: Path,
        k_answer: int,
        answerer_config: ExtractiveConfig | None = None,
        trained_through: Callable[[], date | None] = lambda: None,
        reader: ReaderSlot | None = None,
        fetcher: HttpFetcher | None = None,
    ) -> None:
        self._reader = reader
        self._fetcher = fetcher or HttpFetcher()  # a corpus given by URL
        # The newest article the model in use learnt from (an adapted model), for the
        # leakage check: it must predate every question scored.
        self._trained_through = trained_through
        self._answerer_config = answerer_config or ExtractiveConfig()
        self._sync = sync
        self._collections = collections
        self._passages = passages
        self._qa = qa
        self._embedder = embedder
        self._vectors = vectors
        self._data_dir = data_dir
        self._k_answer = k_answer

    def run(
        self,
        questions: Path,
        corpus: Sequence[str],
        *,
        configs: Sequence[str] = CONFIGS,
        limit: int = 0,
        withheld: bool = False,
        asked_from: date | None = None,
        asked_to: date | None = None,
        progress: LabelledProgress | None = None,
    ) -> EvalReport:
        """`progress(stage, done, total)`: "index …", "baseline …", then each configuration.
        `withheld`: also ask each answerable question with every article that holds a correct
        answer hidden (at query time only): the right behaviour is then a refusal."""
        progress = progress or (lambda label, done, total: None)
        unknown = [c for c in configs if c not in CONFIGS]
        if unknown:
            raise ConfigError(
                f"unknown configuration(s): {', '.join(unknown)}; choose from {', '.join(CONFIGS)}"
            )
        items = [
            q
            for q in load_questions(questions)
            if (asked_from is None or (q.asked and q.asked >= asked_from))
            and (asked_to is None or (q.asked and q.asked <= asked_to))
        ]
        if limit:
            items = items[:limit]
        for source in corpus:
            if not source.startswith("http") and not Path(source).exists():
                raise SourceError(f"{source}: no such file or directory")
        with self._collections.reading() as view:
            stale = view.stale_reason() is not None  # another model: rebuilt, switched
        report = self._sync.sync(
            Sources.of(corpus, self._fetcher),
            full=stale,
            progress=lambda stage, done, total: progress(f"index {stage}", done, total),
        )
        withhold = self.withholder() if withheld else None
        results = []
        for name in configs:
            ask = self._asker(name, corpus, progress)
            self._vectors.clear()  # each configuration's query times start cold
            results.append(
                evaluate(
                    name,
                    items,
                    ask,
                    progress=lambda done, total, n=name: progress(f"eval {n}", done, total),  # type: ignore[misc]
                    withhold=withhold,
                )
            )
        stats = self._sync.stats()
        answerable = sum(1 for i in items if i.answerable)
        header = (
            f"{len(items)} questions ({answerable} answerable) from {questions}; corpus "
            f"{', '.join(corpus)}: {stats.articles} articles, {stats.chunks} passages."
        )
        if asked_from or asked_to:
            header += f" Asked {asked_from or 'any time'} to {asked_to or 'any time'}."
        header += self._leakage([q.asked for q in items if q.asked])
        if withheld:
            header += (
                " Withheld: each answerable question asked again with every article holding a"
                " correct answer hidden."
            )
        return EvalReport(report, results, header, markdown_table(results))

    def _leakage(self, asked: Sequence[date]) -> str:
        """What the header says of an adapted model's training data and the questions' dates."""
        through = self._trained_through()
        if through is None:
            return ""
        if asked and through >= min(asked):
            return (
                " WARNING: the model or reader in use was trained on articles up to"
                f" {through}, on or after the first question ({min(asked)}): these scores may"
                " be inflated;"
                " adapt with --before the first question's date."
            )
        return f" The model or reader in use was trained on articles up to {through} only."

    def _extractive(self) -> ExtractiveAnswerer:
        """For the configurations that are not the bot's: their passage scores are on other
        scales, so the passage-score floor (calibrated for the bot's search) is off."""
        config = replace(self._answerer_config, min_passage_score=0.0)
        return ExtractiveAnswerer(
            self._embedder, config, vectors=self._vectors, reader=self._reader
        )

    def withholder(self) -> Callable[[EvalQuestion], frozenset[str]]:
        """The articles whose headline or text mentions a correct answer, per question."""
        with self._collections.reading() as view:
            folded = {
                article_id: text.casefold()
                for article_id, text in self._passages.article_texts(view.collection).items()
            }
        cache: dict[str, frozenset[str]] = {}

        def withhold(item: EvalQuestion) -> frozenset[str]:
            if item.id not in cache:
                needles = [a.casefold() for a in item.answers if a]
                cache[item.id] = frozenset(
                    article_id
                    for article_id, text in folded.items()
                    if any(n in text for n in needles)
                )
            return cache[item.id]

        return withhold

    def _asker(self, name: str, corpus: Sequence[str], progress: LabelledProgress) -> AskQuestion:
        if name == BOT:
            return asker_for(name, self._qa, self._k_answer)
        if name != BASELINE:
            qa = self._qa.with_answerer(self._extractive())
            return asker_for(name, qa, self._k_answer)
        # The naive LangChain baseline is not the bot: its own search, the extractive answerer.
        from retrieval.evaluation.baseline import NaiveBaseline

        baseline = NaiveBaseline(self._data_dir / "baseline", self._embedder)
        baseline.build(
            list(corpus),
            progress=lambda stage, done, total: progress(f"baseline {stage}", done, total),
        )
        answerer = self._extractive()

        def ask(item: EvalQuestion, hidden: frozenset[str]) -> Answer:
            want = max(RECALL_AT)
            extra = 50 if hidden else 0  # room for the hidden ones to drop out
            found = baseline.search(item.question, want + extra)
            searched = [p for p in found if p.article_id not in hidden][:want]
            read = searched[: self._k_answer]
            answer = answerer.answer(Question.read(item.question), read, history=item.history())
            return replace(answer, passages=answer.passages or read, searched=searched)

        return ask

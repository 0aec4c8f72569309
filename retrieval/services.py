"""What front ends see of the engine: operations and read-only views, nothing else.

The Telegram bot, the CLI and the benchmarks call these; none of them reaches the catalog, the
vector store, the searcher or the collections behind them (tests/unit/test_layers.py reads every
attribute chain front ends use).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.adapt.versions import ModelService
from retrieval.answer.gaps import AskedQuestions
from retrieval.answer.log import AnswerLog
from retrieval.answer.qa import QAService
from retrieval.core.records import IndexReport, IndexStats, Progress
from retrieval.evaluation.service import EvalService
from retrieval.index.backup import BackupService
from retrieval.index.catalog.articles import StoredArticle
from retrieval.index.collections import Collections
from retrieval.index.sync import SyncService
from retrieval.ingest.loaders.fetch import HttpFetcher
from retrieval.ingest.reading import Sources
from retrieval.live.briefs import BriefService
from retrieval.live.follows import FollowService
from retrieval.live.subscriptions import FeedService
from retrieval.monitor import Monitor


class IndexOps:
    """The index as front ends may change and read it."""

    def __init__(
        self, sync: SyncService, collections: Collections, fetcher: HttpFetcher | None = None
    ) -> None:
        self._sync = sync
        self._collections = collections
        self._fetcher = fetcher or HttpFetcher()  # pages and feeds a sync is given by URL

    def sync(
        self,
        sources: Sequence[str | Path],
        *,
        full: bool = False,
        prune: bool = False,
        progress: Progress | None = None,
    ) -> IndexReport:
        read = Sources.of(sources, self._fetcher)
        return self._sync.sync(read, full=full, prune=prune, progress=progress)

    def delete(self, key: str) -> StoredArticle | None:
        return self._sync.delete(key)

    def stats(self) -> IndexStats:
        return self._sync.stats()

    def latest(self, limit: int = 10) -> list[StoredArticle]:
        return self._sync.latest(limit)

    @property
    def running(self) -> bool:
        """Whether a job (sync, full re-index, re-embed) is changing the index now."""
        return self._collections.running


@dataclass(frozen=True)
class Services:
    """Ask; keep the index, its feeds and its model; follow topics; brief; read feedback; evaluate;
    say whether all is well (health and metrics); warm up before the first question."""

    qa: QAService
    index: IndexOps
    feeds: FeedService
    follows: FollowService
    briefs: BriefService  # the daily briefing, and who gets it every morning
    models: ModelService
    feedback: AnswerLog
    questions: AskedQuestions  # what readers asked, grouped (no reader ids)
    eval: EvalService
    monitor: Monitor
    warm_up: Callable[[], None]
    backups: BackupService

"""Is the archive up? `/healthz` (liveness), `/readyz` (readiness) and `/metrics` as data: the
front end serves them."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval import metrics
from retrieval.core.errors import NewsbotError
from retrieval.core.version import newsbot_version
from retrieval.index.catalog.articles import ArticleStore
from retrieval.index.collections import Collections
from retrieval.index.lexical import LexicalIndex
from retrieval.index.store import VectorStore
from retrieval.live.subscriptions import Feed, FeedService


@dataclass(frozen=True)
class Health:
    ok: bool
    reasons: list[str] = field(default_factory=list)  # why not, in words for an operator
    details: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"status": "ok" if self.ok else "failing", "reasons": self.reasons, **self.details}


class Monitor:
    def __init__(
        self,
        *,
        articles: ArticleStore,
        collections: Collections,
        store: VectorStore,
        lexical: LexicalIndex,
        feeds: FeedService,
        alert_after: int,
    ) -> None:
        self._articles = articles
        self._collections = collections
        self._store = store
        self._lexical = lexical
        self._feeds = feeds
        self._alert_after = alert_after

    def health(self) -> Health:
        """Liveness: the process serves (this answer is the proof). Nothing outside the process
        is asked, so a stalled store or a failing feed never gets a serving bot restarted."""
        return Health(
            True,
            [],
            {"version": newsbot_version(), "indexing": self._collections.running},
        )

    def ready(self) -> Health:
        """Readiness: the vector store answers (within NEWSBOT_STORE_TIMEOUT_S) and the active
        collection's index is there (its catalog rows and its BM25 files). Feeds that keep
        failing are listed under `warnings`: the archive still answers, so they do not make it
        unready (the admins were told, and /metrics counts them)."""
        reasons: list[str] = []
        active = self._collections.active
        counts = self._articles.counts(active)
        try:
            self._store.collections()
        except NewsbotError as exc:
            reasons.append(f"the vector store does not answer: {exc}")
        if counts.articles and not self._lexical.exists(active):
            reasons.append(f"the lexical index of {active} is missing")
        failing = self._failing_feeds()
        return Health(
            not reasons,
            reasons,
            {
                "warnings": [f"feed {f.url} failed {f.failures} times in a row" for f in failing],
                "articles": counts.articles,
                "passages": counts.passages,
                "collection": active,
                "indexing": self._collections.running,
                "feeds_in_alert": len(failing),
                "version": newsbot_version(),
            },
        )

    def _failing_feeds(self) -> list[Feed]:
        return [f for f in self._feeds.all() if f.failures >= self._alert_after]

    def metrics(self) -> tuple[bytes, str]:
        """(body, content type) in Prometheus' text format."""
        counts = self._articles.counts(self._collections.active)
        return metrics.render(
            counts.articles, counts.passages, len(self._failing_feeds()), newsbot_version()
        )

    def bot_api_retry(self) -> None:
        metrics.count_bot_api_retry()

"""Is the archive up? `/healthz` and `/metrics` as data: the front end serves them."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval import metrics
from retrieval.core.errors import NewsbotError
from retrieval.index.catalog import Catalog
from retrieval.index.collections import Collections
from retrieval.index.lexical import LexicalIndex
from retrieval.index.store import VectorStore
from retrieval.live.subscriptions import FeedService


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
        catalog: Catalog,
        collections: Collections,
        store: VectorStore,
        lexical: LexicalIndex,
        feeds: FeedService,
        alert_after: int,
    ) -> None:
        self._catalog = catalog
        self._collections = collections
        self._store = store
        self._lexical = lexical
        self._feeds = feeds
        self._alert_after = alert_after

    def health(self) -> Health:
        """Healthy when the vector store answers, the active collection's index is there (its
        catalog rows and its BM25 files) and no feed has failed `alert_after` times in a row."""
        reasons: list[str] = []
        active = self._collections.active
        articles, passages, _, _ = self._catalog.counts(active)
        try:
            self._store.collections()
        except NewsbotError as exc:
            reasons.append(f"the vector store does not answer: {exc}")
        if articles and not self._lexical.exists(active):
            reasons.append(f"the lexical index of {active} is missing")
        failing = [f for f in self._feeds.all() if f.failures >= self._alert_after]
        reasons += [f"feed {f.url} failed {f.failures} times in a row" for f in failing]
        return Health(
            not reasons,
            reasons,
            {
                "articles": articles,
                "passages": passages,
                "collection": active,
                "indexing": self._collections.running,
                "feeds_in_alert": len(failing),
            },
        )

    def metrics(self) -> tuple[bytes, str]:
        """(body, content type) in Prometheus' text format."""
        articles, passages, _, _ = self._catalog.counts(self._collections.active)
        return metrics.render(articles, passages)

    def bot_api_retry(self) -> None:
        metrics.count_bot_api_retry()

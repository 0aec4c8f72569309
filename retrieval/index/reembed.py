"""Every stored passage embedded again with another model, into a new collection, from the
catalog's own text (no source is read again); readers switch to the collection and the model in
one step when it is complete."""

from __future__ import annotations

import time
from collections.abc import Callable

from retrieval import metrics
from retrieval.core.records import IndexReport, Progress, Stage, no_progress
from retrieval.embed.protocol import Embedder
from retrieval.index.catalog.articles import ArticleStore
from retrieval.index.collections import Collections
from retrieval.index.sync import BUSY
from retrieval.index.writing import CollectionWriter


class Reembedder:
    def __init__(
        self, *, collections: Collections, writer: CollectionWriter, articles: ArticleStore
    ) -> None:
        self.collections = collections
        self.writer = writer
        self.articles = articles

    def reembed(
        self,
        embedder: Embedder,
        *,
        publish: Callable[[], None] = lambda: None,
        progress: Progress | None = None,
    ) -> IndexReport:
        """`publish` runs in the switch's step too (to record which model is in use)."""
        progress = progress or no_progress
        started = time.monotonic()
        with self.collections.job(BUSY):
            old = self.collections.active

            def build(new: str) -> IndexReport:
                report = IndexReport(collection=new)
                self.articles.copy(old, new)
                self.writer.copy_stories(old, new)  # the same articles: the same stories
                ids = sorted(self.articles.in_collection(new))
                report.chunks = self.writer.embed_stored(new, ids, embedder, progress)
                report.unchanged = len(ids)
                self.writer.rebuild_lexical(new, progress)
                self.writer.state.set_identity(new, self.writer.identity(embedder))
                return report

            def switch() -> None:
                self.collections.swap_model(embedder)
                publish()

            report = self.collections.replace(build, also=switch)
        progress(Stage.DONE, 1, 1)
        report.seconds = time.monotonic() - started
        metrics.observe_job("re-embed", report.seconds)
        return report

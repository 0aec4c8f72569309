"""What one sync reads: files, directories and page or feed URLs, each article once, as it is
read. The index (retrieval/index/sync.py) compares what `Sources.read` yields with its catalog;
it never handles a path, a URL or an origin's shape itself."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.core.records import Article, IndexReport, Progress, Stage
from retrieval.ingest.dedupe import FirstOfEach, K
from retrieval.ingest.loaders import HttpFetcher, Known, Skipped, load_sources
from retrieval.ingest.loaders.common import LoadError, without_boilerplate

PROGRESS_EVERY = 200  # records read between two progress reports


@dataclass(frozen=True)
class Sources:
    """The paths and URLs one sync reads, as given, and where their articles say they came
    from (`roots`: URLs as given, paths resolved)."""

    given: tuple[str, ...]
    roots: tuple[str, ...]
    fetcher: HttpFetcher

    @classmethod
    def of(cls, sources: Sequence[str | Path], fetcher: HttpFetcher | None = None) -> Sources:
        given = tuple(str(source) for source in sources)
        return cls(given, tuple(_root(s) for s in given), fetcher or HttpFetcher())

    def holds(self, origin: str) -> bool:
        """Whether an article read from `origin` came from one of these sources: the file or
        URL itself, a record or entry of it (`file.jsonl:3`, `feed#2`), or a file under a
        directory."""
        for root in self.roots:
            if origin == root or origin.startswith(root + "#"):
                return True
            is_url = root.startswith(("http://", "https://"))
            if not is_url and origin.startswith((root.rstrip("/") + "/", root + ":")):
                return True
        return False

    def read(
        self, report: IndexReport, progress: Progress, known: Mapping[str, K]
    ) -> Iterator[Article | K]:
        """Every article once, as it is read: later copies of an id, URL or body are
        reported, not yielded; skipped input is reported with its reason. Each article is
        marked with how it came (a page or feed URL, or a file). A record whose key is in
        `known` (`Article.record_key`) is not parsed: what `known` holds for it comes instead."""
        first = FirstOfEach(report)
        read = 0
        for source in self.given:
            kind = "url" if source.startswith(("http://", "https://")) else "file"
            for item in load_sources([source], fetcher=self.fetcher, known=known):
                if isinstance(item, Skipped):
                    report.skipped.append((item.origin, item.reason))
                    continue
                read += 1
                if read % PROGRESS_EVERY == 0:
                    progress(Stage.READING, read, 0)
                if isinstance(item, Known):
                    recorded = known[item.record_key]
                    if first.first(recorded, item.origin):
                        yield recorded
                elif first.first(item, item.origin):
                    yield replace(item, origin_kind=kind)
        progress(Stage.READING, read, read)


def as_read_now(article: Article) -> Article:
    """A stored article as ingest reads text now: boilerplate stored before it was cut at
    ingest (0.2) goes when the archive is rebuilt; one that would be left with nothing is kept
    as it was (it was indexed, and deleting is the admin's call)."""
    try:
        return without_boilerplate(article)
    except LoadError:
        return article


def _root(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return source
    return str(Path(source).expanduser().resolve())

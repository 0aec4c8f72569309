"""The same article seen twice (same id, URL or body) is indexed once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, TypeVar

from retrieval.core.records import Article, IndexReport


class Recorded(Protocol):
    """What the index records of an article it holds (`StoredArticle`)."""

    @property
    def id(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def text_hash(self) -> str: ...


K = TypeVar("K", bound=Recorded)


class FirstOfEach:
    """Remembers the id, URL and body hash of every article it has let through (never its
    text), so a stream of articles is deduplicated without being held."""

    def __init__(self, report: IndexReport) -> None:
        self.report = report
        self.by_id: dict[str, str] = {}
        self.by_url: dict[str, str] = {}
        self.by_text: dict[str, str] = {}

    def first(self, item: Recorded, origin: str) -> bool:
        """True for the first of its id, URL and body; a later copy is reported as skipped
        (`origin`: where this copy was read)."""
        duplicate_of = (
            self.by_id.get(item.id)
            or (self.by_url.get(item.url) if item.url else None)
            or self.by_text.get(item.text_hash)
        )
        if duplicate_of:
            self.report.skipped.append((origin, f"duplicate of {duplicate_of}"))
            return False
        self.by_id[item.id] = self.by_text[item.text_hash] = origin
        if item.url:
            self.by_url[item.url] = origin
        return True


def unique_articles(articles: Iterable[Article], report: IndexReport) -> list[Article]:
    """The first of each id, URL and body; later copies are reported as skipped."""
    seen = FirstOfEach(report)
    return [item for item in articles if seen.first(item, item.origin)]


def same_story(stored: Mapping[str, K]) -> Callable[[Article], K | None]:
    """Finds the stored article an article read now is: the same id, else the same URL, else
    the same body (a file moved to another folder gets another id when it has no URL)."""
    by_url = {a.url: a for a in stored.values() if a.url}
    by_text = {a.text_hash: a for a in stored.values()}

    def find(article: Article) -> K | None:
        return (
            stored.get(article.id)
            or (by_url.get(article.url) if article.url else None)
            or by_text.get(article.text_hash)
        )

    return find

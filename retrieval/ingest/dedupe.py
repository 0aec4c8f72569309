"""The same article seen twice (same id, URL or body) is indexed once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from retrieval.core.records import Article, IndexReport


class Known(Protocol):
    """What the index records of an article it holds (`StoredArticle`)."""

    @property
    def id(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def text_hash(self) -> str: ...


K = TypeVar("K", bound=Known)


def unique_articles(articles: Sequence[Article], report: IndexReport) -> list[Article]:
    """The first of each id, URL and body; later copies are reported as skipped."""
    unique: list[Article] = []
    by_id: dict[str, str] = {}
    by_url: dict[str, str] = {}
    by_text: dict[str, str] = {}
    for item in articles:
        duplicate_of = (
            by_id.get(item.id)
            or (by_url.get(item.url) if item.url else None)
            or by_text.get(item.text_hash)
        )
        if duplicate_of:
            report.skipped.append((item.origin, f"duplicate of {duplicate_of}"))
            continue
        by_id[item.id] = by_text[item.text_hash] = item.origin
        if item.url:
            by_url[item.url] = item.origin
        unique.append(item)
    return unique


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

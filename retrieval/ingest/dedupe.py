"""The same article seen twice (same id, URL or body) is indexed once."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.core.records import Article, IndexReport


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

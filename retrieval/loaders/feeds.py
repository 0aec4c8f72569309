"""RSS and Atom feeds. Entries with only a teaser are completed from their linked page."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import feedparser

from retrieval.errors import SourceError
from retrieval.loaders.common import LoadError, Skipped, article_from_record, clean_text
from retrieval.loaders.fetch import HttpFetcher
from retrieval.loaders.html import parse_html_article
from retrieval.models import Article

logger = logging.getLogger(__name__)
TEASER_CHARS = 600


def looks_like_feed(content: bytes, content_type: str = "") -> bool:
    if any(kind in content_type for kind in ("rss", "atom", "/xml")):
        return True
    head = content[:512].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in content[:2048] or b"<feed" in content[:2048])


def _html_to_text(html: str) -> str:
    import trafilatura

    text = trafilatura.extract(f"<html><body><article>{html}</article></body></html>") or ""
    if not text:
        # Short teasers can be too small for trafilatura's heuristics.
        import re

        text = re.sub(r"<[^>]+>", " ", html)
    return clean_text(text.replace("\n", "\n\n"))


def _entry_text(entry: Any) -> str:
    if entry.get("content"):
        return _html_to_text(" ".join(part.get("value", "") for part in entry["content"]))
    return _html_to_text(entry.get("summary", "") or "")


def parse_feed(
    content: bytes, origin: str, *, fetcher: HttpFetcher | None = None
) -> Iterator[Article | Skipped]:
    feed = feedparser.parse(content)
    if feed.bozo and not feed.entries:
        raise LoadError(f"not a readable RSS/Atom feed ({feed.get('bozo_exception', 'invalid')})")
    outlet = feed.feed.get("title", "")
    for number, entry in enumerate(feed.entries, start=1):
        where = f"{origin}#{number}"
        link = entry.get("link", "")
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        published = time.strftime("%Y-%m-%d", parsed) if parsed else None
        text = _entry_text(entry)
        if fetcher is not None and link.startswith("http") and len(text) < TEASER_CHARS:
            try:
                page = fetcher.fetch(link)
                full = parse_html_article(page.content.decode("utf-8", "replace"), link, url=link)
                if len(full.text) > len(text):
                    text = full.text
            except (SourceError, LoadError) as exc:
                logger.info("kept the feed teaser for %s: %s", link, exc)
        try:
            yield article_from_record(
                {
                    "id": entry.get("id", "") if not link else "",
                    "title": entry.get("title", ""),
                    "text": text,
                    "url": link,
                    "date": published,
                    "source": outlet,
                    "author": entry.get("author", ""),
                    "language": feed.feed.get("language", "en"),
                },
                where,
            )
        except LoadError as exc:
            yield Skipped(where, str(exc))

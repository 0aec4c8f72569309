"""RSS and Atom feeds. Entries with only a teaser are completed from their linked page."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import feedparser

from retrieval.core.errors import SourceError
from retrieval.core.records import Article
from retrieval.ingest.loaders.common import (
    LoadError,
    Skipped,
    article_from_record,
    clean_text,
    declared_charset,
    decode_text,
)
from retrieval.ingest.loaders.fetch import HttpFetcher
from retrieval.ingest.loaders.html import parse_html_article

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


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed, before its page is fetched. `key` names it across polls (its id,
    else its link, else its title); `fingerprint` changes when the entry is edited."""

    key: str
    fingerprint: str
    raw: Any = field(compare=False, repr=False)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    language: str
    entries: list[FeedEntry]


def read_feed(content: bytes) -> ParsedFeed:
    """The feed's entries, newest first as the feed lists them; LoadError if not a feed."""
    feed = feedparser.parse(content)
    # Feeds with small faults still parse; broken XML whose entries have neither a link nor
    # an id (a truncated download, an HTML error page) is not a feed.
    if feed.bozo and not any(e.get("link") or e.get("id") for e in feed.entries):
        raise LoadError(f"not a readable RSS/Atom feed ({feed.get('bozo_exception', 'invalid')})")
    entries = []
    for entry in feed.entries:
        key = entry.get("id") or entry.get("link") or entry.get("title") or ""
        seen = "\x1f".join(
            str(entry.get(name, ""))
            for name in ("title", "link", "summary", "updated", "published", "author")
        )
        body = " ".join(part.get("value", "") for part in entry.get("content", []))
        fingerprint = hashlib.sha256(f"{seen}\x1f{body}".encode()).hexdigest()[:32]
        entries.append(FeedEntry(str(key), fingerprint, entry))
    return ParsedFeed(feed.feed.get("title", ""), feed.feed.get("language", ""), entries)


def entry_article(
    entry: FeedEntry, feed: ParsedFeed, where: str, *, fetcher: HttpFetcher | None = None
) -> Article:
    """The entry as an article; a teaser is completed from the linked page when it can be."""
    raw = entry.raw
    link = raw.get("link", "")
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    published = time.strftime("%Y-%m-%d", parsed) if parsed else None
    text = _entry_text(raw)
    if fetcher is not None and link.startswith("http") and len(text) < TEASER_CHARS:
        try:
            page = fetcher.fetch(link)
            html = decode_text(page.content, declared_charset(page.content_type))
            full = parse_html_article(html, link, url=link)
            if len(full.text) > len(text):
                text = full.text
        except (SourceError, LoadError) as exc:
            logger.info("kept the feed teaser for %s: %s", link, exc)
    return article_from_record(
        {
            "id": raw.get("id", "") if not link else "",
            "title": raw.get("title", ""),
            "text": text,
            "url": link,
            "date": published,
            "source": feed.title,
            "author": raw.get("author", ""),
            "language": feed.language,
        },
        where,
    )


def parse_feed(
    content: bytes, origin: str, *, fetcher: HttpFetcher | None = None
) -> Iterator[Article | Skipped]:
    feed = read_feed(content)
    for number, entry in enumerate(feed.entries, start=1):
        where = f"{origin}#{number}"
        try:
            yield entry_article(entry, feed, where, fetcher=fetcher)
        except LoadError as exc:
            yield Skipped(where, str(exc))

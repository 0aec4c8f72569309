"""HTML article pages: trafilatura keeps the main text and metadata, drops navigation."""

from __future__ import annotations

import re

import trafilatura

from retrieval.core.records import Article
from retrieval.ingest.loaders.common import LoadError, article_from_record, parse_authors

# <html lang="ru">, which trafilatura's metadata does not carry.
HTML_LANG = re.compile(
    r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)", re.I
)


def page_language(content: str) -> str:
    """The language a page declares on its <html> element, or ""."""
    match = HTML_LANG.search(content[:5000])
    return match[1] if match else ""


def parse_html_article(content: str, origin: str, url: str = "") -> Article:
    document = trafilatura.bare_extraction(
        content,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    if document is None:
        raise LoadError("no article text found in the HTML page")
    meta = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = str(meta.get("text") or "")
    title = str(meta.get("title") or "")
    if title and text.startswith(title):
        text = text[len(title) :].lstrip()
    if not text.strip():
        raise LoadError("no article text found in the HTML page")
    # trafilatura keeps one paragraph a line; make them paragraphs.
    text = "\n\n".join(line for line in text.split("\n") if line.strip())
    return article_from_record(
        {
            "title": title,
            "text": text,
            "url": url or meta.get("url") or "",
            "date": meta.get("date"),
            "source": meta.get("sitename") or meta.get("hostname") or "",
            "authors": list(parse_authors(meta.get("author") or "")),
            "language": meta.get("language") or page_language(content),
        },
        origin,
    )

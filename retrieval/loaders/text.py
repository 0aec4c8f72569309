"""Plain-text articles: `date YYYY-MM-DD By Outlet`, paragraphs, a social-media footer."""

from __future__ import annotations

import re

from retrieval.loaders.common import (
    LoadError,
    article_id,
    clean_text,
    derive_title,
    parse_date,
)
from retrieval.models import Article

DATELINE = re.compile(r"^\s*date\s+(?P<date>\S+)(?:\s+By\s+(?P<source>.+?))?\s*$", re.IGNORECASE)
FIELD_LINE = re.compile(r"^\s*(title|headline|url|source|date|by)\s*:\s*(.+?)\s*$", re.IGNORECASE)
SOCIAL = re.compile(
    r"follow us|twitter|facebook|instagram|telegram|subscribe|newsletter|share this|@\w+",
    re.IGNORECASE,
)
FOOTER_MAX_CHARS = 400


def strip_footer(body: str) -> str:
    """Drop a trailing `---` block or trailing lines that only point at social media."""
    parts = re.split(r"\n\s*-{3,}\s*(?:\n|$)", body)
    if (
        len(parts) > 1
        and len(parts[-1]) <= FOOTER_MAX_CHARS
        and (not parts[-1].strip() or SOCIAL.search(parts[-1]))
    ):
        body = "\n---\n".join(parts[:-1])
    lines = body.rstrip().split("\n")
    while lines and (not lines[-1].strip() or (len(lines[-1]) < 120 and SOCIAL.search(lines[-1]))):
        lines.pop()
    return "\n".join(lines)


def parse_text_article(content: str, origin: str) -> Article:
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fields: dict[str, str] = {}
    # Header: a dateline and/or `Key: value` lines before the first paragraph.
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        line = lines[index]
        dateline = DATELINE.match(line)
        field_line = FIELD_LINE.match(line)
        if dateline:
            fields["date"] = dateline["date"]
            if dateline["source"]:
                fields["source"] = dateline["source"]
        elif field_line:
            key = field_line[1].lower()
            fields[{"headline": "title", "by": "source"}.get(key, key)] = field_line[2]
        else:
            break
        index += 1
    body = "\n".join(lines[index:])
    body = strip_footer(body).strip()
    title = fields.get("title", "")
    if not title:
        # A short first line standing alone, without a full stop, is a headline.
        first, _, rest = body.partition("\n")
        if (
            rest.strip()
            and 0 < len(first.strip()) <= 150
            and not first.rstrip().endswith((".", "”", '"'))
        ):
            title, body = first.strip().lstrip("# "), rest
    text = clean_text(body)
    if not text:
        raise LoadError("no article text after the header")
    url = fields.get("url", "")
    return Article(
        id=article_id("", url, origin),
        title=title or derive_title(text),
        text=text,
        published=parse_date(fields.get("date")),
        source=fields.get("source", ""),
        url=url,
        origin=origin,
    )

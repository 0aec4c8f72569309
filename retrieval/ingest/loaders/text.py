"""Plain-text articles: `date YYYY-MM-DD By Outlet`, paragraphs, a social-media footer."""

from __future__ import annotations

import re

from retrieval.core.records import Article
from retrieval.ingest.loaders.common import (
    LoadError,
    article_id,
    article_language,
    clean_text,
    derive_title,
    parse_date,
)

DATELINE = re.compile(r"^\s*date\s+(?P<date>\S+)(?:\s+By\s+(?P<source>.+?))?\s*$", re.IGNORECASE)
FIELD_LINE = re.compile(
    r"^\s*(title|headline|url|source|date|by|language)\s*:\s*(.+?)\s*$", re.IGNORECASE
)
# A footer line is a call to action ("Follow us on Twitter @X", "Subscribe to our newsletter")
# or nothing but handles, hashtags and links. A sentence of the story is never one of these.
CALL_TO_ACTION = re.compile(
    r"^(?:[-•*]\s*)?(?:"
    r"(?:follow|like|join|find|connect with|watch|listen to)\s+(?:us|@\w+|our)\b"
    r"|(?:subscribe|sign up|register)\b.*\b(?:our|newsletter|channel|feed|alerts?)\b"
    r"|share (?:this|on)\b"
    r"|(?:download|get) our\b"
    r"|read more (?:at|on)\b"
    r")",
    re.IGNORECASE,
)
HANDLES_AND_LINKS = re.compile(
    r"^(?:(?:@\w+|#\w+|https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)[\s,;|·•/]*)+$"
)
FOOTER_MAX_CHARS = 400
FOOTER_LINE_MAX_CHARS = 200


def is_footer_line(line: str) -> bool:
    line = line.strip()
    return not line or (
        len(line) <= FOOTER_LINE_MAX_CHARS
        and bool(CALL_TO_ACTION.match(line) or HANDLES_AND_LINKS.match(line))
    )


def strip_footer(body: str) -> str:
    """Drop a trailing block after a `---` line when every line of it is a call to action,
    a handle or a link (the seed format's social-media footer). Nothing else is ever dropped."""
    parts = re.split(r"\n\s*-{3,}\s*(?:\n|$)", body)
    footer = parts[-1]
    if (
        len(parts) > 1
        and len(footer) <= FOOTER_MAX_CHARS
        and all(is_footer_line(line) for line in footer.split("\n"))
    ):
        body = "\n---\n".join(parts[:-1])
    return body.rstrip()


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
    title = title or derive_title(text)
    return Article(
        id=article_id("", url, origin),
        title=title,
        text=text,
        published=parse_date(fields.get("date")),
        source=fields.get("source", ""),
        url=url,
        language=article_language(fields.get("language", ""), title, text),
        origin=origin,
    )

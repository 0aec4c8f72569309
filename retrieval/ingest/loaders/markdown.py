"""Markdown or text with YAML front matter."""

from __future__ import annotations

import re

import yaml

from retrieval.core.records import Article
from retrieval.ingest.loaders.common import LoadError, article_from_record
from retrieval.ingest.loaders.text import parse_text_article

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)(.*)\Z", re.DOTALL)
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def markdown_to_text(body: str) -> tuple[str, str]:
    """(first `# heading` or "", the body as plain paragraphs)."""
    heading = ""
    lines: list[str] = []
    for line in body.split("\n"):
        match = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match and not heading and not any(x.strip() for x in lines):
            heading = match[1]
            continue
        if match:
            line = match[1]
        line = LINK.sub(r"\1", line)
        line = re.sub(r"(\*\*|__|`)", "", line)
        line = re.sub(r"^\s*>\s?", "", line)
        line = re.sub(r"^\s*[-*+]\s+", "", line)
        lines.append(line)
    return heading, "\n".join(lines)


def parse_markdown_article(content: str, origin: str) -> Article:
    match = FRONT_MATTER.match(content.lstrip("\ufeff"))
    if not match:
        heading, body = markdown_to_text(content)
        article = parse_text_article(body, origin)
        if heading:
            return article_from_record(
                {
                    "title": heading,
                    "text": article.text,
                    "date": article.published,
                    "source": article.source,
                    "url": article.url,
                },
                origin,
            )
        return article
    try:
        meta = yaml.safe_load(match[1]) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"front matter is not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(meta, dict):
        raise LoadError("front matter is not a mapping of fields")
    heading, body = markdown_to_text(match[2])
    record = {str(k): v for k, v in meta.items()}
    record["text"] = body
    if heading and not record.get("title"):
        record["title"] = heading
    return article_from_record(record, origin)

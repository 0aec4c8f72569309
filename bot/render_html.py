"""Telegram HTML rendering: escaped text, inline [n] markers, a sources footer, safe splitting."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from retrieval.core.records import Answer, Citation, IndexReport, IndexStats
from retrieval.index.catalog import StoredArticle

LIMIT = 4096
TAG_OR_ENTITY = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>|&[#\w]+;")


def link(url: str, text: str) -> str:
    """`text` (already escaped) as a link when `url` is http(s); other schemes (javascript:,
    data:, tg:, file:) from an article's metadata are never rendered as links."""
    if re.match(r"https?://[^\s\"<>]+$", url.strip(), re.IGNORECASE):
        return f'<a href="{html.escape(url.strip())}">{text}</a>'
    return text


def source_line(citation: Citation) -> str:
    when = citation.published.strftime("%d %b %Y") if citation.published else "undated"
    headline = link(citation.url, html.escape(citation.title))
    return f"[{citation.n}] {headline} — {html.escape(citation.source or 'unknown outlet')}, {when}"


def render_answer(answer: Answer) -> str:
    body = html.escape(answer.text)
    if answer.partial:
        # Not an answer: the closest passage, shown as such.
        body = f"⚠️ <i>{body}</i>"
    elif answer.short_answer:
        body = f"<b>{html.escape(lead(answer.short_answer))}</b> {body}"
    if not answer.citations:
        return body
    heading = "Closest source" if answer.partial else "Sources"
    return body + f"\n\n<b>{heading}</b>\n" + "\n".join(source_line(c) for c in answer.citations)


def lead(short_answer: str) -> str:
    """The short answer as the reply's first sentence: "Rafael Mendes."."""
    return short_answer if short_answer.endswith((".", "!", "?")) else f"{short_answer}."


def render_quotes(citations: Sequence[Citation]) -> str:
    """Each cited passage as an expandable blockquote under its headline."""
    if not citations:
        return "No sources for this answer."
    blocks = [
        f"{source_line(c)}\n<blockquote expandable>{html.escape(c.quote)}</blockquote>"
        for c in citations
    ]
    return "\n\n".join(blocks)


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def render_stats(
    stats: IndexStats,
    *,
    answered: int = 0,
    up: int = 0,
    down: int = 0,
    pushed: int = 0,
    week: tuple[int, int, int] = (0, 0, 0),
) -> str:
    span = (
        f"{stats.first_published:%d %b %Y} – {stats.last_published:%d %b %Y}"
        if stats.first_published and stats.last_published
        else "–"
    )
    rows = [
        ("Articles", f"{stats.articles:,}"),
        ("Passages", f"{stats.chunks:,}"),
        ("Published", span),
        ("Model", stats.model),
        ("Store", stats.store),
        ("Collection", stats.collection),
        ("Last sync", stats.last_sync or "never"),
        ("Questions answered", f"{answered:,}"),
        ("Pushed to followers", f"{pushed:,}"),
        ("Feedback", f"👍 {up} · 👎 {down}"),
        ("Last 7 days", f"{week[0]:,} answered · 👍 {week[1]} · 👎 {week[2]}"),
    ]
    return "\n".join(f"<b>{k}:</b> {html.escape(str(v))}" for k, v in rows)


def split_html(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces of at most `limit` characters: cut at paragraph breaks, else lines, else spaces;
    never inside a tag or an entity. A tag open at a cut is closed there and reopened after."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    reopen = ""
    while rest:
        rest = reopen + rest
        if len(rest) <= limit:
            pieces.append(rest)
            break
        cut = _cut_point(rest, limit)
        head, rest = rest[:cut], rest[cut:].lstrip("\n ")
        open_tags = _open_tags(head)
        closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        while len(head) + len(closing) > limit:  # make room for the closing tags
            cut = _cut_point(head, len(head) - len(closing) - 1)
            head, rest = head[:cut], head[cut:] + rest
            open_tags = _open_tags(head)
            closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        pieces.append(head.rstrip() + closing)
        reopen = "".join(f"<{name}{attrs}>" for name, attrs in open_tags)
    return [p for p in pieces if strip_tags(p).strip()]


def _cut_point(text: str, limit: int) -> int:
    window = text[:limit]
    protected = [(m.start(), m.end()) for m in TAG_OR_ENTITY.finditer(text) if m.start() < limit]

    def safe(i: int) -> bool:
        return all(not (start < i < end) for start, end in protected)

    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        while position > 0:
            if safe(position):
                return position
            position = window.rfind(separator, 0, position)
    position = limit
    while position > 1 and not safe(position):
        position -= 1
    return position


def _open_tags(text: str) -> list[tuple[str, str]]:
    stack: list[tuple[str, str]] = []
    for match in TAG_OR_ENTITY.finditer(text):
        if not match.group(2):
            continue
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == name:
                    del stack[index]
                    break
        elif not attrs.rstrip().endswith("/"):
            stack.append((name, attrs))
    return stack


def render_report(report: IndexReport, title: str, *, skipped_shown: int = 10) -> str:
    """A sync's outcome for the admin's status message: counts, then the first skips."""
    lines = [f"<b>{html.escape(title)}</b>", html.escape(report.summary())]
    for origin, reason in report.skipped[:skipped_shown]:
        name = origin.rsplit("/", 1)[-1] or origin
        lines.append(f"• skipped {html.escape(name)}: {html.escape(reason)}")
    if len(report.skipped) > skipped_shown:
        lines.append(f"… and {len(report.skipped) - skipped_shown} more skipped")
    return "\n".join(lines)


def render_latest(articles: Sequence[StoredArticle]) -> str:
    """The latest indexed articles, one line each, with the id /delete takes."""
    lines = [f"<b>Latest {len(articles)} articles</b>"]
    for article in articles:
        when = article.published.isoformat() if article.published else "undated"
        headline = link(article.url, html.escape(article.title))
        source = html.escape(article.source)
        lines.append(f"• {headline} — {source}, {when} <code>{html.escape(article.id)}</code>")
    return "\n".join(lines)

"""Telegram HTML rendering: escaped text, inline [n] markers, a sources footer, safe splitting."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date

from bot.texts import texts_in
from retrieval.core.i18n import Texts, format_day
from retrieval.core.records import Answer, Citation, IndexReport, IndexStats
from retrieval.index.catalog.articles import StoredArticle

LIMIT = 4096
TAG_OR_ENTITY = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>|&[#\w]+;")


def link(url: str, text: str) -> str:
    """`text` (already escaped) as a link when `url` is http(s); other schemes (javascript:,
    data:, tg:, file:) from an article's metadata are never rendered as links."""
    if re.match(r"https?://[^\s\"<>]+$", url.strip(), re.IGNORECASE):
        return f'<a href="{html.escape(url.strip())}">{text}</a>'
    return text


def day(value: date | None, words: Texts) -> str:
    """A date as the reader's language writes it: "03 Mar 2025", "03 мар. 2025"."""
    return format_day(value, words)


def source_line(
    citation: Citation, words: Texts, *, mark_language: bool = True, shown: int | None = 5
) -> str:
    """A cited source, as answers and the briefing show it: [n] headline — outlet, date; with
    `mark_language`, the article's language where it is not the reader's (an English question
    answered from a Russian story); the other outlets that ran a copy, the first `shown` of
    them named (None: all)."""
    headline = link(citation.url, html.escape(citation.title))
    outlet = html.escape(citation.source or words.t("unknown outlet"))
    line = f"[{citation.n}] {headline} — {outlet}, {day(citation.published, words)}"
    if mark_language and citation.language != words.language:
        line += f" · {html.escape(citation.language.upper())}"
    if citation.also_reported_by:
        also = words.t("also reported by {outlets}")
        named = outlets(citation.also_reported_by, shown)
        line += " · " + also.format(outlets=html.escape(named))
    return line


def outlets(names: Sequence[str], shown: int | None = 5) -> str:
    """ "Trend, APA", and past `shown` names how many more: "Trend, APA, … +3"."""
    if shown is None or len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])}, … +{len(names) - shown}"


def render_answer(answer: Answer, words: Texts | None = None) -> str:
    """The answer in the language it was asked in (its own words came from the engine)."""
    words = words or texts_in(answer.language)
    body = html.escape(answer.text)
    if answer.partial:
        # Not an answer: the closest passage, shown as such.
        body = f"⚠️ <i>{body}</i>"
    elif answer.short_answer:
        body = f"<b>{html.escape(lead(answer.short_answer))}</b> {body}"
    if not answer.citations:
        return body
    heading = words.t("Closest source") if answer.partial else words.t("Sources")
    lines = "\n".join(source_line(c, words) for c in answer.citations)
    return body + f"\n\n<b>{heading}</b>\n" + lines


def lead(short_answer: str) -> str:
    """The short answer as the reply's first sentence: "Rafael Mendes."."""
    return short_answer if short_answer.endswith((".", "!", "?")) else f"{short_answer}."


def render_quotes(citations: Sequence[Citation], words: Texts) -> str:
    """Each cited passage as an expandable blockquote under its headline."""
    if not citations:
        return words.t("No sources for this answer.")
    blocks = [
        f"{source_line(c, words)}\n<blockquote expandable>{html.escape(c.quote)}</blockquote>"
        for c in citations
    ]
    return "\n\n".join(blocks)


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def render_stats(
    stats: IndexStats,
    words: Texts,
    *,
    answered: int = 0,
    up: int = 0,
    down: int = 0,
    pushed: int = 0,
    week: tuple[int, int, int] = (0, 0, 0),
) -> str:
    t = words.t
    span = (
        f"{day(stats.first_published, words)} – {day(stats.last_published, words)}"
        if stats.first_published and stats.last_published
        else "–"
    )
    recent = t("{n} answered").format(n=f"{week[0]:,}")
    rows = [
        (t("Articles"), f"{stats.articles:,}"),
        (t("Stories"), f"{stats.stories:,}"),
        (t("Passages"), f"{stats.chunks:,}"),
        (t("Published"), span),
        (t("Model"), stats.model),
        (t("Store"), stats.store),
        (t("Collection"), stats.collection),
        (t("Last sync"), stats.last_sync or t("never")),
        ("newsbot", stats.version),
        (t("Questions answered"), f"{answered:,}"),
        (t("Pushed to followers"), f"{pushed:,}"),
        (t("Feedback"), f"👍 {up} · 👎 {down}"),
        (t("Last 7 days"), f"{recent} · 👍 {week[1]} · 👎 {week[2]}"),
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


def report_summary(report: IndexReport, words: Texts) -> str:
    """`IndexReport.summary` in the admin's language."""
    kept = words.t(", {n} kept from the archive").format(n=report.kept) if report.kept else ""
    return words.t(
        "{added} added, {updated} updated, {unchanged} unchanged, {deleted} deleted{kept}, "
        "{skipped} skipped; {chunks} chunks embedded in {seconds}s"
    ).format(
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        deleted=report.deleted,
        kept=kept,
        skipped=len(report.skipped),
        chunks=report.chunks,
        seconds=f"{report.seconds:.1f}",
    )


def render_report(report: IndexReport, title: str, words: Texts, *, skipped_shown: int = 10) -> str:
    """A sync's outcome for the admin's status message: counts, then the first skips."""
    lines = [f"<b>{html.escape(title)}</b>", html.escape(report_summary(report, words))]
    for origin, reason in report.skipped[:skipped_shown]:
        name = origin.rsplit("/", 1)[-1] or origin
        lines.append(
            words.t("• skipped {name}: {reason}").format(
                name=html.escape(name), reason=html.escape(reason)
            )
        )
    if len(report.skipped) > skipped_shown:
        more = len(report.skipped) - skipped_shown
        lines.append(words.t("… and {n} more skipped").format(n=more))
    return "\n".join(lines)


def render_latest(articles: Sequence[StoredArticle], words: Texts) -> str:
    """The latest indexed articles, one line each, with the id /delete takes."""
    lines = ["<b>" + words.t("Latest {n} articles").format(n=len(articles)) + "</b>"]
    for article in articles:
        when = article.published.isoformat() if article.published else words.t("undated")
        headline = link(article.url, html.escape(article.title))
        source = html.escape(article.source)
        lines.append(f"• {headline} — {source}, {when} <code>{html.escape(article.id)}</code>")
    return "\n".join(lines)

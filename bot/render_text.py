"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

from retrieval.core.records import Answer, Citation, Passage


def citation_line(citation: Citation) -> str:
    when = citation.published.isoformat() if citation.published else "undated"
    parts = [f"[{citation.n}] {citation.title}", f"{citation.source or 'unknown outlet'}, {when}"]
    if citation.url:
        parts.append(citation.url)
    return " — ".join(parts)


def render_answer(answer: Answer) -> str:
    lines = [f"(partial) {answer.text}" if answer.partial else answer.text]
    if answer.citations:
        lines.append("")
        lines.extend(citation_line(c) for c in answer.citations)
    return "\n".join(lines)


def render_passages(passages: list[Passage], *, width: int = 400) -> str:
    if not passages:
        return "No passages."
    blocks = []
    for number, passage in enumerate(passages, start=1):
        when = passage.published.isoformat() if passage.published else "undated"
        text = passage.text if len(passage.text) <= width else passage.text[:width] + "…"
        blocks.append(
            f"({number}) {passage.title} — {passage.source or 'unknown outlet'}, {when}"
            f"  score {passage.score:.4f}\n    {text}"
        )
    return "\n".join(blocks)

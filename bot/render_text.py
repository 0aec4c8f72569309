"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

from retrieval.core.records import Answer, Citation, Passage


def citation_line(citation: Citation, language: str = "en") -> str:
    """[n] headline — outlet, date[, language where it is not the answer's] — URL[ — also
    reported by the other outlets that ran a copy]."""
    when = citation.published.isoformat() if citation.published else "undated"
    if citation.language != language:
        when += f", {citation.language.upper()}"
    parts = [f"[{citation.n}] {citation.title}", f"{citation.source or 'unknown outlet'}, {when}"]
    if citation.url:
        parts.append(citation.url)
    if citation.also_reported_by:
        parts.append("also reported by " + ", ".join(citation.also_reported_by))
    return " — ".join(parts)


def lead(answer: Answer) -> str:
    """The short answer as the reply's first sentence ("Rafael Mendes. "), or ""."""
    if answer.partial or answer.refused or not answer.short_answer:
        return ""
    short = answer.short_answer
    return (short if short.endswith((".", "!", "?")) else f"{short}.") + " "


def render_answer(answer: Answer) -> str:
    """The answer, its short answer first, then one line per source."""
    lines = [f"(partial) {answer.text}" if answer.partial else lead(answer) + answer.text]
    if answer.citations:
        lines.append("")
        lines.extend(citation_line(c, answer.language) for c in answer.citations)
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


def render_evidence(answer: Answer) -> str:
    """Why the answerer quoted or refused: its confidence, what was missing, its evidence."""
    lines = []
    if answer.confidence is not None:
        lines.append(f"confidence that the quote answers: {answer.confidence:.2f}")
    if answer.refused and answer.missing:
        lines.append("refused because " + "; ".join(answer.missing))
    if answer.evidence:
        lines.append(
            "evidence: "
            + ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                for k, v in answer.evidence.items()
            )
        )
    return "\n".join(lines) or "No evidence recorded (this answerer does not report it)."

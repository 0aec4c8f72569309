"""Citation checking shared by every answerer: markers must name passages, quotes must be real."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.core.records import Citation, Passage
from retrieval.core.sentences import split_sentences

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
WORD = re.compile(r"\w+")


def best_quote(claim: str, passage: Passage) -> str:
    """The passage sentence that shares most words with the claim (verbatim from the passage)."""
    claim_words = {w.lower() for w in WORD.findall(claim) if len(w) > 2}
    sentences = split_sentences(passage.text) or [passage.text]
    best = max(
        sentences,
        key=lambda s: len(claim_words & {w.lower() for w in WORD.findall(s)}),
    )
    return best if best in passage.text else passage.text[:300]


def renumber(
    text: str, passages: Sequence[Passage], quotes: dict[int, str] | None = None
) -> tuple[str, list[Citation]]:
    """Keep markers that name a passage (1-based), drop the rest, and renumber the kept ones
    1..m in order of first use. `quotes` maps an original passage number to its quote."""
    mapping: dict[int, int] = {}
    citations: list[Citation] = []

    def replace(match: re.Match[str]) -> str:
        kept = []
        for part in re.split(r"\s*[,;]\s*", match[1]):
            original = int(part)
            if not 1 <= original <= len(passages):
                continue
            if original not in mapping:
                mapping[original] = len(mapping) + 1
                passage = passages[original - 1]
                quote = (quotes or {}).get(original) or best_quote(
                    _claim_before(text, match.start()), passage
                )
                citations.append(
                    Citation(
                        n=mapping[original],
                        article_id=passage.article_id,
                        title=passage.title,
                        source=passage.source,
                        published=passage.published,
                        url=passage.url,
                        quote=quote,
                        score=passage.score,
                        language=passage.language,
                        also_reported_by=passage.also_reported_by,
                    )
                )
            if f"[{mapping[original]}]" not in kept:
                kept.append(f"[{mapping[original]}]")
        return "".join(kept)

    cleaned = MARKER.sub(replace, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return cleaned, citations


def _claim_before(text: str, position: int) -> str:
    """The sentence a marker at `position` closes (the same splitter as everywhere else)."""
    sentences = split_sentences(text[:position])
    return sentences[-1] if sentences else ""


def cited_claims(text: str) -> tuple[int, int]:
    """(sentences with a marker, sentences without one), ignoring very short fragments."""
    with_marker = without = 0
    for sentence in split_sentences(text):
        if len(WORD.findall(sentence)) < 3:
            continue
        if MARKER.search(sentence):
            with_marker += 1
        else:
            without += 1
    return with_marker, without

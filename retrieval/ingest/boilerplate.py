"""Boilerplate is not news: datelines, bylines, photo credits, links and promotions are
recognised in an article's raw lines, before its sentences are split and chunked, and never
reach the index (the patterns, measured on RealTimeQA, are in `boilerplate_patterns.py`).

It has to happen on raw lines: chunks join sentences with spaces, so a line without a full
stop ("Kessling, Norway CNN —", "Devon Ashby, USA TODAY", "– Devon Ashby") would be glued
onto the next real sentence and quoted with it. What a dropped line says about the article is
kept: the byline's names become its authors, the dateline's place and outlet are returned.

Three actions: drop a whole line; cut a span and keep the rest of the line (a dateline opening
the first sentence, a photo credit); drop one sentence of a line (a newsletter plug in the
middle of a paragraph). English only: other languages' text is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from retrieval.core.sentences import split_sentences
from retrieval.ingest import boilerplate_patterns as p

# Languages whose boilerplate the patterns know.
LANGUAGES = frozenset({"en"})


class Kind(StrEnum):
    DATELINE = "dateline"
    BYLINE = "byline"
    AFFILIATION = "affiliation"
    SIGNOFF = "signoff"
    CREDIT = "credit"
    VIDEO_EMBED = "video_embed"
    CONTRIBUTORS = "contributors"
    UPDATE_NOTE = "update_note"
    EDITORS_NOTE = "editors_note"
    AUTHOR_CONTACT = "author_contact"
    STORY_CONTINUES = "story_continues"
    LINK = "link"
    PROMO = "promo"
    DISCLOSURE = "disclosure"
    CORRECTION = "correction"
    DEBRIS = "debris"
    CAPTION = "caption"  # detected only: the text a credit was cut from is a real sentence


@dataclass(frozen=True)
class Piece:
    """A line, sentence or span of an article, and what kind of boilerplate it is."""

    kind: Kind
    text: str


@dataclass(frozen=True)
class Cleaned:
    """An article's text without its boilerplate, and what the boilerplate said about it."""

    text: str
    authors: tuple[str, ...] = ()  # from a byline in the first lines
    place: str = ""  # the first dateline's, as written ("WASHINGTON", "Kessling, Norway")
    outlet: str = ""  # the first dateline's ("CNN", "AP")
    dropped: int = 0  # whole lines dropped
    removed: tuple[Piece, ...] = ()  # every line, sentence and span taken out, verbatim
    flagged: tuple[Piece, ...] = ()  # recognised but kept: editor's notes, captions


@dataclass(frozen=True)
class Dateline:
    end: int  # where the sentence after it starts
    place: str
    outlet: str


# (kind, pattern, only within the first n lines): a matching line is dropped whole.
LINE_RULES: tuple[tuple[Kind, re.Pattern[str], int | None], ...] = (
    (Kind.DATELINE, p.DATELINE_LINE, None),
    (Kind.BYLINE, p.BYLINE_ORG, None),
    (Kind.BYLINE, p.BYLINE_BY, None),
    (Kind.AFFILIATION, p.AFFILIATION, p.AFFILIATION_LINES),
    (Kind.SIGNOFF, p.SIGNOFF, None),
    (Kind.CREDIT, p.CREDIT_LINE, None),
    (Kind.VIDEO_EMBED, p.CNN_VIDEO, None),
    (Kind.CONTRIBUTORS, p.CONTRIBUTING, None),
    (Kind.CONTRIBUTORS, p.CONTRIBUTED, None),
    (Kind.UPDATE_NOTE, p.UPDATED_NOTE, None),
    (Kind.EDITORS_NOTE, p.EDITORS_NOTE_META, None),
    (Kind.AUTHOR_CONTACT, p.AUTHOR_CONTACT, None),
    (Kind.STORY_CONTINUES, p.STORY_CONTINUES, None),
    (Kind.LINK, p.LINK_CTA, None),
    (Kind.PROMO, p.WEEK_CONSENT, None),
    (Kind.LINK, p.RELATED_LABEL, None),
    (Kind.LINK, p.GLUED_LINK, None),
    (Kind.PROMO, p.CAPS_PROMO, None),
    (Kind.DEBRIS, p.DEBRIS, None),
)
# Applied to each sentence of a kept line: the rest of the line is news.
SENTENCE_RULES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.PROMO, p.PROMO),
    (Kind.DISCLOSURE, p.DISCLOSURE),
    (Kind.CORRECTION, p.CORRECTION_SENT),
)
# A sentence of an already built index that is one of these is boilerplate whatever its line
# was: the line rules that need no position in the article, and the sentence rules. Not a glued
# link: the first sentence of a long roundup entry ("Portland:The city's airport …") is news.
_ANY_SENTENCE = tuple(
    pattern for _, pattern, within in LINE_RULES if within is None and pattern is not p.GLUED_LINK
) + tuple(pattern for _, pattern in SENTENCE_RULES)


def is_boilerplate_sentence(sentence: str) -> bool:
    """Whether a sentence is boilerplate (for passages indexed before lines were cleaned)."""
    text = sentence.strip()
    if not text:
        return False
    if p.CREDIT_TAIL.match(text):  # nothing but a credit ("Lee Hart/AFP/Getty Images")
        return True
    if p.BYLINE_AND_PLACE.match(text):  # "Devon Ashby, USA TODAY HARBORVIEW, Ore."
        return True
    return any(pattern.search(text) for pattern in _ANY_SENTENCE)


def strip_dateline(sentence: str) -> str:
    """The sentence without the dateline it opens with ("WASHINGTON (AP) — The Senate …" ->
    "The Senate …"): always a verbatim suffix of it, so a quote of it is one of the passage.
    Also cuts what chunking and sentence splitting made of datelines in indexes built before
    this module: "Kessling, Norway CNN — The …", "Devon Ashby, USA TODAY WASHINGTON – The …",
    and the "– The …" left when the splitter cut "HARBORVIEW, Ore." off."""
    found = find_dateline(sentence, glued=True)
    return sentence[found.end :] if found else sentence


def find_dateline(line: str, *, glued: bool = False) -> Dateline | None:
    """The dateline a line opens with; `glued` also finds the forms of already built indexes."""
    start = 0
    if glued and (byline := p.GLUED_BYLINE.match(line)):
        start = byline.end()
    rest = line[start:]
    patterns = [p.DATELINE_PREFIX, p.CNN_PAREN]
    if glued:
        patterns += [p.GLUED_DATELINE, p.DASH_REMNANT]
    for pattern in patterns:
        match = pattern.match(rest)
        if match:
            found = match.groupdict()
            end = start + match.end()
            while end < len(line) and line[end].isspace():
                end += 1
            return Dateline(end, _words(found.get("place")).rstrip(","), found.get("outlet") or "")
    return None  # a byline with no dateline after it may be a sentence's subject: kept


def byline_names(lines: list[str]) -> tuple[str, ...]:
    """Author names from an article's first lines: "Name(s), ORG" or "By Name(s)" in lines
    0-2, or names alone on line 0 (see `is_top_byline`)."""
    for index, line in enumerate(lines[:3]):
        match = p.BYLINE_ORG.match(line) or p.BYLINE_BY.match(line)
        if not match and index == 0 and is_top_byline(line):
            match = p.BYLINE_TOP.match(line)
        if match:
            names = re.sub(r"^By\s+", "", match.group("names"))
            return tuple(name for name in p.NAME_SEPARATOR.split(names) if name)
    return ()


def is_top_byline(line: str) -> bool:
    """Names alone on an article's first line, and not a heading that looks like names
    ("Notable Harbor Events", "FIREWORKS SHOWS IN OREGON")."""
    return bool(
        p.BYLINE_TOP.match(line) and not p.ORG_WORD.search(line) and not p.CAPS_STOP.search(line)
    )


def line_kind(line: str, position: int) -> tuple[Kind, re.Match[str] | None] | None:
    """The kind of boilerplate a whole line is, at `position` among the article's non-blank
    lines; None for a line of the story."""
    for kind, pattern, within in LINE_RULES:
        if within is not None and position >= within:
            continue
        match = pattern.search(line)
        if match:
            return kind, match
    if position == 0 and is_top_byline(line):
        return Kind.BYLINE, None
    return None


# Spans cut out of a story line, the rest kept: credits after a caption, and the like.
SPAN_RULES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.CREDIT, p.PAREN_CREDIT),
    (Kind.CREDIT, p.CREDIT_MID),
    (Kind.CREDIT, p.CREDIT_TAIL),
    (Kind.STORY_CONTINUES, p.STORY_CONTINUES_TAIL),
)


def cut_spans(line: str) -> tuple[str, list[Piece]]:
    """The line without its photo credits ("… on Wednesday. Lee Hart/AP"), and what was cut."""
    cut: list[Piece] = []
    for kind, pattern in SPAN_RULES:
        cut.extend(Piece(kind, match.group().strip()) for match in pattern.finditer(line))
        line = pattern.sub("", line)
    return line.strip(), cut


def clean_article_text(text: str) -> Cleaned:
    """The article's text without boilerplate lines, dateline prefixes, credits and promotional
    sentences; story lines are kept word for word, paragraph breaks as they were."""
    lines = text.split("\n")
    content = [index for index, line in enumerate(lines) if line.strip()]
    authors = byline_names([lines[index].strip() for index in content[:3]])
    place = outlet = ""
    removed: list[Piece] = []
    flagged: list[Piece] = []
    dropped = 0
    for position, index in enumerate(content):
        line = lines[index].strip()
        found = line_kind(line, position)
        if found:
            kind, match = found
            if kind is Kind.DATELINE and match is not None and not (place or outlet):
                place, outlet = _words(match.group("place")), match.group("outlet")
            removed.append(Piece(kind, line))
            lines[index] = ""
            dropped += 1
            continue
        if p.EDITORS_NOTE.match(line):
            flagged.append(Piece(Kind.EDITORS_NOTE, line))
        cut = _clean_line(line, removed, flagged)
        if cut is None:
            continue
        dateline, kept = cut
        if dateline and not (place or outlet):
            place, outlet = dateline.place, dateline.outlet
        if not kept:
            dropped += 1
        lines[index] = kept
    if not removed:
        return Cleaned(text, authors, place, outlet, flagged=tuple(flagged))
    cleaned = re.sub(r"\n\s*\n(?:\s*\n)*", "\n\n", "\n".join(lines)).strip()
    return Cleaned(cleaned, authors, place, outlet, dropped, tuple(removed), tuple(flagged))


def _clean_line(
    line: str, removed: list[Piece], flagged: list[Piece]
) -> tuple[Dateline | None, str] | None:
    """A story line with its spans and promotional sentences cut (recorded in `removed`);
    None when nothing in it is boilerplate."""
    rest = line
    dateline = find_dateline(line)
    if dateline:
        removed.append(Piece(Kind.DATELINE, line[: dateline.end].strip()))
        rest = line[dateline.end :]
    uncut, spans = cut_spans(rest)
    if spans:
        removed.extend(spans)
        if uncut and any(span.kind is Kind.CREDIT for span in spans):
            flagged.append(Piece(Kind.CAPTION, uncut))
        rest = uncut
    sentences = split_sentences(rest)
    kept = []
    for sentence in sentences:
        kind = next((k for k, pattern in SENTENCE_RULES if pattern.search(sentence)), None)
        if kind is None:
            kept.append(sentence)
        else:
            removed.append(Piece(kind, sentence))
    if len(kept) < len(sentences):
        rest = " ".join(kept)
    if rest == line:
        return None
    return dateline, rest


def _words(text: str | None) -> str:
    return " ".join((text or "").split())

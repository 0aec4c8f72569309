"""What a real model writes, made into what the answerer checks.

Small instruction models do not keep to the prompt: they cite as `[1, 2]`, `[1-3]`, `(1)`,
"Passage 1" or `[^1]`, glue markers inside words, echo the prompt, refuse in their own words,
run long, and decorate with HTML or Markdown. `normalise` turns all of that into plain text
with `[n]` markers (or says it is a refusal); `ground` then keeps only the sentences whose
numbers and names the passages they cite actually contain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.answer.dates import date_answer, date_phrase
from retrieval.answer.forms import Kind
from retrieval.answer.kinds import SHORT_KINDS, short_answer
from retrieval.answer.question import Question
from retrieval.core.analysis import key_terms
from retrieval.core.records import Citation, Passage
from retrieval.core.sentences import split_sentences

NOT_IN_ARCHIVE = "NOT_IN_ARCHIVE"
MAX_SENTENCES = 3
REFUSAL_PHRASES = re.compile(
    r"not[_ ]in[_ ]archive|\b(?:the )?(?:passages?|archive|context|articles?|sources?|text)"
    r" (?:do(?:es)?n[o']?t|do(?:es)? not|did not|didn't) (?:say|mention|contain|provide|include|"
    r"answer|specify|state|give)|\bno (?:information|mention|answer)\b|\bcannot (?:be )?"
    r"(?:answer|determine|found)|\bcan't (?:answer|determine)|\bi (?:do not|don't) know\b|"
    r"\bnot (?:mentioned|stated|specified|provided) in\b|\bunable to (?:answer|determine|find)\b"
    # The same said in Russian: "в архиве нет…", "в отрывках не сказано…", "не могу ответить".
    r"|\b(?:в )?(?:архиве|отрывках|фрагментах|статьях|источниках|тексте) (?:нет|не (?:сказано|"
    r"упоминается|говорится|указано))|\bне могу (?:ответить|определить)|\bне знаю\b"
    r"|\bнет (?:информации|сведений|данных)\b",
    re.IGNORECASE,
)
PROMPT_ECHO = re.compile(r"^\s*(?:Passages|Question|Rules|Today's date is)\s*:?", re.IGNORECASE)
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
MARKDOWN = re.compile(r"\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)|`")
NUMBER_LIST = r"\d{1,2}(?:\s*(?:,|;|and|&|-|–|—|to)\s*\d{1,2})*"
PASSAGE_WORD = re.compile(
    rf"[\[(]?\b(?:passages?|sources?|documents?|refs?\.?)\s*\[?({NUMBER_LIST})\]?[\])]?",
    re.IGNORECASE,
)
BRACKETS = re.compile(
    rf"\[\^?\s*(?:source\s*)?({NUMBER_LIST})(?:†[^\]]*)?\]|【({NUMBER_LIST})[^】]*】"
)
PARENS = re.compile(rf"\(({NUMBER_LIST})\)")
MARKER_IN_WORD = re.compile(r"(?<=\w)((?:\[\d+\])+)(?=\w)")
NUMERAL = re.compile(r"\d[\d,.]*\d|\d")
MARKERS = re.compile(r"\[(\d+)\]")


def _expand(numbers: str, limit: int) -> list[int] | None:
    """`1, 2`, `1-3`, `2 and 4` as numbers; None if any is not a passage number."""
    found: list[int] = []
    for part in re.split(r"\s*(?:,|;|and|&)\s*", numbers.strip()):
        bounds = re.split(r"\s*(?:-|–|—|to)\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            if high < low or high - low > 10:
                return None
            found.extend(range(low, high + 1))
        elif part.isdigit():
            found.append(int(part))
        else:
            return None
    return found if all(1 <= n <= limit for n in found) else None


def _markers(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(numbers))


@dataclass(frozen=True)
class Normalised:
    text: str
    refused: bool


def normalise(raw: str, passages: int) -> Normalised:
    """Plain text with `[n]` markers, at most three sentences; or a refusal."""
    text = TAG.sub("", raw)
    text = MARKDOWN.sub("", text)
    if "Answer:" in text:  # the model repeated the prompt: what follows the last cue
        text = text.rsplit("Answer:", 1)[1]
    lines = [
        line
        for line in text.splitlines()
        if line.strip() and not PROMPT_ECHO.match(line) and not re.match(r"^\s*\[\d+\] .* — ", line)
    ]
    text = " ".join(" ".join(lines).split())

    def replace(match: re.Match[str]) -> str:
        numbers = _expand(next(g for g in match.groups() if g), passages)
        return _markers(numbers) if numbers else match.group()

    text = BRACKETS.sub(replace, text)
    text = PASSAGE_WORD.sub(replace, text)
    text = PARENS.sub(replace, text)
    text = re.sub(r"\[(\d+)\s*[,;]\s*(\d+)\]", lambda m: f"[{m[1]}][{m[2]}]", text)
    text = _move_markers_out_of_words(text)
    text = re.sub(r"(?:\s+|(?<=\w))(\[\d+\])", r" \1", text).strip()
    if not text or (REFUSAL_PHRASES.search(text) and not _cites(text.split(". ")[0])):
        return Normalised("", True)
    sentences = split_sentences(text)
    return Normalised(" ".join(sentences[:MAX_SENTENCES]), False)


def _cites(text: str) -> bool:
    return bool(MARKERS.search(text))


def _move_markers_out_of_words(text: str) -> str:
    """ "Mos[1]cow was" -> "Moscow was … [1]": a marker inside a word goes to its sentence end."""
    moved: list[str] = []

    def lift(match: re.Match[str]) -> str:
        moved.append(match.group(1))
        return ""

    sentences = []
    for sentence in split_sentences(text):
        moved.clear()
        fixed = MARKER_IN_WORD.sub(lift, sentence)
        if moved:
            end = re.search(r"[.!?]+[\"'”’]*$", fixed)
            cut = end.start() if end else len(fixed)
            fixed = fixed[:cut] + " " + "".join(moved) + fixed[cut:]
        sentences.append(fixed)
    return " ".join(sentences)


def ground(text: str, passages: Sequence[Passage]) -> tuple[str, int]:
    """Keep the sentences whose numerals and capitalised names appear in the passages they cite
    (a sentence citing none may name nothing); returns the text and how many were dropped."""
    kept: list[str] = []
    dropped = 0
    for sentence in split_sentences(text):
        cited = [int(n) for n in MARKERS.findall(sentence) if 1 <= int(n) <= len(passages)]
        sources = " ".join(f"{passages[n - 1].title} {passages[n - 1].text}" for n in cited)
        if _grounded(MARKERS.sub("", sentence), sources):
            kept.append(sentence)
        else:
            dropped += 1
    return " ".join(kept), dropped


def _grounded(sentence: str, sources: str) -> bool:
    folded = sources.casefold()
    digits = re.sub(r"(?<=\d)[,\s](?=\d{3})", "", folded)
    for numeral in NUMERAL.findall(sentence):
        plain = numeral.replace(",", "").rstrip(".")
        if plain not in digits:
            return False
    words = re.findall(r"[A-Za-z][\w'’-]*", sentence)
    for position, word in enumerate(words):
        if not word[0].isupper() or position == 0:
            continue  # a sentence's first word is capitalised whatever it is
        stem = word.casefold().removesuffix("'s").removesuffix("’s")
        if stem not in folded:
            return False
    return True


# An unmarked sentence is credited to a passage only if that passage holds this share of its
# key terms (and every numeral and name in it).
ATTRIBUTE_OVERLAP = 0.6


def attribute(text: str, passages: Sequence[Passage]) -> str:
    """Small models often answer right but cite nothing ("The FDA added sesame to its list of
    major food allergens."). When the answer has no marker at all, each sentence gets the
    passage that holds its numerals and names and most of its key terms; a sentence no passage
    holds stays unmarked (and is dropped by `ground`)."""
    if MARKERS.search(text):
        return text
    marked = []
    for sentence in split_sentences(text):
        best, best_share = 0, ATTRIBUTE_OVERLAP
        for number, passage in enumerate(passages, start=1):
            source = f"{passage.title} {passage.text}"
            share = _term_share(sentence, source)
            if share >= best_share and _grounded(sentence, source):
                best, best_share = number, share
        marked.append(f"{sentence} [{best}]" if best else sentence)
    return " ".join(marked)


def _term_share(sentence: str, source: str) -> float:
    terms = key_terms(sentence)
    return len(terms & key_terms(source)) / len(terms) if terms else 0.0


MARKER = re.compile(r"\[(\d+)\]")


def first_clause_answer(
    text: str, citations: Sequence[Citation], passages: Sequence[Passage], question: Question
) -> str | None:
    """The LLM's short answer: the name, date, place or figure its first sentence gives for a
    who/when/where/how-many… question, kept only when the passage that sentence cites holds it
    too (a date: as `date_answer` reads that passage: a weekday counted back from the story)."""
    kind = question.kind
    sentences = split_sentences(text)
    if kind not in SHORT_KINDS or not sentences:
        return None
    first = sentences[0]
    cited = {int(n) for n in MARKER.findall(first)}
    sources = [
        p
        for c in citations
        if c.n in cited
        for p in passages
        if p.article_id == c.article_id and c.quote in p.text
    ]
    if not sources:
        return None
    claim = MARKER.sub("", first).strip()
    if kind == Kind.DATE:
        phrase = date_phrase(claim, question)
        held = [p for p in sources if phrase and phrase.casefold() in p.text.casefold()]
        # A date the cited passage does not hold is not said in bold; nor is the story's date
        # when the model's sentence gives none ("the passages do not say when").
        return date_answer(claim, question, held[0]) if held else None
    found = short_answer(claim, question)
    if found and any(found.casefold() in p.text.casefold() for p in sources):
        return found
    return None

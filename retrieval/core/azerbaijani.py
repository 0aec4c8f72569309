"""Azerbaijani (Latin script) words for BM25: lower-casing the Azerbaijani way and a suffix
stripper, so «kitabxana», «kitabxananın» and «kitabxanada» meet.

No stemmer for the language ships on the registry that a news index can use: `azstemmer` and
`nltkaz` cut an unknown word to the longest dictionary word it starts with (Əliyevin → əl,
Sumqayıtda → su, Qarabağda → qara), `stemmer-aze` installs without its data, Snowball has no
Azerbaijani and its Turkish stemmer puts 46 % of the forms of tests/fixtures/az/words.tsv on
their group's stem (docs/languages.md). This stripper puts 93 % there and leaves names whole.

How it works: suffixes come off right to left, at most one per slot (copula, case, possessive,
plural, verb tense, negation), the longest one that fits at each step. A suffix fits when its
vowels follow the harmony of the stem's last vowel, its buffer consonant (n, y, s) stands after
a vowel and its vowel-initial form after a consonant, and at least two letters are left. Then
the stem's final alternations are folded (uşağ-/uşaq, nazirliy-/nazirlik, su-y-) and a final
harmonic vowel dropped, so that the plain form and its case forms agree. The participle -(y)An
is left alone: stripping it cut «idman» and «qazan».
"""

from __future__ import annotations

import re
from functools import lru_cache

BACK, FRONT = frozenset("aıou"), frozenset("eəiöü")
VOWELS = BACK | FRONT
I4 = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "ə": "i", "i": "i", "ö": "ü", "ü": "ü"}
A2 = {v: ("a" if v in BACK else "ə") for v in VOWELS}

# Suffix templates by slot, outermost first: I is the four-way vowel, A the two-way one, Q is
# q/k and G ğ/y by harmony; "(x)" a buffer letter. (shortest stem the slot leaves, templates)
SLOTS = [
    (4, ["dIr", "dIrlAr"]),  # copula («müdir» stays whole)
    (2, ["(n)In", "(y)A", "(n)I", "dA", "dAn", "(s)IndA", "(s)IndAn", "(y)lA", "dAkI"]),  # case
    (2, ["(I)mIz", "(s)I", "lArI", "(I)m"]),  # possessive
    (2, ["lAr"]),  # plural
    (2, ["dI", "dIlAr", "dIQ", "dIm", "mIş", "(y)AcAQ", "(y)AcAG", "(y)Ir", "(y)Ib", "mAQ",
         "(y)ArAQ", "mAlI", "mAz"]),  # verb
    (2, ["mA"]),  # negation, only right after a verb suffix
]  # fmt: skip
VERB, NEGATION = 4, 5
MIN_STEM = 2  # 3 would keep «il» apart from «ilan» but break «aç», «et», «su»

# (surface suffix, whether it needs a vowel before it: True, False or None for either, the
# stem's last vowel it follows)
Variant = tuple[str, bool | None, str]


def _forms(template: str) -> list[tuple[str, bool | None]]:
    buffered = re.match(r"\((\w)\)(.*)", template)
    if buffered and buffered.group(1) in "IA":  # (I)mIz: ImIz after a consonant, mIz a vowel
        return [(buffered.group(1) + buffered.group(2), False), (buffered.group(2), True)]
    if buffered:  # (n)In: nIn after a vowel, In after a consonant
        return [(buffered.group(1) + buffered.group(2), True), (buffered.group(2), False)]
    return [(template, None)]


def _surface(form: str, vowel: str) -> str:
    back = vowel in BACK
    letters = {"I": I4[vowel], "A": A2[vowel], "Q": "q" if back else "k", "G": "ğ" if back else "y"}
    return "".join(letters.get(c, c) for c in form)


TABLE: list[tuple[int, list[Variant]]] = [
    (
        shortest,
        [
            (_surface(form, vowel), needs_vowel, vowel)
            for template in templates
            for form, needs_vowel in _forms(template)
            for vowel in VOWELS
        ],
    )
    for shortest, templates in SLOTS
]


def lower(text: str) -> str:
    """Lower case as Azerbaijani writes it: I is ı and İ is i (Python's lower() makes I an i
    and İ an i with a combining dot)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def _last_vowel(word: str) -> str | None:
    return next((c for c in reversed(word) if c in VOWELS), None)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem BM25 indexes for an Azerbaijani word (lower-cased the Azerbaijani way)."""
    word = lower(word)
    open_from, last = 0, -1  # the first slot still open, the slot of the last suffix removed
    while open_from < len(TABLE):
        best: tuple[str, int] | None = None  # the longest fitting suffix over the open slots
        for slot in range(open_from, len(TABLE)):
            if slot == NEGATION and last != VERB:
                continue
            shortest, variants = TABLE[slot]
            for suffix, needs_vowel, vowel in variants:
                if not word.endswith(suffix) or (best and len(suffix) <= len(best[0])):
                    continue
                rest = word[: -len(suffix)]
                if len(rest) < max(shortest, MIN_STEM) or _last_vowel(rest) != vowel:
                    continue
                if needs_vowel is not None and (rest[-1] in VOWELS) != needs_vowel:
                    continue
                best = (suffix, slot)
        if best is None:
            break
        word, open_from, last = word[: -len(best[0])], best[1] + 1, best[1]
    word = {"ed": "et", "ged": "get"}.get(word, word)  # edir/etdi, gedir/getdi
    hard = len(word) >= 4 and word[-1] in "ğqk"  # uşağ-/uşaq, nazirlik
    glide = len(word) >= 3 and word[-1] == "y" and word[-2] in VOWELS  # suy-un, nazirliy-in
    if hard or glide:
        word = word[:-1]
    if len(word) >= 4 and word[-1] in VOWELS and word[-2] not in VOWELS:
        before = _last_vowel(word[:-1])  # komanda/komandan-ın: a harmonic final vowel drops
        if before and word[-1] in (A2[before], I4[before]):
            word = word[:-1]
    return word


class AzerbaijaniStemmer:
    """Has Snowball's `stemWord`, so `WordStemmer` uses it for Azerbaijani's Latin words."""

    def stemWord(self, word: str) -> str:
        return stem(word)


# Function words of news text: conjunctions, postpositions, pronouns, particles, the copula
# and auxiliaries. Written for this index (no list ships on the registry for Azerbaijani).
STOPWORDS = frozenset(
    """
    və ilə ki da də ya yaxud amma lakin ancaq həm isə əgər çünki bəs hə yox deyil
    bu o bunlar onlar həmin belə elə bura ora burada orada bunu onu bunun onun buna ona
    mən sən biz siz məni səni bizi sizi mənim sənin bizim sizin özü özünü öz
    üçün kimi qədər sonra əvvəl görə ilə üzrə barədə haqqında ərzində arasında tərəfindən
    artıq hələ daha ən çox az bir hər bütün bəzi heç bəli xeyr
    kim nə harada haradan haraya neçə hansı niyə necə nəyə nəyi kimə kimi
    olan olub olaraq olar olur olmuş oldu olacaq edir edib edilib etdi etmək etmiş edən
    idi imiş isə dir dır dur dür
    """.split()
)

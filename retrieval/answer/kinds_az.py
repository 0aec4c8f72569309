"""Azerbaijani question words, a table in the same order of precedence as the English one
(`kinds_en.py`), and how Azerbaijani writes the things they ask for: names in straight quotes,
a title before a person, a place's case ending, a figure with the word it counts."""

from __future__ import annotations

import re

from retrieval.answer.forms import MONEY, SHARE_QUESTION, Kind, Thing
from retrieval.core import azerbaijani as az
from retrieval.core.analysis import CAPITALS

AZ_ORGANISATION_NOUNS = (
    r"şirkət|komanda|klub|partiya|bank|təşkilat|nazirlik|universitet|fond|startap|qurum|"
    r"müəssisə|teatr|kanal|qəzet|agentlik|holdinq|zavod|fabrik|məhkəmə|orkestr"
)
AZ_KINDS = (
    (Kind.PERCENTAGE, SHARE_QUESTION),
    (Kind.NUMBER, re.compile(r"\bneçə\b|\bnə qədər\b|\bneçənci\b|\bhansı (?:say|miqdar)\w*")),
    (Kind.DATE, re.compile(r"\bnə vaxt\b|\bnə zaman\b|\bhansı (?:il|ay|gün|tarix)\w*|"
                        r"\bneçənci ildə\b|\bnə vaxtdan\b|\bnə vaxtadək\b")),
    # "kimə", "kimin": a recipient or an owner is as often an institution as a person.
    (Kind.PERSON, re.compile(r"\bkim(?:dir|lər|i|dən|lə)?\b|\bhansı (?:nazir|məşqçi|hücumçu|"
                          r"oyunçu|rejissor|müğənni|yazıçı|həkim|direktor|rektor|idmançı|"
                          r"qaçışçı|prezident|sədr|deputat|rəhbər)\w*")),
    (Kind.ORGANISATION, re.compile(rf"\bhansı (?:{AZ_ORGANISATION_NOUNS})\w*")),
    (Kind.PLACE, re.compile(r"\bharada\b|\bharadan\b|\bharaya\b|\bhara\b|\bhansı (?:ölkə|"
                         r"şəhər|rayon|region|kənd|bazar|stadion|məkan|ünvan)\w*")),
    (Kind.NAME, re.compile(r"\bhansı (?:film|kitab|mahnı|albom|tamaşa|roman|mükafat|smartfon|"
                        r"layihə|qanun|küçə|stansiya|əsər|festival|proqram|marşrut)\w*|"
                        r"\badı nədir\b|\bnecə adlanır\b")),
)  # fmt: skip

# Azerbaijani writes names in straight quotes: "Xəzər Ulduzu" komandası, "Arazinşaat" şirkəti
# (a quotation in them is longer, or ends with its punctuation).
AZ_QUOTED_NAME = re.compile(rf"\"([{CAPITALS}][^\"«»,.!?]{{1,40}})\"")
# A name followed by what it is: "Xəzər Ulduzu" komandası, "Arazinşaat" şirkəti.
AZ_ORGANISATION_AFTER = re.compile(rf"^\"?\w*\s+(?:{AZ_ORGANISATION_NOUNS})")
AZ_PERSON_BEFORE = re.compile(
    r"\b(?:nazir|həkim|direktor|rektor|məşqçi|hücumçu|rejissor|professor|təsisçi|rəhbər|"
    r"qaçışçı|idmançı|prezident|sədr|müdir|deputat|yazıçı|müğənni)\w*\s+$",
    re.IGNORECASE,
)
# A place's locative or ablative ending: Şəkidə, Bakıdan (Gürcüstan and Rusiya have none);
# names whose own last letters are one are kept whole.
AZ_PLACE_ENDING = re.compile(r"(?<=\w\w)(?:da|də|dan|dən)$")
AZ_PLACES_ENDING_SO = frozenset("kanada florida nevada uqanda ruanda qrenada".split())


def figure(thing: Thing, sentence: str, asked: str) -> Thing:
    """An Azerbaijani figure as a reader says it: "120 min" (thousand), an amount with its
    currency ("60 qəpik", asked "nə qədər"), and the word it counts when the question names
    it ("neçə kilometr?" -> "300 kilometr")."""
    text = thing.text
    money = MONEY.match(sentence, thing.start)
    if money:
        return Thing(money.group().strip(" ,."), thing.start, thing.strong)
    tail = sentence[thing.start + len(text) :]
    thousand = re.match(r"\s+min\b", tail)
    if thousand:  # "120 min kitab": 120 thousand
        text, tail = f"{text} min", tail[thousand.end() :]
    after = re.search(r"\bneçə\s+(\w+)", asked)
    counted = re.match(r"\s+(\w+)", tail)
    if after and counted and az.stem(az.lower(counted.group(1))) == az.stem(after.group(1)):
        text = f"{text} {counted.group(1)}"
    return Thing(text, thing.start, thing.strong)


def same_form_first(found: list[Thing], sentence: str, asked: str) -> list[Thing]:
    """Azerbaijani marks what a figure counts by the word after it and its ending: "neçə
    faizə endirib?" (to how many per cent) is answered by "7,25 faizə", not "7,5 faizdən";
    "neçə musiqiçi?" by "300 musiqiçi", not "14 ölkədən". The figures whose word is the
    question's word after «neçə» (the same stem and ending, or the same stem) come first."""
    after = re.search(r"\bneçə\s+(\w+)", asked)
    if not after or len(found) < 2:
        return found
    wanted = after.group(1)

    def counted(thing: Thing) -> str:
        tail = sentence[thing.start + len(thing.text) :]
        glued = re.match(r"\w+", tail)
        if glued:  # "7,25 faiz" + "ə"
            return (thing.text.split()[-1] + glued.group()).lower()
        last = thing.text.split()[-1]
        if last.isalpha() and last != "min":  # "300 musiqiçi": the word is already joined
            return az.lower(last)
        following = re.match(r"\s+(\w+)", tail)
        return following.group(1).lower() if following else ""

    words = {id(t): counted(t) for t in found}
    same = [t for t in found if words[id(t)] == wanted]
    stem = az.stem(wanted)
    near = [t for t in found if t not in same and az.stem(words[id(t)]) == stem]
    return same + near + [t for t in found if t not in same and t not in near]


def headed(name: str, asked: str) -> bool:
    """Whether a name of several words ends in the noun the question asks for with «hansı»
    ("hansı orkestr" and "… Simfonik Orkestri", "hansı stadion" and "… Stadionu")."""
    head = re.search(r"\bhansı\s+(\w+)", asked)
    words = name.split()
    if not head or len(words) < 2 or az.lower(words[-1]) in asked:
        return False
    return az.stem(az.lower(words[-1])) == az.stem(head.group(1))

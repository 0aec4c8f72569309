"""What a question asks for, and the things of that kind a sentence names.

Kinds: a person (who), an organisation (which company, team, party…), a place (where), a date
(when), a number (how many), an amount of money (how much did it cost), a share (what
percentage, what was the occupancy), a name (other which/what questions) or anything.

This is the pattern layer under the extractive answerer's choice of sentence and its short
answer. No maintained NLP library can do it offline here: spaCy installs from the registry but
its English models do not (they ship as the project's GitHub release files; the PyPI uploads
are anonymous mirrors or placeholders), and stanza, flair and GLiNER fetch their models from a
hub at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.core import azerbaijani as az
from retrieval.core.analysis import CAPITALS, DATEISH, NAME, NUMBER, STOPWORDS, key_terms
from retrieval.core.i18n import mark
from retrieval.core.language import CYRILLIC, question_language

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_RU_MONTH = (
    r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
    r"январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)"
)
_RU_WEEKDAY = r"(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)"
_AZ_MONTH = r"(?:yanvar|fevral|mart|aprel|may|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr)"
DATE_PHRASE = re.compile(
    rf"\b\d{{1,2}}\s+{_RU_MONTH}(?:\s+\d{{4}}(?:\s+года)?)?|\b(?:в|во)\s+{_RU_MONTH}"
    rf"(?:\s+\d{{4}}(?:\s+года)?)?|\b(?:в|во)\s+{_RU_WEEKDAY}|\b(?:в\s+)?(?:19|20)\d\d\s+год[ауе]?\b"
    rf"|\b(?:{_WEEKDAY},?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:\s*[-–]\s*\d{{1,2}}\b)?(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+(?:of\s+)?\d{{4}}"
    rf"|{_MONTH}(?=\W)(?!\s+\d)|{_WEEKDAY}|(?:19|20)\d\d\b)"
    # Azerbaijani, after the English forms (the first alternative that matches is taken):
    # "14 aprel 2025-ci il", "mayın 18-dən 22-dək", "2025-ci ildə".
    rf"|\b\d{{1,2}}\s+{_AZ_MONTH}\b(?:\s+(?:19|20)\d\d-c[iı]\s+il)?"
    rf"|\b{_AZ_MONTH}(?:ın|in|un|ün)\s+\d{{1,2}}-(?:dən|dan|də|da|nə|na|ə|a)\b(?:\s+\d{{1,2}}-(?:dək|nədək)\b)?"
    rf"|\b(?:19|20)\d\d-c[iı]\s+il",
    re.IGNORECASE,
)
PERCENT = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:%|per\s?cent\b|percentage points?\b|процент\w*|faiz)"
    r"|\b\d+(?:[.,]\d+)?%",
    re.IGNORECASE,
)
MONEY = re.compile(
    r"[$€£¥₽]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|thousand|m|bn|k)\b)?"
    r"|\b\d[\d,.]*\s?(?:(?:million|billion|trillion|thousand|m|bn)\s)?"
    r"(?:dollars|euros?|pounds|rubles|roubles|manats?|yen|yuan|francs|rupees|usd|eur|gbp)\b"
    r"|\b\d[\d\s\u00a0,.]*\s?(?:(?:млн|млрд|тыс\.?|миллион\w*|миллиард\w*|тысяч\w*)\s)?"
    r"(?:рубл\w*|руб\.|манат\w*|доллар\w*|долл\.|евро)"
    # Azerbaijani: "4,5 milyon manat", "500 min manat", "3 milyon dollar", "60 qəpik".
    r"|\b\d[\d,.]*\s?(?:(?:milyon|milyard|min)\s)?(?:manat(?!ee)|dollar|avro|qəpik)",
    re.IGNORECASE,
)
MONEY_QUESTION = re.compile(
    r"\bin (?:dollars|euros|pounds|rubles|roubles|manats?|yen|yuan)\b|\bhow much money\b"
    r"|\bhow much (?:did|does|do|will|would|is|was|has|have) .{0,60}\b(?:cost|pay|paid|raise|"
    r"earn|spend|worth|fine|charge|sell for|bid)\b"
    r"|\bwhat (?:was|is|will be) the (?:\w+ )?(?:price|cost|budget|fee|fine|salary|revenue|"
    r"turnover|valuation|bill)\b"
    r"|\bсколько (?:стои\w*|обош\w*|заплат\w*|потрат\w*|получ\w*|денег|рублей|манатов)"
    r"|\bво сколько\b|\bкакова (?:стоимость|сумма|цена)|\bкакая сумма\b|\bкакой бюджет\b"
    r"|\bnə qədər (?:sərmayə|investisiya|pul|vəsait|yardım|xərc|maaş|gəlir)\w*|\bneçəyə\b"
    r"|\bnəyə başa gəl\w*|\bdəyəri nə qədər",
    re.IGNORECASE,
)
SHARE_QUESTION = re.compile(
    r"\bwhat (?:percentage|percent|share|proportion|fraction)\b|\bhow much of\b"
    r"|\b(?:occupancy|turnout|unemployment|approval rating|inflation|interest rate|growth rate|"
    r"vacancy rate|tax rate|vote share)\b"
    r"|\bкакой процент\b|\bкакая доля\b|\bкакова доля\b|\bсколько процентов\b"
    r"|\b(?:явка|явки|заполняемост\w*|загрузк\w*|безработиц\w*|инфляци\w*)\b"
    r"|\bneçə faiz\w*|\bfaizi nə qədər|\bhansı (?:faiz|pay)\w*",
    re.IGNORECASE,
)
ORGANISATION_NOUNS = (
    r"company|companies|firm|group|bank|team|club|side|party|organi[sz]ation|agency|network|"
    r"carrier|operator|airline|brand|university|school|business|retailer|manufacturer|startup|"
    r"start-up|broadcaster|newspaper|publisher|charity|union|contractor|developer|studio|label|"
    r"insurer|lender|chain|supermarket|automaker|carmaker|builder|consortium|institution|"
    r"ministry|department|council|court|regulator|utility|provider"
)
_RU_ORGANISATION_NOUNS = (
    r"компани\w*|фирм\w*|банк\w*|команд\w*|клуб\w*|парти\w*|организаци\w*|агентств\w*|"
    r"университет\w*|оператор\w*|авиакомпани\w*|перевозчик\w*|застройщик\w*|подрядчик\w*|"
    r"издательств\w*|телеканал\w*|газет\w*|министерств\w*|ведомств\w*|суд\w*|совет\w*|"
    r"завод\w*|концерн\w*|холдинг\w*|предприяти\w*|магазин\w*|сет[ьи]\b|театр\w*"
)
_RU_WHICH = r"(?:какая|какой|какое|какие|какую|каким|какому|какого|какой)"
ORGANISATION_QUESTION = re.compile(
    rf"\b(?:which|what)\s+(?:\w+\s+)?(?:{ORGANISATION_NOUNS})\b"
    rf"|\b{_RU_WHICH}\s+(?:\w+\s+)?(?:{_RU_ORGANISATION_NOUNS})",
    re.IGNORECASE,
)
# A name ending in one of these is an organisation ("Brandt Bau GmbH", "Kelby Rovers").
ORGANISATION_SUFFIX = re.compile(
    r"\b(?:Inc|Corp|Corporation|Ltd|LLC|PLC|plc|AG|AS|ASA|SA|SE|NV|BV|GmbH|Group|Holdings|"
    r"Company|Co|Bank|Airlines?|Airways|Motors|Technologies|Systems|Partners|Capital|"
    r"Construction|Builders|Energy|Media|Labs|Foundation|Institute|University|College|Council|"
    r"Agency|Ministry|Association|Federation|Union|Party|Club|FC|United|Rovers|Rangers|Athletic|"
    r"Wanderers|Press|News|Times|Post|Herald|Studios|Pharmaceuticals|Industries|Services|"
    r"Authority|Commission|Committee|Department|Office|Court|Trust|Fund)\.?$"
)
# A name right after one of these words is of that kind: "construction firm Brandt & Sohn",
# "architect Maria Okafor", "in Saltmere".
_ORG_BEFORE = re.compile(
    rf"\b(?:{ORGANISATION_NOUNS}|by|rival|partner|{_RU_ORGANISATION_NOUNS})\s+(?:the\s+)?«?$",
    re.I,
)
PERSON_BEFORE = re.compile(
    r"\b(?:mr|mrs|ms|dr|prof|sir|dame|lord|lady|president|prime minister|minister|chancellor|"
    r"governor|mayor|senator|coach|manager|captain|striker|midfielder|defender|goalkeeper|"
    r"player|chief|ceo|chair(?:man|woman|person)?|director|founder|architect|author|writer|"
    r"singer|actor|actress|artist|judge|officer|spokes(?:man|woman|person)|secretary|"
    r"commissioner|head|leader|king|queen|prince|princess|pope|rector|principal|professor|"
    r"economist|analyst|scientist|researcher|doctor|engineer|editor|journalist|reporter|"
    r"named|appointed|hired|signed|elected|replace[sd]?|succeed(?:s|ed)?|"
    r"президент\w*|премьер\w*|министр\w*|мэр\w*|губернатор\w*|глав[аеуы]|тренер\w*|"
    r"директор\w*|руководител\w*|председател\w*|капитан\w*|архитектор\w*|автор\w*|"
    r"депутат\w*|судь[яиюе]|генерал\w*|профессор\w*|врач\w*|инженер\w*|редактор\w*|"
    r"журналист\w*|представител\w*|спикер\w*|основател\w*|назначен\w*|назначил\w*|"
    r"возглавил\w*|избран\w*|заменит\w*|сменил\w*|госпож[аи]|господин\w*)\.?\s+$",
    re.IGNORECASE,
)
# "Where can questions be sent?" is answered by an address.
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bhttps?://\S+[\w/]|\bwww\.\S+[\w/]")
_PLACE_BEFORE = re.compile(
    r"\b(?:in|at|to|from|near|across|outside|inside|в|во|на|из|около|возле|под|через|"
    r"улиц[аеуы]|проспект\w*|площад\w*|стадион\w*|парк\w*|аэропорт\w*|вокзал\w*|город\w*|"
    r"сел[аеоу]|посел\w*|район\w*|област\w*|остров\w*|порт\w*)\s+(?:the\s+)?«?$",
    re.I,
)
# A name ending in one of these is a place ("Saltmere Arena", "Harbour Street").
PLACE_SUFFIX = re.compile(
    r"\b(?:Arena|Stadium|Park|Street|St|Road|Avenue|Square|Hall|Centre|Center|Airport|Station|"
    r"Bridge|River|Lake|Island|Islands|Mountain|Mountains|Bay|Harbour|Harbor|Valley|County|"
    r"Province|Region|District|Sea|Ocean|Coast|Beach|Port|Gardens|Palace|Castle|Cathedral)\.?$"
)

# What a specific question asks for, and how a refusal names what is missing.
MISSING = {
    "money": mark("the amount"),
    "percentage": mark("the share"),
    "number": mark("the figure"),
    "date": mark("the date"),
    "person": mark("who it was"),
    "organisation": mark("which organisation"),
    "place": mark("the place"),
}
# Kinds whose answer is short enough to say first, in bold.
SHORT_KINDS = frozenset(MISSING) | {"name"}


RU_KINDS = (  # Russian questions, in the same order of precedence as the English ones
    ("percentage", SHARE_QUESTION),
    ("number", re.compile(r"\bсколько\b|\bкакое (?:количество|число)\b|\bкаков(?:о|а)? "
                          r"(?:количество|число|размер|объ[её]м)\b")),
    ("date", re.compile(r"\bкогда\b|\bв каком (?:году|месяце)\b|\bкакого числа\b|"
                        r"\bв какой день\b|\bс какого\b|\bдо какого\b")),
    ("person", re.compile(r"\b(?:кто|кого|кому|кем|ч[ье]й|чья|чь[её]|чьи)\b")),
    ("organisation", ORGANISATION_QUESTION),
    ("place", re.compile(r"\b(?:где|куда|откуда)\b|\bв как(?:ой|ом|ую) (?:стран|город|регион|"
                         r"област|район|мест)\w*")),
    # "Какой фильм…" asks for a title, "какой ущерб…" for an account: a name only after
    # nouns that have names.
    ("name", re.compile(rf"\bкак (?:зовут|называ\w*)\b|\b{_RU_WHICH}\s+(?:фильм|книг|песн|"
                        r"альбом|спектакл|роман|картин|приз|преми|смартфон|модел|судн|корабл|"
                        r"паром|сериал|игр|проект|закон|улиц|станци)\w*")),
)  # fmt: skip


_AZ_ORGANISATION_NOUNS = (
    r"şirkət|komanda|klub|partiya|bank|təşkilat|nazirlik|universitet|fond|startap|qurum|"
    r"müəssisə|teatr|kanal|qəzet|agentlik|holdinq|zavod|fabrik|məhkəmə|orkestr"
)
AZ_KINDS = (  # Azerbaijani questions, in the same order of precedence as the others
    ("percentage", SHARE_QUESTION),
    ("number", re.compile(r"\bneçə\b|\bnə qədər\b|\bneçənci\b|\bhansı (?:say|miqdar)\w*")),
    ("date", re.compile(r"\bnə vaxt\b|\bnə zaman\b|\bhansı (?:il|ay|gün|tarix)\w*|"
                        r"\bneçənci ildə\b|\bnə vaxtdan\b|\bnə vaxtadək\b")),
    # "kimə", "kimin": a recipient or an owner is as often an institution as a person.
    ("person", re.compile(r"\bkim(?:dir|lər|i|dən|lə)?\b|\bhansı (?:nazir|məşqçi|hücumçu|"
                          r"oyunçu|rejissor|müğənni|yazıçı|həkim|direktor|rektor|idmançı|"
                          r"qaçışçı|prezident|sədr|deputat|rəhbər)\w*")),
    ("organisation", re.compile(rf"\bhansı (?:{_AZ_ORGANISATION_NOUNS})\w*")),
    ("place", re.compile(r"\bharada\b|\bharadan\b|\bharaya\b|\bhara\b|\bhansı (?:ölkə|"
                         r"şəhər|rayon|region|kənd|bazar|stadion|məkan|ünvan)\w*")),
    ("name", re.compile(r"\bhansı (?:film|kitab|mahnı|albom|tamaşa|roman|mükafat|smartfon|"
                        r"layihə|qanun|küçə|stansiya|əsər|festival|proqram|marşrut)\w*|"
                        r"\badı nədir\b|\bnecə adlanır\b")),
)  # fmt: skip


# "When" asks for a date where it opens the question or its clause ("when did", "by when?"),
# not in a clause that sets the scene: "… this week when it announced it would part ways with
# which host?" asks for a name (eight RealTimeQA quiz questions were read as dates).
WHEN_ASKED = re.compile(
    r"^\s*when\b|\bwhen\s+(?:did|was|were|will|is|are|does|do|has|have|had|would|could|can|"
    r"should)\b|\bwhen\s*\?|\b(?:by|since|until|till) when\b|\bwhat (?:year|date|day|month|"
    r"time)\b|\bwhich (?:year|day|month)\b"
)


def answer_type(question: str) -> str:
    q = question.lower()
    if question_language(question) == "az":
        return next((kind for kind, pattern in AZ_KINDS if pattern.search(q)), "any")
    if CYRILLIC.search(q):
        return next((kind for kind, pattern in RU_KINDS if pattern.search(q)), "any")
    if SHARE_QUESTION.search(q) and re.match(r"\s*(?:what|how|by how)\b", q):
        return "percentage"
    if re.search(
        r"\bhow (many|much|old|long|far|big|tall|high)\b|\bwhat (percentage|share|"
        r"number|amount|price)\b|\bhow much\b",
        q,
    ):
        return "number"
    if WHEN_ASKED.search(q):
        return "date"
    if re.search(r"\bwho(m|se)?\b", q):
        return "person"
    if ORGANISATION_QUESTION.search(q):
        return "organisation"
    if re.search(r"\bwhere\b|\bwhich (country|city|state|town|region|nation|place)\b", q):
        return "place"
    if re.search(r"\b(which|what)\b", q):
        return "name"
    return "any"


def asked_kind(question: str) -> str:
    """`answer_type`, with amounts of money told apart from other figures."""
    kind = answer_type(question)
    if kind in ("number", "name", "any") and MONEY_QUESTION.search(question):
        return "money"  # "what was the turnover in dollars?" asks for an amount
    return kind


@dataclass(frozen=True)
class Thing:
    """Something of the asked kind that a sentence names and the question does not. `strong`
    when its form or the word before it says it is of that kind ("architect Maria Okafor" is a
    person, "Brandt Bau GmbH" an organisation); a bare name only might be."""

    text: str
    start: int
    strong: bool


def things(sentence: str, question: str, kind: str) -> list[Thing]:
    """The things of `kind` the sentence names that the question does not, strong ones first,
    then in the order the sentence names them."""
    asked = question.lower()
    azerbaijani = question_language(question) == "az"
    if kind in ("money", "percentage", "number", "date"):
        pattern = {"money": MONEY, "percentage": PERCENT, "number": NUMBER, "date": DATE_PHRASE}
        found = [
            Thing(m.group().strip(" ,."), m.start(), True)
            for m in pattern[kind].finditer(sentence)
            if m.group().strip(" ,.").lower() not in asked
        ]
        if kind == "number" and azerbaijani:
            found = [_az_figure(t, sentence, asked) for t in found]
        if kind == "number":  # a year or a date's day is seldom the figure asked for
            dates = [(m.start(), m.end()) for m in DATE_PHRASE.finditer(sentence)]
            found = [
                Thing(t.text, t.start, not any(a <= t.start < b for a, b in dates)) for t in found
            ]
    else:
        found = _names(sentence, asked, kind, azerbaijani=azerbaijani)
        if kind == "place":
            found += [Thing(m.group(), m.start(), True) for m in ADDRESS.finditer(sentence)]
    ordered = sorted(found, key=lambda t: (not t.strong, t.start))
    if azerbaijani and kind in ("money", "percentage", "number"):
        return _same_form_first(ordered, sentence, asked)
    return ordered


# A name in guillemets is one name however many words it has: компания «Северный берег».
QUOTED_NAME = re.compile(r"«([^«»]{2,60})»")
# Azerbaijani writes names in straight quotes: "Xəzər Ulduzu" komandası, "Arazinşaat" şirkəti
# (a quotation in them is longer, or ends with its punctuation).
AZ_QUOTED_NAME = re.compile(rf"\"([{CAPITALS}][^\"«»,.!?]{{1,40}})\"")
# A name followed by what it is: "Xəzər Ulduzu" komandası, "Arazinşaat" şirkəti.
AZ_ORGANISATION_AFTER = re.compile(rf"^\"?\w*\s+(?:{_AZ_ORGANISATION_NOUNS})")
AZ_PERSON_BEFORE = re.compile(
    r"\b(?:nazir|həkim|direktor|rektor|məşqçi|hücumçu|rejissor|professor|təsisçi|rəhbər|"
    r"qaçışçı|idmançı|prezident|sədr|müdir|deputat|yazıçı|müğənni)\w*\s+$",
    re.IGNORECASE,
)
# A place's locative or ablative ending: Şəkidə, Bakıdan (Gürcüstan and Rusiya have none);
# names whose own last letters are one are kept whole.
AZ_PLACE_ENDING = re.compile(r"(?<=\w\w)(?:da|də|dan|dən)$")
AZ_PLACES_ENDING_SO = frozenset("kanada florida nevada uqanda ruanda qrenada".split())


def _az_figure(thing: Thing, sentence: str, asked: str) -> Thing:
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


def _same_form_first(found: list[Thing], sentence: str, asked: str) -> list[Thing]:
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


# Words that open a sentence with a capital and are never part of the name after them.
SENTENCE_OPENERS = STOPWORDS | frozenset(
    "while when although though because since unless until if as meanwhile".split()
)


def _name_matches(sentence: str, *, azerbaijani: bool = False) -> list[tuple[str, int]]:
    quoted = [(m.group(1), m.start(1), m.end(1)) for m in QUOTED_NAME.finditer(sentence)]
    if azerbaijani:
        quoted += [
            (m.group(1), m.start(1), m.end(1))
            for m in AZ_QUOTED_NAME.finditer(sentence)
            if len(m.group(1).split()) <= 4
        ]
    found = [(name, start) for name, start, _ in quoted]
    for match in NAME.finditer(sentence):
        if not any(a <= match.start() < b for _, a, b in quoted):
            name, start = match.group().rstrip("."), match.start()
            head, _, rest = name.partition(" ")
            if start == 0 and rest and head.lower() in SENTENCE_OPENERS:
                # "While Salt Bae was there, …": the capital is the sentence's, not the name's.
                name, start = rest, len(head) + 1
            found.append((name, start))
    return sorted(found, key=lambda item: item[1])


def _names(sentence: str, asked: str, kind: str, *, azerbaijani: bool = False) -> list[Thing]:
    found = []
    addresses = [(m.start(), m.end()) for m in ADDRESS.finditer(sentence)]
    for name, start in _name_matches(sentence, azerbaijani=azerbaijani):
        if any(a <= start < b for a, b in addresses):
            continue
        if start == 0 and " " not in name:
            continue  # a capital at the start of a sentence is not a name
        headed = azerbaijani and _az_headed(name, asked)
        if headed:  # "hansı orkestr?": "Azərbaycan Dövlət Simfonik Orkestri" is one
            found.append(Thing(name, start, True))
            continue
        if azerbaijani:  # "Leyla Qasımova Xəzər Texniki Universitetinin": the asked words cut
            kept = name.split()
            asked_words = re.findall(r"\w+", asked)
            while len(kept) > 1 and any(w.startswith(kept[-1].lower()[:5]) for w in asked_words):
                kept.pop()
            name = " ".join(kept)
        if all(part.lower() in asked for part in name.split()) or DATEISH.fullmatch(name):
            continue
        before = sentence[:start]
        organisation = bool(ORGANISATION_SUFFIX.search(name) or _ORG_BEFORE.search(before))
        place = bool(PLACE_SUFFIX.search(name) or _PLACE_BEFORE.search(before))
        titled = bool(PERSON_BEFORE.search(before))
        if azerbaijani:
            organisation |= bool(AZ_ORGANISATION_AFTER.match(sentence[start + len(name) :]))
            titled |= bool(AZ_PERSON_BEFORE.search(before))
            whole = " " in name or name.lower() in AZ_PLACES_ENDING_SO
            ending = None if whole else AZ_PLACE_ENDING.search(name)
            if kind == "place" and ending:  # Şəkidə: in Şəki
                name, place = name[: ending.start()], True
            if titled and kind in ("place", "organisation"):
                continue  # "şirkətin rəhbəri Tural Babayev" is a person
            quoted = start > 0 and sentence[start - 1] in '"«'
            if kind == "name":  # a title is quoted: "Son qatar" filmi
                found.append(Thing(name, start, quoted))
                continue
        if kind == "person":
            # "Who won?" is as often a team or a company as a person; never a stadium.
            strong = titled or (not place and (organisation or " " in name))
        elif kind == "organisation":
            strong = organisation
        elif kind == "place":
            strong = not organisation and place
        else:
            strong = True
        found.append(Thing(name, start, strong))
    return found


def _az_headed(name: str, asked: str) -> bool:
    """Whether a name of several words ends in the noun the question asks for with «hansı»
    ("hansı orkestr" and "… Simfonik Orkestri", "hansı stadion" and "… Stadionu")."""
    head = re.search(r"\bhansı\s+(\w+)", asked)
    words = name.split()
    if not head or len(words) < 2 or az.lower(words[-1]) in asked:
        return False
    return az.stem(az.lower(words[-1])) == az.stem(head.group(1))


def holds_asked(sentence: str, question: str, kind: str) -> bool:
    """Whether the sentence names something of the asked kind that the question does not."""
    if kind in MISSING:
        return bool(things(sentence, question, kind))
    return True


MAYBE = 0.75


def kind_strength(sentence: str, question: str, kind: str) -> float:
    """1 when the sentence names a thing of the asked kind that surely is one, `MAYBE` when it
    names one that might be ("who won?" is often a team), 0 when none."""
    found = things(sentence, question, kind)
    if not found:
        return 0.0
    return 1.0 if found[0].strong else MAYBE


def short_answer(sentence: str, question: str) -> str | None:
    """The name, date, place or figure the sentence gives for a who/which/when/where/how-many
    question ("Rafael Mendes"), or None when the question asks for no such thing or the
    sentence names none."""
    kind = asked_kind(question)
    if kind not in SHORT_KINDS:
        return None
    if kind == "name" and not re.match(
        rf"\s*(?:which|{_RU_WHICH})\b|.*\bhansı\b", question, re.IGNORECASE
    ):
        return None  # "what happened…" asks for an account, not a name
    found = things(sentence, question, kind)
    if kind in ("number", "money", "percentage") and len(found) > 1:
        # "12,000 scores and … 1,450 seats", asked for the seats: the figure whose own words
        # are the question's.
        asked = key_terms(question)
        counted = [t for t in found if _counts(sentence, t) & asked]
        found = counted or found
    return found[0].text if found else None


def _counts(sentence: str, thing: Thing) -> set[str]:
    """The key terms of the few words after a figure, and of those joined to it ("300
    musiqiçi"): what it counts ("1,450 seats")."""
    after = sentence[thing.start + len(thing.text) :]
    return key_terms(" ".join([*thing.text.split()[1:], *after.split()[:3]]))

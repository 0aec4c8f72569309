"""What the things a question asks for look like in a sentence, and the question words shared by
every language: dates, shares, amounts, organisations, people, places, addresses; the kinds.

The pattern layer under the extractive answerer's choice of sentence and its short answer. No
maintained NLP library can do it offline here: spaCy installs from the registry but its English
models do not (they ship as the project's GitHub release files; the PyPI uploads are anonymous
mirrors or placeholders), and stanza, flair and GLiNER fetch their models from a hub at run time.
Each language's question words are a table of their own (`kinds_en.py`, `kinds_ru.py`,
`kinds_az.py`), as its time words are (`search/timeframe*.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a question asks for: a person (who), an organisation (which company, team,
    party…), a place (where), a date (when), a number (how many), an amount of money (how much
    did it cost), a share (what percentage, what was the occupancy), a name (other which/what
    questions) or anything."""

    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    MONEY = "money"
    PERCENTAGE = "percentage"
    NAME = "name"
    ANY = "any"


@dataclass(frozen=True)
class Thing:
    """Something of the asked kind that a sentence names and the question does not. `strong`
    when its form or the word before it says it is of that kind ("architect Maria Okafor" is a
    person, "Brandt Bau GmbH" an organisation); a bare name only might be."""

    text: str
    start: int
    strong: bool


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
RU_ORGANISATION_NOUNS = (
    r"компани\w*|фирм\w*|банк\w*|команд\w*|клуб\w*|парти\w*|организаци\w*|агентств\w*|"
    r"университет\w*|оператор\w*|авиакомпани\w*|перевозчик\w*|застройщик\w*|подрядчик\w*|"
    r"издательств\w*|телеканал\w*|газет\w*|министерств\w*|ведомств\w*|суд\w*|совет\w*|"
    r"завод\w*|концерн\w*|холдинг\w*|предприяти\w*|магазин\w*|сет[ьи]\b|театр\w*"
)
RU_WHICH = r"(?:какая|какой|какое|какие|какую|каким|какому|какого|какой)"
ORGANISATION_QUESTION = re.compile(
    rf"\b(?:which|what)\s+(?:\w+\s+)?(?:{ORGANISATION_NOUNS})\b"
    rf"|\b{RU_WHICH}\s+(?:\w+\s+)?(?:{RU_ORGANISATION_NOUNS})",
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
ORG_BEFORE = re.compile(
    rf"\b(?:{ORGANISATION_NOUNS}|by|rival|partner|{RU_ORGANISATION_NOUNS})\s+(?:the\s+)?«?$",
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
PLACE_BEFORE = re.compile(
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

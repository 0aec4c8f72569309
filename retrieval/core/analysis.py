"""Text heuristics shared by the engine: what a question asks for, its key terms, the names,
numbers and dates a sentence holds, and the words that carry no meaning of their own.

One home for them, so the extractive answerer and the follow-up detector read questions the
same way. Stems come from the same Snowball stemmers as the BM25 index, chosen by script
(`retrieval.core.language`): English for Latin words, Russian for Cyrillic ones. English and
Russian questions are read; the word lists below hold both.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set

from retrieval.core import azerbaijani as az
from retrieval.core.language import CYRILLIC, azerbaijani_text, russian_lemma, snowball

STOPWORDS = frozenset(
    """
    a an the of in on at to for from by with about as is are was were be been being do does did
    has have had this that these those it its he she they them his her their what which who whom
    whose when where why how many much will would can could should may might than then there
    here into over after before during under up down out not no yes or and but if so such week
    year month day today yesterday recently latest new news according said says tell me us we
    you your our i recent last first one become became
    кто что чем чего кого кому когда где куда откуда почему зачем как сколько какой какая какое
    какие каком какую каким какого какой который которая которое которые ли же бы не ни и а но
    или в во на с со по к ко о об от до из за для при про под над без у это этот эта эти тот та
    те был была было были быть будет будут есть стал стала стало стали его её ее их он она оно
    они мы вы я мне нам вам мой наш ваш свой также ещё еще уже так там тут здесь тогда теперь
    сейчас сегодня вчера завтра недавно новый новая новое новые новости сообщил сообщила
    сообщили сказал сказала сказали говорит расскажи скажи прошлой прошлом прошлый неделе
    году месяце
    """.split()
)
# Words a question opens with: a capital there does not make a name.
QUESTION_OPENERS = frozenset(
    """
    who what when where why how which whom whose is are was were did does do can could will
    would should has have had in on at after before during according name
    кто что когда где куда откуда почему зачем как сколько какой какая какое какие каком какую
    каким какого ли в во на по после до назови
    """.split()
)
WORD = re.compile(r"[^\W_][\w'’-]*")
_CAPITAL = "A-ZА-ЯЁ\u00c0-\u00de\u018f\u0130\u015e\u011e"  # with Ə İ Ş Ğ
CAPITALS = _CAPITAL  # for patterns elsewhere that start at a capital
NAME = re.compile(
    rf"\b[{_CAPITAL}][\w'’.-]+"
    rf"(?:\s+(?:of|the|de|da|van|von|al|bin|la|le|&)?\s*[{_CAPITAL}][\w'’.-]+)*"
)
NUMBER = re.compile(
    # Russian first: "12 000 пассажиров" (a space between thousands), "1,5 млн", "два".
    r"\b\d{1,3}(?:[ \u00a0]\d{3})+(?:\s?(?:млн|млрд|тыс\.?))?(?=\s?[а-яёА-ЯЁ$€₽%])"
    r"|\b\d[\d,.]*\s?(?:млн|млрд|тыс\.?|миллион\w*|миллиард\w*|тысяч\w*|процент\w*)"
    # Azerbaijani: "4,5 milyon", "7,25 faiz", "120 nəfər" ("120 min", a thousand, is joined
    # for Azerbaijani questions only: retrieval/answer/kinds_az.py; in English it is minutes).
    r"|\b\d[\d,.]*\s(?:milyon|milyard|faiz|nəfər)\b"
    r"|\b(?:два|две|три|четыре|пять|шесть|семь|восемь|девять|десять|двадцать|тридцать|сорок|"
    r"пятьдесят|сто|двести|тысяч[аи]?|миллион\w*|десятки|сотни|тысячи)\b"
    r"|(?:[$€£]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent|million|billion|trillion|thousand))?|\b(?:one|two|"
    r"three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|dozens|hundreds|thousands|millions)\b",
    re.IGNORECASE,
)
DATEISH = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|yesterday|tomorrow|(?:19|20)\d\d)\b"
    r"|\b(?:январ|феврал|март|апрел|ма[йяе]\b|июн|июл|август|сентябр|октябр|ноябр|декабр|"
    r"понедельник|вторник|сред[аыуе]\b|четверг|пятниц|суббот|воскресень|вчера|завтра)\w*",
    re.IGNORECASE,
)
# A whole word after each opener: "Following the vote, …", "Subscribers …" and "Clicking …"
# open real sentences (300 in RealTimeQA began "Following"). Cookies only in a consent banner's
# words: a story about a bakery or a cargo of cookies is news.
BOILERPLATE = re.compile(
    r"^(?:(?:read more|sign up|subscribe|follow|click|advertisement|copyright|all rights reserved|"
    r"читайте также|подписывайтесь|реклама)\b|related:|watch:|photo:|фото:)"
    r"|newsletter\b"
    r"|\b(?:accept(?:ing)?|use\s+of|we\s+use|(?:this|our)\s+(?:web)?site\s+uses)\s+cookies\b"
    r"|\bcookies?\s+(?:policy|settings|preferences|notice|consent)\b",
    re.IGNORECASE,
)


def key_terms(text: str) -> set[str]:
    if azerbaijani_text(text):  # Azerbaijani: its own case rules, stop words and stems
        return {
            az.stem(w)
            for w in WORD.findall(az.lower(text))
            if w not in az.STOPWORDS and w not in AZ_QUESTION_WORDS and len(w) > 1
        }
    return {stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


# What Azerbaijani questions ask with: never a term a passage must hold.
AZ_QUESTION_WORDS = frozenset(
    "kim kimdir kimə kimi kimin nə nədir nəyə neçə neçəyə neçənci harada haradan haraya "
    "hara hansı qədər necə niyə vaxt".split()
)


def question_names(question: str) -> set[str]:
    """Stems of the capitalised words a question names (not its first word): Messi, Nobel."""
    words = WORD.findall(question)
    found = set()
    azerbaijani = azerbaijani_text(question)
    for position, word in enumerate(words):
        if not word[:1].isupper() or word.lower() in STOPWORDS:
            continue
        opening = position == 0 or (position == 1 and words[0].lower() in AZ_QUESTION_OPENERS)
        if azerbaijani and opening and word.lower() in AZ_QUESTION_OPENERS | AZ_QUESTION_WORDS:
            continue  # «Kim …?», «Bəs Kim …?»: capitalised as the question's first word
        if position == 0 and word.lower() in QUESTION_OPENERS:
            continue
        found.add(_az_stem(word) if azerbaijani else stem(word.lower()))
    return found


AZ_QUESTION_OPENERS = frozenset({"bəs", "və", "amma", "onda", "elə", "bəli", "yaxşı"})


def _az_stem(word: str) -> str:
    return az.stem(az.lower(word))


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (the same stemmer as the BM25 index): replace, replaces, replaced -> replac."""
    word = word.replace("’", "'").removesuffix("'s")
    if CYRILLIC.search(word):
        return russian_lemma(word)
    return str(snowball("english").stemWord(word))


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
    if when than into about over up out all more there what how during through between per
    и в во на с со по к о об от до из за для при не что как это его её ее их он она они был
    была было были будет также который которая которое которые а но же уже
    və ilə ki üçün bu o bir olan isə həm amma lakin ancaq kimi görə sonra
    """.split()
)
_EDGE = ",.;:!?\"'“”‘’()[]"
# The last word of an Azerbaijani sentence when it is a finite verb or a copula: the past
# (-ıb, -dı), the future (-acaq), the present (-ır), the copula (-dır) and the necessitative
# (-malıdır), each with a plural -lar/-lər where it takes one.
# A capitalised last word (a name: "… Nicat Əhmədi", "… Samir") or a text without its full
# stop (a caption, a menu) is no predicate.
AZ_PREDICATE = re.compile(
    r"(?<!\S)[^\W\d_A-ZƏÖÜĞIİŞÇ]\w+(?:[ıiuü]b|[dt][ıiuü]|acaq|əcək|[ıiuü]r|[dt][ıiuü]r|"
    r"[ıiuü]b(?:dir|dır)|mış|miş|muş|müş)(?:lar|lər)?[.!…][\"”»]?\s*$"
)


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
    if azerbaijani_text(sentence) and len(words) >= 4 and AZ_PREDICATE.search(sentence):
        # An Azerbaijani sentence ends on its verb: "Professor Leyla Qasımova Xəzər Texniki
        # Universitetinin rektoru təyin olunub." is running text however many names it has;
        # a list of names or a menu has no such ending.
        return True
    if (CYRILLIC.search(sentence) or azerbaijani_text(sentence)) and len(words) >= 4:
        # Russian and Azerbaijani have no articles: "Явка составила 41 процент." and
        # "Xəstəxananın baş həkimi Samir Quliyev olub." are running text.
        return function >= 1 or lower * 2 >= len(words)
    return function == 1 and len(words) < 8 and lower * 2 >= len(words)


def restates(sentence: str, asked: Set[str], title: str = "") -> bool:
    """The sentence adds fewer than two key terms to what the question (its key terms,
    `asked`) and the headline say."""
    return len(key_terms(sentence) - asked - key_terms(title)) < 2


TIMELINE = re.compile(
    r"\b(?:what(?:'s| has| have)\s+(?:been\s+)?happen(?:ed|ing)|latest(?:\s+news)?\s+(?:on|about|in"
    r"|with|from)|the latest(?=\s*(?:[?.!]|$|news\b))|developments?\b|timeline\b"
    r"|what(?:'s| is)\s+new\s+(?:on|with|in|about)|updates?\s+on|news\s+(?:on|about)\b"
    r"|how\s+has\b.{1,80}\bevolved)",
    re.IGNORECASE,
)


def is_timeline(question: str) -> bool:
    """ "What has happened with X?", "latest on X", "developments in X", "timeline of X":
    answered with dated passages, newest first, rather than one quote."""
    return bool(TIMELINE.search(question))

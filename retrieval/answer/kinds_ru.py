"""Russian question words, a table in the same order of precedence as the English one
(`kinds_en.py`): the first kind whose pattern the question holds is what it asks for."""

from __future__ import annotations

import re

from retrieval.answer.forms import ORGANISATION_QUESTION, RU_WHICH, SHARE_QUESTION, Kind

RU_KINDS = (
    (Kind.PERCENTAGE, SHARE_QUESTION),
    (Kind.NUMBER, re.compile(r"\bсколько\b|\bкакое (?:количество|число)\b|\bкаков(?:о|а)? "
                          r"(?:количество|число|размер|объ[её]м)\b")),
    (Kind.DATE, re.compile(r"\bкогда\b|\bв каком (?:году|месяце)\b|\bкакого числа\b|"
                        r"\bв какой день\b|\bс какого\b|\bдо какого\b")),
    (Kind.PERSON, re.compile(r"\b(?:кто|кого|кому|кем|ч[ье]й|чья|чь[её]|чьи)\b")),
    (Kind.ORGANISATION, ORGANISATION_QUESTION),
    (Kind.PLACE, re.compile(r"\b(?:где|куда|откуда)\b|\bв как(?:ой|ом|ую) (?:стран|город|регион|"
                         r"област|район|мест)\w*")),
    # "Какой фильм…" asks for a title, "какой ущерб…" for an account: a name only after
    # nouns that have names.
    (Kind.NAME, re.compile(rf"\bкак (?:зовут|называ\w*)\b|\b{RU_WHICH}\s+(?:фильм|книг|песн|"
                        r"альбом|спектакл|роман|картин|приз|преми|смартфон|модел|судн|корабл|"
                        r"паром|сериал|игр|проект|закон|улиц|станци)\w*")),
)  # fmt: skip

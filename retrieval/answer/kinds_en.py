"""English question words, a table: the first kind whose pattern the (lower-cased) question
holds is what it asks for."""

from __future__ import annotations

import re

from retrieval.answer.forms import ORGANISATION_QUESTION, SHARE_QUESTION, Kind

# "When" asks for a date where it opens the question or its clause ("when did", "by when?"),
# not in a clause that sets the scene: "… this week when it announced it would part ways with
# which host?" asks for a name (eight RealTimeQA quiz questions were read as dates).
WHEN_ASKED = re.compile(
    r"^\s*when\b|\bwhen\s+(?:did|was|were|will|is|are|does|do|has|have|had|would|could|can|"
    r"should)\b|\bwhen\s*\?|\b(?:by|since|until|till) when\b|\bwhat (?:year|date|day|month|"
    r"time)\b|\bwhich (?:year|day|month)\b"
)

EN_KINDS = (
    # A share asked as a share, by a question that opens with what or how ("what percentage…",
    # "how much of…", "what was the occupancy…").
    (Kind.PERCENTAGE, re.compile(
        rf"^(?=\s*(?:what|how|by how)\b)(?=.*?(?:{SHARE_QUESTION.pattern}))",
        re.IGNORECASE | re.DOTALL)),
    (Kind.NUMBER, re.compile(r"\bhow (many|much|old|long|far|big|tall|high)\b|\bwhat (percentage|"
                             r"share|number|amount|price)\b|\bhow much\b")),
    (Kind.DATE, WHEN_ASKED),
    (Kind.PERSON, re.compile(r"\bwho(m|se)?\b")),
    (Kind.ORGANISATION, ORGANISATION_QUESTION),
    (Kind.PLACE, re.compile(r"\bwhere\b|\bwhich (country|city|state|town|region|nation|place)\b")),
    (Kind.NAME, re.compile(r"\b(which|what)\b")),
)  # fmt: skip

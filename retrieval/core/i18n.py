"""Texts in the reader's language: gettext catalogues, one per package (`retrieval/locales`
for the answers' own words, `bot/locales` for the bot's), English in the code and a `.po` file
per other language.

The `.po` files are the only form kept in the repository: Babel compiles one in memory the first
time its language is asked for (a few milliseconds), so a catalogue can never be older than its
source. A compiled catalogue is never changed after it is made, so threads share it.
`make messages` extracts the strings (`t("…")`, `tn("…", "…", n)`) and updates the `.po` files;
a test fails while any string lacks its Russian or its Azerbaijani.
"""

from __future__ import annotations

import gettext
import io
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from retrieval.core.language import normalise

# Languages with a complete catalogue; English is the code's own.
LANGUAGES = ("en", "ru", "az")
ENGINE_LOCALES = Path(__file__).resolve().parent.parent / "locales"
_lock = threading.Lock()
_compiled: dict[tuple[Path, str], gettext.NullTranslations] = {}


@dataclass(frozen=True)
class Texts:
    """One language's texts: `t("…")` and `tn("one", "many", n)` (Russian has three plural
    forms; the catalogue's Plural-Forms picks one). `language` is what was chosen."""

    language: str
    translations: gettext.NullTranslations

    def t(self, message: str) -> str:
        return self.translations.gettext(message)

    def tn(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


def format_day(value: date | None, words: Texts) -> str:
    """A date as the reader's language writes it ("03 Mar 2025", "03 мар. 2025"), or
    "undated"."""
    if value is None:
        return words.t(UNDATED)
    from babel.dates import format_date

    return str(format_date(value, "dd MMM y", locale=words.language))


def mark(message: str) -> str:
    """Marks a text for extraction where it is defined (a table of phrases), translated later
    with `t` where it is used."""
    return message


UNDATED = mark("undated")  # in each catalogue that formats dates


def supported(language: str | None) -> str:
    """The catalogue language for an ISO code or a Telegram `language_code` ("ru-RU"): one we
    have, else English."""
    code = normalise(language)
    return code if code in LANGUAGES else "en"


def texts(language: str | None, locales: Path = ENGINE_LOCALES) -> Texts:
    chosen = supported(language)
    key = (locales, chosen)
    with _lock:
        found = _compiled.get(key)
        if found is None:
            found = _compiled[key] = _load(locales, chosen)
    return Texts(chosen, found)


def _load(locales: Path, language: str) -> gettext.NullTranslations:
    source = locales / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not source.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)

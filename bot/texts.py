"""The bot's own words in the reader's language: the Telegram user's `language_code` for the
bot's texts (help, errors, admin replies), the question's language for an answer's. English,
Russian and Azerbaijani are complete (`bot/locales/<language>/LC_MESSAGES/messages.po`); others
get English."""

from __future__ import annotations

from pathlib import Path

from retrieval.core.i18n import Texts, texts

BOT_LOCALES = Path(__file__).resolve().parent / "locales"


def texts_for(update: object) -> Texts:
    """The texts for whoever sent this update, from their Telegram language."""
    user = getattr(update, "effective_user", None)
    return texts(getattr(user, "language_code", None), BOT_LOCALES)


def texts_in(language: str | None) -> Texts:
    return texts(language, BOT_LOCALES)

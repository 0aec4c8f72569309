"""The bot's own words in the reader's language: the Telegram user's `language_code` for the
bot's texts (help, errors, admin replies), the question's language for an answer's. English,
Russian and Azerbaijani are complete (`bot/locales/<language>/LC_MESSAGES/messages.po`); others
get English."""

from __future__ import annotations

from pathlib import Path

from retrieval.core.i18n import Texts, texts
from retrieval.core.language import question_language

BOT_LOCALES = Path(__file__).resolve().parent / "locales"


def texts_for(update: object) -> Texts:
    """The texts for whoever sent this update, from their Telegram language."""
    user = getattr(update, "effective_user", None)
    return texts(getattr(user, "language_code", None), BOT_LOCALES)


def texts_in(language: str | None) -> Texts:
    return texts(language, BOT_LOCALES)


def texts_for_question(update: object, question: str) -> Texts:
    """The texts a question is answered with: the question's language when it is one we
    speak, else the asker's Telegram language."""
    asked_in = texts_in(question_language(question))
    return asked_in if asked_in.language != "en" else texts_for(update)

"""The inline buttons: the callback data each carries is made and matched here, and nowhere
else. Each kind has its prefix and a pattern that `telegram_app.py` registers one handler for;
data no pattern matches (an old or forged button) gets "Unknown button."."""

from __future__ import annotations

import re
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from retrieval.core.i18n import Texts


class Button(StrEnum):
    SOURCES = "src"  # src:<answer id>
    FEEDBACK = "fb"  # fb:<answer id>:u|d
    UNFOLLOW = "unf"  # unf:<topic id>
    FORGET = "fgt"  # fgt:yes|no:<user id>, under /forget's question (only its asker's)


ID = r"(\d{1,18})"  # an SQLite integer: a longer one is forged
PATTERNS = {
    Button.SOURCES: re.compile(rf"^{Button.SOURCES}:{ID}$"),
    Button.FEEDBACK: re.compile(rf"^{Button.FEEDBACK}:{ID}:([ud])$"),
    Button.UNFOLLOW: re.compile(rf"^{Button.UNFOLLOW}:{ID}$"),
    Button.FORGET: re.compile(rf"^{Button.FORGET}:(yes|no):{ID}$"),
}


def _feedback(answer_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("👍", callback_data=f"{Button.FEEDBACK}:{answer_id}:u"),
        InlineKeyboardButton("👎", callback_data=f"{Button.FEEDBACK}:{answer_id}:d"),
    ]


def answer_keyboard(answer_id: int, words: Texts, *, with_sources: bool) -> InlineKeyboardMarkup:
    """Under an answer: its sources (when it cites any) and the votes."""
    row = _feedback(answer_id)
    if with_sources:
        sources = words.t("📰 Sources")
        row.insert(0, InlineKeyboardButton(sources, callback_data=f"{Button.SOURCES}:{answer_id}"))
    return InlineKeyboardMarkup([row])


def push_keyboard(answer_id: int, topic_id: int, words: Texts) -> InlineKeyboardMarkup:
    """Under a followed topic's news: the votes and a way to stop following it."""
    unfollow = InlineKeyboardButton(
        words.t("🔕 Unfollow"), callback_data=f"{Button.UNFOLLOW}:{topic_id}"
    )
    return InlineKeyboardMarkup([[*_feedback(answer_id), unfollow]])


def forget_keyboard(user_id: int, words: Texts) -> InlineKeyboardMarkup:
    """Under /forget's question: delete, or keep everything (for the reader who asked)."""
    delete = f"{Button.FORGET}:yes:{user_id}"
    keep = f"{Button.FORGET}:no:{user_id}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(words.t("🗑 Delete"), callback_data=delete),
                InlineKeyboardButton(words.t("Keep"), callback_data=keep),
            ]
        ]
    )

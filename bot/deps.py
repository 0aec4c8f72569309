"""What every handler needs, built once: the typed context handlers receive (PTB's
`contexttypesbot.py` pattern) instead of looking dependencies up and asserting."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

from telegram import Chat, Update
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.state import Conversations, InlineAnswers, Key, UserLimiter
from retrieval.core.settings import Settings
from retrieval.services import Services

DEPS = "deps"  # the key in application.bot_data


@dataclass
class BotDeps:
    settings: Settings
    services: Services
    conversations: Conversations
    limiter: UserLimiter
    # One feed tick (poll, then push to followers) at a time.
    live_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    inline: InlineAnswers = field(default_factory=InlineAnswers)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.telegram.admin_ids

    def may_ask(self, update: Update) -> bool:
        """Allow-lists are open when empty; admins are always allowed."""
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            return False
        if self.is_admin(user.id):
            return True
        tg = self.settings.telegram
        if chat.type == Chat.PRIVATE:
            return not tg.allowed_user_ids or user.id in tg.allowed_user_ids
        if tg.allowed_chat_ids and chat.id not in tg.allowed_chat_ids:
            return False
        return (
            not tg.allowed_user_ids or user.id in tg.allowed_user_ids or bool(tg.allowed_chat_ids)
        )


class NewsContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler and job gets: the bot's dependencies, typed."""

    @property
    def deps(self) -> BotDeps:
        deps: BotDeps = self.application.bot_data[DEPS]
        return deps

    @property
    def app(self) -> NewsApp:
        return cast(NewsApp, self.application)


NewsApp: TypeAlias = Application[
    ExtBot[Any], NewsContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[Any]
]


def deps_of_app(application: NewsApp) -> BotDeps:
    deps: BotDeps = application.bot_data[DEPS]
    return deps


def conversation_key(update: Update) -> Key:
    """One conversation per private chat, per group, and per forum topic."""
    chat = update.effective_chat
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    return (chat.id if chat else 0, thread or 0)

"""What every handler needs, built once and kept in `application.bot_data`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from telegram import Chat, Update
from telegram.ext import ContextTypes

from bot.follows import FollowStore
from bot.state import AnswerLog, Conversations, Key, UserLimiter
from retrieval.services import Services
from retrieval.settings import Settings


@dataclass
class BotDeps:
    settings: Settings
    services: Services
    log: AnswerLog
    conversations: Conversations
    limiter: UserLimiter
    follows: FollowStore
    # One feed tick (poll, then push to followers) at a time.
    live_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

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


def deps_of(context: ContextTypes.DEFAULT_TYPE) -> BotDeps:
    deps = context.application.bot_data["deps"]
    assert isinstance(deps, BotDeps)
    return deps


def conversation_key(update: Update) -> Key:
    """One conversation per private chat, per group, and per forum topic."""
    chat = update.effective_chat
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    return (chat.id if chat else 0, thread or 0)

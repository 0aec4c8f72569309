"""The bot's own state in memory: conversations, per-user limits and inline mode's answers
(answers and their feedback are kept in the answer log, retrieval/answer/log.py)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.core.records import Answer

Key = tuple[int, int]  # (chat id, forum thread id or 0)


@dataclass
class Conversations:
    """Recent (question, answer) turns per chat and thread, bounded in turns and in time."""

    max_turns: int = 4
    ttl_s: float = 1800.0
    clock: Callable[[], float] = time.monotonic
    _turns: dict[Key, list[tuple[float, str, str]]] = field(default_factory=dict)

    def history(self, key: Key) -> list[tuple[str, str]]:
        now = self.clock()
        turns = [t for t in self._turns.get(key, []) if now - t[0] <= self.ttl_s]
        self._turns[key] = turns
        return [(q, a) for _, q, a in turns]

    def add(self, key: Key, question: str, answer: str) -> None:
        if self.max_turns == 0:
            return
        turns = [*self._turns.get(key, []), (self.clock(), question, answer)]
        self._turns[key] = turns[-self.max_turns :]

    def reset(self, key: Key) -> None:
        self._turns.pop(key, None)


@dataclass
class UserLimiter:
    """A token bucket per user (a burst of `per_minute`) and one question in flight each."""

    per_minute: int = 6
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[int, tuple[float, float]] = field(default_factory=dict)
    _in_flight: set[int] = field(default_factory=set)

    def try_acquire(self, user_id: int) -> str | None:
        """None when the user may ask now; otherwise the reason, for a friendly reply."""
        if user_id in self._in_flight:
            return "busy"
        now = self.clock()
        tokens, last = self._buckets.get(user_id, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
        if tokens < 1.0:
            self._buckets[user_id] = (tokens, now)
            return "rate"
        self._buckets[user_id] = (tokens - 1.0, now)
        self._in_flight.add(user_id)
        return None

    def release(self, user_id: int) -> None:
        self._in_flight.discard(user_id)


INLINE_KEEP_S = 300.0  # an inline answer is reused this long
INLINE_KEPT = 256  # answers kept at most


@dataclass
class InlineAnswers:
    """Inline mode's memory: the latest query of each reader (answered once they pause) and
    answers kept a few minutes per question and language (bot/inline.py)."""

    latest: dict[int, str] = field(default_factory=dict)
    _kept: OrderedDict[tuple[str, str], tuple[float, Answer]] = field(default_factory=OrderedDict)

    def get(self, question: str, language: str) -> Answer | None:
        found = self._kept.get((question, language))
        if found is None or time.monotonic() - found[0] > INLINE_KEEP_S:
            return None
        self._kept.move_to_end((question, language))
        return found[1]

    def keep(self, question: str, language: str, answer: Answer) -> None:
        self._kept[(question, language)] = (time.monotonic(), answer)
        while len(self._kept) > INLINE_KEPT:
            self._kept.popitem(last=False)

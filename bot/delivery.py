"""Outgoing Bot API calls: rate limited, and retried when Telegram or the network falters.

python-telegram-bot's `AIORateLimiter` spaces calls out and honours 429 `retry_after`. On top of
it, a call that fails on the way (a 5xx, a timeout, a dropped connection) is tried again a few
times with back-off, so a reader's answer is not lost to one bad moment. A `BadRequest` (our
fault, e.g. HTML Telegram rejects) is never retried. A timeout after Telegram did deliver can,
in rare cases, show a message twice: Telegram has no idempotency key for sendMessage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)
NETWORK_RETRIES = 3
BACKOFF_S = 0.5


class RetryingRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        max_retries: int = 3,
        network_retries: int = NETWORK_RETRIES,
        backoff_s: float = BACKOFF_S,
        on_retry: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(max_retries=max_retries)
        self.network_retries = network_retries
        self.backoff_s = backoff_s
        self.on_retry = on_retry  # counted in /metrics

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:  # TimedOut is one; 5xx and dropped connections too
                if attempt == self.network_retries:
                    raise
                delay = self.backoff_s * 2**attempt
                logger.info("%s failed (%s); retrying in %.1fs", endpoint, exc, delay)
                self.on_retry()
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

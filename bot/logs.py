"""Logging shared by the front ends: the libraries kept quiet, and secrets masked.

Secrets never reach a log line: the bot token is in every Bot API URL that httpx and
python-telegram-bot log (and in the text of some of their errors)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from retrieval.core.settings import Settings

MASK = "[redacted]"
# Libraries that log every request or load at INFO: warnings only, in the CLI and the bot.
NOISY_LOGGERS = ("httpx", "httpcore", "chromadb", "sentence_transformers", "transformers", "bm25s")


def quiet_noisy_loggers() -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors (Loki, Elasticsearch, CloudWatch …): time
    (UTC, ISO 8601), level, logger, message, and the traceback as one string. Records are
    redacted before they reach any formatter (see `redact_in_logs`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str | int, log_format: Literal["text", "json"] = "text") -> None:
    """The root logger of an entry point (the CLI, the bot): one handler on stderr, in the
    chosen format; the chatty libraries at warnings."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "newsbot", False)]:
        root.removeHandler(old)
    handler.newsbot = True  # type: ignore[attr-defined]  # ours, replaced on a second call
    root.addHandler(handler)
    root.setLevel(level)
    quiet_noisy_loggers()


_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact_in_logs(secret: str) -> None:
    """From now on every log record of this process has `secret` replaced, in its message and
    in its traceback text, whichever logger made it and whichever handler writes it."""
    global _installed
    if len(secret) < 8:  # too short to be a token; replacing it would garble ordinary text
        return
    with _lock:
        _secrets.add(secret)
        if _installed:
            return
        _installed = True
        make_record = logging.getLogRecordFactory()

        def redacting_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(redacting_record)


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, MASK)
    return text


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call; the handler reports it as it would have
        return
    if any(secret in message for secret in _secrets):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        if any(secret in text for secret in _secrets):
            record.exc_text = redact(text)


def register_secrets(settings: Settings) -> None:
    """Every secret the settings hold, masked in every log line of this process from now on:
    the bot token, the webhook secret, the store's token and the LLM's and embedding
    service's keys."""
    for secret in (
        settings.telegram.token,
        settings.telegram.webhook_secret,
        settings.store.auth_token,
        settings.llm.api_key,
        settings.embedding.api_key,
    ):
        if secret is not None:
            redact_in_logs(secret.get_secret_value())

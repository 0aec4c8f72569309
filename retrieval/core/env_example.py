"""`.env.example`, written from the settings themselves: every key the code reads, with its
description and default, and no other. `python -m retrieval.core.env_example > .env.example`
(`make env-example`); a test keeps the committed file equal to this.

Only what must be set is a live line; every other setting stands as a comment with its default,
so a `.env` copied from it follows the defaults of later releases instead of pinning today's."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from pydantic import BaseModel, SecretStr

from retrieval.core.settings import Settings, env_names, groups

WIDTH = 100
# What an operator must set for the Telegram bot; everything else has a working default.
REQUIRED = ("NEWSBOT_TELEGRAM_TOKEN", "NEWSBOT_ADMIN_IDS")
HEADER = """\
# newsbot settings: cp .env.example .env, then set the two lines that are not comments.
#
# NEWSBOT_TELEGRAM_TOKEN: from @BotFather (/newbot). NEWSBOT_ADMIN_IDS: your Telegram user id
# (and other admins', comma-separated): send /id to the bot once it runs, or ask @userinfobot.
#
# Every other setting is shown commented out with its default: uncomment a line to change it.
# An empty value (NAME=) means "not set", the default. Docker Compose sets the store, data and
# ingest paths itself (docker-compose.yml). Inside compose, another container is reached by its
# service name (http://ollama:11434/v1), the Docker host as host.docker.internal."""


def _value(default: Any) -> str:
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, list | tuple):
        return json.dumps(list(default)) if default else ""
    return str(default)


def render() -> str:
    lines = [HEADER]
    classes: list[type[BaseModel]] = [Settings, *groups().values()]
    for settings_class in classes:
        title = (settings_class.__doc__ or settings_class.__name__).strip().rstrip(".")
        lines += ["", f"# --- {title} ---"]
        for env, (_, field) in env_names(settings_class).items():
            default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
            description = field.description or ""
            lines += textwrap.wrap(
                description, WIDTH - 2, initial_indent="# ", subsequent_indent="# "
            )
            required = env in REQUIRED
            lines.append(f"{'' if required else '# '}{env}={'' if required else _value(default)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")

"""`.env.example`, written from the settings themselves: every key the code reads, with its
description and default, and no other. `python -m retrieval.core.env_example > .env.example`
(`make env-example`); a test keeps the committed file equal to this."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from retrieval.core.settings import Settings, env_names, groups

WIDTH = 100


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
    lines = ["# newsbot settings: copy to .env and edit. Every variable is optional unless marked."]
    classes: list[type[BaseSettings]] = [Settings, *groups()]
    for settings_class in classes:
        title = (settings_class.__doc__ or settings_class.__name__).strip().rstrip(".")
        lines += ["", f"# --- {title} ---"]
        for env, (_, field) in env_names(settings_class).items():
            default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
            description = field.description or ""
            lines += textwrap.wrap(
                description, WIDTH - 2, initial_indent="# ", subsequent_indent="# "
            )
            lines.append(f"{env}={_value(default)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")

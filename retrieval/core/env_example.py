"""`.env.example`, written from the settings themselves: every key the code reads, with its
description and default, and no other. `python -m retrieval.core.env_example > .env.example`
(`make env-example`); a test keeps the committed file equal to this."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from retrieval.core.settings import Settings

WIDTH = 100


def env_names(settings_class: type[BaseSettings]) -> dict[str, tuple[str, FieldInfo]]:
    """Each plain setting of a class (not a nested group) by its variable name."""
    prefix = settings_class.model_config.get("env_prefix", "")
    names: dict[str, tuple[str, FieldInfo]] = {}
    for name, field in settings_class.model_fields.items():
        if _group(field) is not None:
            continue
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else []
        explicit = [c for c in choices if isinstance(c, str) and c.startswith("NEWSBOT_")]
        names[explicit[0] if explicit else f"{prefix}{name.upper()}"] = (name, field)
    return names


def all_env_names() -> set[str]:
    found = set(env_names(Settings))
    for group in groups():
        found |= set(env_names(group))
    return found


def groups() -> list[type[BaseSettings]]:
    return [g for f in Settings.model_fields.values() if (g := _group(f)) is not None]


def _group(field: FieldInfo) -> type[BaseSettings] | None:
    kind = field.annotation
    return kind if isinstance(kind, type) and issubclass(kind, BaseSettings) else None


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

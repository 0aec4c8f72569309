"""The one version of newsbot: the installed package's (pyproject.toml), shown by
`newsbot --version`, /stats, /healthz and /metrics."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def newsbot_version() -> str:
    try:
        return version("newsbot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"

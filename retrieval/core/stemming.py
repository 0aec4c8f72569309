"""Snowball stemmers, one per thread: a PyStemmer instance is not safe to share."""

from __future__ import annotations

import threading
from typing import Any


class _ThreadStemmers(threading.local):
    """A PyStemmer instance is not safe to share between threads: one per thread."""

    stemmer: Any = None


_stemmers = _ThreadStemmers()


def thread_stemmer() -> Any:
    if _stemmers.stemmer is None:
        import Stemmer

        _stemmers.stemmer = Stemmer.Stemmer("english")
    return _stemmers.stemmer

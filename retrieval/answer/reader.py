"""The trained reader at answer time: the probability that a sentence answers the question.

`newsbot adapt --reader` trains it (retrieval/adapt/reader.py); the catalog records which
version is in use, and `ReaderSlot` loads that one, so `/adapt reader` in the bot takes effect
on the next question and `newsbot model use original` goes back to the hand-written picker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.core.errors import ConfigError

logger = logging.getLogger(__name__)
READER_DIR = "reader"  # inside a reader version's directory (retrieval/adapt/reader.py)


def reader_input(title: str, sentence: str) -> str:
    """What the reader reads beside the question: the sentence after its headline (which says
    what "he" and "the company" are). Training and serving must build it alike."""
    return f"{title} | {sentence}" if title else sentence


class SentenceReader:
    """One trained reader. The tokenizer is not safe to share between threads (a fast
    tokenizer raises "Already borrowed"), so every call holds the reader's lock: on two cores
    a second question would wait for the CPU anyway."""

    def __init__(self, path: Path, *, device: str = "cpu", bf16: bool = False) -> None:
        self.path = path
        self.device = device
        self.bf16 = bf16
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import CrossEncoder

            if not (self.path / "config.json").exists():
                raise ConfigError(f"the reader at {self.path} is incomplete: retrain it")
            try:
                self._model = CrossEncoder(str(self.path), device=self.device)
            except (OSError, ValueError) as exc:  # damaged weights
                raise ConfigError(f"cannot load the reader at {self.path}: {exc}") from exc
        return self._model

    def probabilities(self, question: str, items: Sequence[tuple[str, str]]) -> np.ndarray:
        """For each (headline, sentence), the probability that the sentence answers."""
        if not items:
            return np.zeros(0)
        import torch

        with self._lock:
            model = self._load()
            pairs = [(question, reader_input(title, sentence)) for title, sentence in items]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
                scores = model.predict(pairs, batch_size=64, activation_fn=torch.nn.Sigmoid())
        return np.asarray(scores, dtype=np.float64)


class ReaderSlot:
    """The reader version in use, as the catalog says at each question ("" for none)."""

    def __init__(
        self, root: Path, version: Callable[[], str], *, device: str = "cpu", bf16: bool = False
    ) -> None:
        self.root = root  # <data dir>/models/readers
        self._version = version
        self._device = device
        self._bf16 = bf16
        # (name, its weights' time): a reader deleted and trained again under the same name
        # is loaded again.
        self._loaded: tuple[tuple[str, int], SentenceReader] | None = None
        self._lock = threading.Lock()

    def current(self) -> SentenceReader | None:
        name = self._version()
        if not name:
            return None
        path = self.root / name / READER_DIR
        try:
            key = (name, (path / "config.json").stat().st_mtime_ns)
        except OSError:  # deleted by hand (or by a restore) meanwhile
            logger.warning("the reader %s is gone (%s); reading without it", name, path)
            return None
        with self._lock:
            if self._loaded is None or self._loaded[0] != key:
                self._loaded = (key, SentenceReader(path, device=self._device, bf16=self._bf16))
            return self._loaded[1]

"""Optional reranking with a sentence-transformers CrossEncoder (path or hub name).

No cross-encoder is packaged for offline use, so it is off unless NEWSBOT_RETRIEVAL_RERANKER
names one; candidates are re-ordered by the cross-encoder's score.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrieval.errors import ConfigError
from retrieval.models import Passage


class CrossEncoderReranker:
    def __init__(self, model: str, *, device: str = "cpu", top_n: int = 30) -> None:
        self.model_ref = model
        self.device = device
        self.top_n = top_n
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import CrossEncoder

                looks_local = self.model_ref.startswith(("/", ".", "~"))
                if looks_local and not Path(self.model_ref).expanduser().exists():
                    raise ConfigError(
                        f"cannot load the reranker {self.model_ref!r}: no such directory"
                    )
                try:
                    self._model = CrossEncoder(self.model_ref, device=self.device)
                except (OSError, ValueError) as exc:
                    raise ConfigError(
                        f"cannot load the reranker {self.model_ref!r}: {exc}"
                    ) from exc
        return self._model

    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]:
        head, tail = list(passages[: self.top_n]), list(passages[self.top_n :])
        scores = self._load().predict([(query, f"{p.title}. {p.text}") for p in head])
        ranked = sorted(
            (replace(p, score=float(s)) for p, s in zip(head, scores, strict=True)),
            key=lambda p: p.score,
            reverse=True,
        )
        return ranked + tail

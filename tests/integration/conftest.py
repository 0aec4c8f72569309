"""The integration tier: the bundled model, real Chroma, real HTTP on loopback.

Training is shared: the adapt tests train the bundled model on the sample archive with the same
examples and settings again and again (through the engine, the CLI and `/adapt`), so each
trainer's result is kept for the worker's session, keyed by everything it is given (base model,
every example, every setting). The first call trains for real; a later call with the same
inputs gets a copy of that model folder, with the same progress reports in the same order, as a
second run with the same seed would. What each test checks of adapting (versions, switching,
re-embedding, serving, progress, busy and failure paths) still runs; only identical training
runs are not repeated. The limit: a reused run takes no time and its progress reports arrive at
once after the folder is copied, so a test that must act while training runs needs inputs of
its own (other settings or examples), which train for real."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import retrieval.adapt.reader
import retrieval.adapt.reranker
import retrieval.adapt.versions
from retrieval.core.settings import AdaptSettings
from tests.support.vectors import RememberedVectors, remember_made_models

Trainer = Callable[..., Any]


class RememberedTraining:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.trained: dict[str, tuple[Path, Any, list[tuple[Any, ...]]]] = {}
        self.runs = 0  # trainings run for real
        self.reused = 0
        self._lock = threading.Lock()

    def wrap(self, real: Trainer) -> Trainer:
        def remembered(
            base_model: str,
            examples: Sequence[Any],
            out_dir: Path,
            config: AdaptSettings,
            progress: Callable[..., None] | None = None,
        ) -> Any:
            key = hashlib.sha256(
                repr(
                    (
                        real.__module__,
                        real.__name__,
                        base_model,
                        [dataclasses.astuple(e) for e in examples],
                        config.model_dump_json(),
                    )
                ).encode()
            ).hexdigest()
            with self._lock:
                known = self.trained.get(key)
            if known is not None:
                kept, result, reports = known
                shutil.copytree(kept, out_dir, dirs_exist_ok=True)
                for report in reports:
                    if progress:
                        progress(*report)
                self.reused += 1
                return result
            reports: list[tuple[Any, ...]] = []

            def recorded(*report: Any) -> None:
                reports.append(report)
                if progress:
                    progress(*report)

            result = real(base_model, examples, out_dir, config, recorded)
            kept = self.folder / key
            shutil.copytree(out_dir, kept, dirs_exist_ok=True)
            with self._lock:
                self.trained[key] = (kept, result, reports)
                self.runs += 1
            return result

        return remembered


@pytest.fixture(scope="session", autouse=True)
def remembered_training(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RememberedTraining]:
    memory = RememberedTraining(tmp_path_factory.mktemp("trained"))
    with pytest.MonkeyPatch.context() as patch:
        for module, name in (
            (retrieval.adapt.versions, "train"),
            (retrieval.adapt.reranker, "train_reranker"),
            (retrieval.adapt.reader, "train_reader"),
        ):
            patch.setattr(module, name, memory.wrap(getattr(module, name)))
        yield memory


@pytest.fixture
def made_models_remember(
    monkeypatch: pytest.MonkeyPatch, remembered_model: RememberedVectors
) -> None:
    """For the adapt tests, whose engines make their models as a user's do (the original, then
    each version): each remembers its vectors (tests/support/vectors.py), so a switch back to
    the original, or a second switch to a version, re-embeds the archive from vectors already
    computed. The switches, the re-embedding and the versions, what these tests check, all
    run."""
    remember_made_models(monkeypatch, remembered_model)

"""Which embedding model serves the archive: the original, or a version adapted to it.

Adapted versions live in `<data dir>/models/adapted/v1, v2, ...`, each with a manifest of how
it was trained; the catalog records which one is in use. Adapting trains from the original
(never from an earlier version, so versions do not drift), then re-embeds the index with the new
model the way a full re-index does: readers switch to it only when it is complete. Going back
to the original, or to any kept version, is one more re-embed.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.adapt.reader import ReaderReport, Teacher
from retrieval.adapt.training import (
    AdaptReport,
    Progress,
    build_examples,
    read_manifest,
    timed,
    train,
    training_articles,
    write_manifest,
)
from retrieval.core.errors import ConfigError, IndexBusyError
from retrieval.core.records import IndexReport
from retrieval.core.settings import AdaptSettings
from retrieval.embed.protocol import BUNDLED_NAME, Embedder, bundled_model_path
from retrieval.index.catalog.db import date_to_int, int_to_date
from retrieval.index.catalog.passages import PassageStore
from retrieval.index.collections import Collections
from retrieval.index.lexical import LexicalIndex
from retrieval.index.reembed import Reembedder
from retrieval.index.state import ORIGINAL_MODEL, IndexState

logger = logging.getLogger(__name__)
ORIGINAL = ORIGINAL_MODEL
# make(model path or hub name, display name): an embedder on this process's backend.
Maker = Callable[[str, str], Embedder]  # retrieval/embed/factory.py makes one


@dataclass(frozen=True)
class ModelVersion:
    name: str  # "original", "v1", ...
    active: bool
    summary: str


def adapted_root(data_dir: Path) -> Path:
    return data_dir / "models" / "adapted"


def model_embedder(name: str, *, make: Maker, base_model: str, root: Path) -> Embedder:
    """The embedder of model version `name` ("original" or "vN")."""
    if name == ORIGINAL:
        return make(base_model, "")
    path = root / name
    if not (path / "config.json").exists():
        kept = sorted(p.name for p in root.glob("v*") if (p / "config.json").exists())
        raise ConfigError(
            f"there is no adapted model {name!r}; the versions are: " + ", ".join([ORIGINAL, *kept])
        )
    return make(str(path), f"adapted-{name} of {make(base_model, '').name.split('|')[0]}")


def active_embedder(state: IndexState, make: Maker, base_model: str, data_dir: Path) -> Embedder:
    """The model version in use. One whose directory is gone (deleted by hand) falls back to
    the original, so that `newsbot model use original` can still run: questions meanwhile get
    the stale-vectors error, which says what to do."""
    try:
        return model_embedder(
            state.model_version(), make=make, base_model=base_model, root=adapted_root(data_dir)
        )
    except ConfigError as exc:
        logger.warning("%s; serving with the original model", exc)
        return model_embedder(ORIGINAL, make=make, base_model=base_model, root=Path())


class ModelService:
    def __init__(
        self,
        *,
        collections: Collections,
        reembedder: Reembedder,
        state: IndexState,
        passages: PassageStore,
        lexical: LexicalIndex,
        data_dir: Path,
        base_model: str,
        make: Maker,
        config: AdaptSettings,
    ) -> None:
        self._collections = collections
        self._reembedder = reembedder
        self._state = state
        self._passages = passages
        self._lexical = lexical
        self._root = adapted_root(data_dir)
        self._data_dir = data_dir
        self._base_model = base_model
        self._make = make
        self._config = config
        self._busy = threading.Lock()

    @property
    def active(self) -> str:
        return self._state.model_version()

    @property
    def running(self) -> bool:
        return self._busy.locked()

    def trained_through(self) -> date | None:
        """The newest article the model or the reader in use learnt from; None when both are
        the originals."""
        from retrieval.adapt.reader import readers_root

        found = []
        if self.active != ORIGINAL:
            found.append(read_manifest(self._root / self.active) or {})
        if self.reader:
            found.append(read_manifest(readers_root(self._data_dir) / self.reader) or {})
        latest: list[date] = []
        for manifest in found:
            try:
                latest.append(date.fromisoformat(str(manifest["report"]["latest_article"])))
            except (KeyError, TypeError, ValueError):
                latest.append(date.max)  # unknown: treat as having seen everything
        return max(latest, default=None)

    def versions(self) -> list[ModelVersion]:
        active = self.active
        found = [ModelVersion(ORIGINAL, active == ORIGINAL, "the model as shipped")]
        for number in self._numbers():
            name = f"v{number}"
            manifest = read_manifest(self._root / name) or {}
            summary = str(manifest.get("summary", "no manifest"))
            found.append(ModelVersion(name, active == name, summary))
        from retrieval.adapt.reader import reader_numbers, readers_root

        reading = self.reader
        root = readers_root(self._data_dir)
        for number in reader_numbers(root):
            name = f"r{number}"
            manifest = read_manifest(root / name) or {}
            summary = str(manifest.get("summary", "no manifest"))
            found.append(ModelVersion(name, reading == name, summary))
        return found

    def _numbers(self) -> list[int]:
        if not self._root.is_dir():
            return []
        names = [p.name for p in self._root.iterdir() if p.is_dir()]
        return sorted(int(n[1:]) for n in names if n.startswith("v") and n[1:].isdigit())

    def adapt(
        self,
        *,
        before: date | None = None,
        max_examples: int | None = None,
        reranker: bool = False,
        progress: Progress | None = None,
    ) -> AdaptReport:
        """Train a new version on the archive as indexed, re-embed the index with it and
        switch to it. One at a time; never while a re-index runs."""
        if not self._busy.acquire(blocking=False):
            raise IndexBusyError("the model is already being adapted; wait for it to finish")
        try:
            if self._collections.running:
                raise IndexBusyError("a re-index is running; adapt when it has finished")
            with self._collections.reading() as view:
                if view.empty:
                    raise ConfigError("the archive is empty: index articles before adapting")
            config = self._config.model_copy(
                update={
                    "before": before or self._config.before,
                    "max_examples": max_examples or self._config.max_examples,
                }
            )
            report = self._train(config, progress, reranker=reranker)
            try:
                index_report = self.use(f"v{report.version}", progress=progress)
            except IndexBusyError:  # a re-index started while the model trained
                raise IndexBusyError(
                    f"v{report.version} is trained and saved, but a re-index was running, so "
                    f"the index was not re-embedded with it: switch when it has finished "
                    f"(newsbot model use v{report.version}, or /adapt use v{report.version})"
                ) from None
            report.reembed_seconds = index_report.seconds
            write_manifest(Path(report.path), report, config)  # now with the re-embed time
            return report
        finally:
            self._busy.release()

    def _train(
        self, config: AdaptSettings, progress: Progress | None, *, reranker: bool
    ) -> AdaptReport:
        with self._collections.reading() as view:
            snapshot = self._lexical.snapshot(view.collection)
            (examples, articles), pair_s = timed(
                lambda: build_examples(self._passages, view.collection, snapshot, config, progress)
            )
        for partial in self._root.glob(".v*.partial") if self._root.is_dir() else []:
            shutil.rmtree(partial, ignore_errors=True)  # left by a killed run
        version = max(self._numbers(), default=0) + 1
        partial = self._root / f".v{version}.partial"
        partial.mkdir(parents=True)
        used = {e.article_id for e in examples}
        latest = max((a.published for a in articles if a.id in used), default=0)
        report = AdaptReport(
            version=version,
            base_model=self._base_model or BUNDLED_NAME,
            path=str(self._root / f"v{version}"),
            articles=len(used),
            examples=len(examples),
            by_kind={k: sum(e.kind == k for e in examples) for k in config.kinds},
            latest_article=str(int_to_date(latest) or ""),
            before=str(config.before or ""),
            pair_seconds=pair_s,
        )
        try:
            (steps, loss), report.train_seconds = timed(
                lambda: train(
                    self._base_model or bundled_model_path(), examples, partial, config, progress
                )
            )
            report.steps, report.final_loss = steps, loss
            if reranker:
                from retrieval.adapt.reranker import RERANKER_DIR, train_reranker

                _, report.reranker_seconds = timed(
                    lambda: train_reranker(
                        self._base_model or bundled_model_path(),
                        examples,
                        partial / RERANKER_DIR,
                        config,
                        progress,
                    )
                )
            write_manifest(partial, report, config)
            partial.rename(self._root / f"v{version}")  # complete, or not there at all
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        logger.info("%s", report.summary())
        return report

    # -- the reader -----------------------------------------------------------------------
    @property
    def reader(self) -> str:
        """The trained reader in use ("r1", …), or "" (the hand-written sentence picker)."""
        return self._state.reader_version()

    def adapt_reader(
        self,
        *,
        before: date | None = None,
        max_questions: int | None = None,
        progress: Progress | None = None,
        teacher: Teacher | None = None,
    ) -> ReaderReport:
        """Make questions from the archive as indexed, train a reader on them and answer with
        it from then on. No re-embedding: the reader reads the passages the search finds.
        With a `teacher` (an LLM) the questions are the teacher's where it writes a fit one."""
        from retrieval.adapt.reader import readers_root, train_version

        if not self._busy.acquire(blocking=False):
            raise IndexBusyError("the model is already being adapted; wait for it to finish")
        try:
            config = self._config.model_copy(
                update={
                    "before": before or self._config.before,
                    "reader_questions": max_questions or self._config.reader_questions,
                }
            )
            with self._collections.reading() as view:
                if view.empty:
                    raise ConfigError("the archive is empty: index articles before adapting")
                articles = training_articles(self._passages, view.collection, config.before)
                snapshot = self._lexical.snapshot(view.collection)
            found = {c: (a.id, a.title, t) for a in articles for c, t in a.chunks}
            date_to = date_to_int(config.before) - 1 if config.before else 0

            def near_misses(question: str) -> list[tuple[str, str, str]]:
                hits = snapshot.search(question, 4, date_to=date_to)
                return [found[c] for c, _ in hits if c in found]

            report = train_version(
                articles,
                near_misses,
                root=readers_root(self._data_dir),
                base_model=self._base_model or bundled_model_path(),
                config=config,
                progress=progress,
                teacher=teacher,
            )
            self._state.set_reader_version(report.version)
            return report
        finally:
            self._busy.release()

    def use(self, name: str, *, progress: Progress | None = None) -> IndexReport:
        """Serve with version `name` from then on: an embedding model version ("vN") is
        re-embedded into the index first; a reader ("rN") reads from the next question;
        "original" goes back to both as shipped (the hand-written sentence picker, and the
        bundled model, re-embedding only if an adapted one is in use)."""
        from retrieval.adapt.reader import reader_numbers, readers_root

        if name.startswith("r"):
            kept = [f"r{n}" for n in reader_numbers(readers_root(self._data_dir))]
            if name not in kept:
                raise ConfigError(
                    f"there is no trained reader {name!r}; the readers are: "
                    + (", ".join(kept) or "none (train one: newsbot adapt --reader)")
                )
            self._state.set_reader_version(name)
            return IndexReport()
        if name == ORIGINAL and self.active == ORIGINAL:
            self._state.set_reader_version("")
            return IndexReport()
        embedder = model_embedder(
            name, make=self._make, base_model=self._base_model, root=self._root
        )
        logger.info("re-embedding the index with %s", embedder.name)
        report = self._reembedder.reembed(
            embedder, publish=lambda: self._state.set_model_version(name), progress=progress
        )
        if name == ORIGINAL:  # only once the original model serves: never half switched
            self._state.set_reader_version("")
        return report

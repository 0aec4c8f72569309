"""Backups of the whole archive, taken while the bot serves and while a sync runs, and restored
into an empty data dir and an empty vector store.

One consistent snapshot: the SQLite files are copied with SQLite's online backup API (each a
point-in-time copy, whatever a sync writes meanwhile). The vectors are the active collection's,
read for exactly the passages the copied catalog holds; a passage the store has with other text
(a sync changed it since the copy) or not yet is embedded again from the catalog's text with
the model in use, so vectors and catalog always agree. The lexical snapshot of that collection
and the adapted model versions are copied too, and a manifest (versions, counts, a SHA-256 of
every file) is written last, into a folder that gets its final name only when complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from retrieval.core.errors import BackupError
from retrieval.core.records import Progress, Stage
from retrieval.embed.protocol import Embedder
from retrieval.index.catalog import Catalog
from retrieval.index.catalog.passages import ChunkRecord
from retrieval.index.collections import Collections
from retrieval.index.lexical import LexicalIndex
from retrieval.index.state import IndexState
from retrieval.index.store import VectorStore, text_fingerprint

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
# Every SQLite file of a data dir: the catalog (articles, passages, index state), answers and
# feedback, feeds, followed topics.
SQLITE_FILES = (
    "catalog.sqlite",
    "bot.sqlite",
    "feeds.sqlite",
    "follows.sqlite",
    "briefs.sqlite",
)
VECTORS, IDS = "vectors.npy", "ids.json"
ADAPTED = Path("models") / "adapted"
READERS = Path("models") / "readers"  # trained readers (newsbot adapt --reader)
TRAINED = (ADAPTED, READERS)
ARTICLES_PER_READ = 200


@dataclass(frozen=True)
class Manifest:
    format: int
    created: str
    newsbot: str
    collection: str
    identity: str
    model_version: str
    articles: int
    passages: int
    dimensions: int
    reembedded: int  # passages a sync changed during the backup, embedded again from its text
    schema_versions: dict[str, int]
    files: dict[str, str] = field(default_factory=dict)  # relative path -> SHA-256

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def newsbot_version() -> str:
    try:
        return metadata.version("newsbot")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_sqlite(source: Path, target: Path) -> int:
    """A point-in-time copy through SQLite's online backup API; the copy's schema version."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        return int(dst.execute("PRAGMA user_version").fetchone()[0])
    finally:
        dst.close()
        src.close()


class BackupService:
    def __init__(
        self,
        *,
        data_dir: Path,
        collections: Collections,
        store: VectorStore,
        lexical: LexicalIndex,
        base_collection: str,
        schema_versions: dict[str, int],
    ) -> None:
        self._data_dir = data_dir
        self._collections = collections
        self._store = store
        self._lexical = lexical
        self._base = base_collection
        # What this version's code knows: a backup with a newer schema is refused.
        self._known_versions = schema_versions

    # -- backup -----------------------------------------------------------------------------
    def backup(self, target: Path, *, progress: Progress | None = None) -> Manifest:
        """Write a complete backup to `target` (a new or empty folder)."""
        step = progress or (lambda stage, done, total: None)
        target = target.resolve()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise BackupError(f"{target}: the backup folder must be new or empty")
        staging = target.with_name(f".{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            manifest = self._write(staging, step)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.rmdir()
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        logger.info("backup of %d articles written to %s", manifest.articles, target)
        return manifest

    def _write(self, folder: Path, step: Progress) -> Manifest:
        # The lease keeps the collection from being dropped while its vectors are read.
        with self._collections.reading() as view:
            step(Stage.COPYING, 0, len(SQLITE_FILES))
            versions = {}
            for number, name in enumerate(SQLITE_FILES, start=1):
                if (self._data_dir / name).exists():
                    versions[name] = copy_sqlite(self._data_dir / name, folder / name)
                step(Stage.COPYING, number, len(SQLITE_FILES))
            catalog = Catalog(folder / "catalog.sqlite")
            state = IndexState(catalog.state, self._base)
            collection = state.active()
            if collection != view.collection:
                raise BackupError(
                    "the index switched to a new collection while the backup started; "
                    "run the backup again"
                )
            identity = state.identity(collection)
            records = self._records(catalog, collection)
            # The model pinned for this hold: the one that embedded the collection.
            vectors, reembedded = self._vectors(
                collection, records, self._collections.embedder, step
            )
            (folder / IDS).write_text(json.dumps([r.chunk_id for r in records]))
            np.save(folder / VECTORS, vectors)
            self._copy_lexical(collection, folder)
            for trained in TRAINED:
                if (self._data_dir / trained).is_dir():
                    # Not a version still training (.rN.partial) nor a lock file.
                    shutil.copytree(
                        self._data_dir / trained,
                        folder / trained,
                        ignore=shutil.ignore_patterns(".*"),
                    )
            manifest = Manifest(
                format=FORMAT,
                created=datetime.now(UTC).isoformat(timespec="seconds"),
                newsbot=newsbot_version(),
                collection=collection,
                identity=identity.serialise() if identity else "",
                model_version=state.model_version(),
                articles=len(catalog.articles.in_collection(collection)),
                passages=len(records),
                dimensions=int(vectors.shape[1]) if vectors.size else 0,
                reembedded=reembedded,
                schema_versions=versions,
            )
        step(Stage.CHECKSUMS, 0, 1)
        files = {
            str(path.relative_to(folder)): sha256(path)
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }
        manifest = Manifest(**{**manifest.to_dict(), "files": files})  # type: ignore[arg-type]
        (folder / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2))
        step(Stage.CHECKSUMS, 1, 1)
        return manifest

    @staticmethod
    def _records(catalog: Catalog, collection: str) -> list[ChunkRecord]:
        ids = sorted(catalog.articles.in_collection(collection))
        records: list[ChunkRecord] = []
        for start in range(0, len(ids), ARTICLES_PER_READ):
            part = ids[start : start + ARTICLES_PER_READ]
            records += catalog.passages.chunk_records(collection, part)
        return records

    def _vectors(
        self,
        collection: str,
        records: list[ChunkRecord],
        embedder: Embedder,
        step: Progress,
    ) -> tuple[np.ndarray, int]:
        """One row per record, from the store where it holds that passage's text, else
        embedded again from the catalog's text."""
        rows: list[np.ndarray | None] = []
        step(Stage.VECTORS, 0, len(records))
        for start in range(0, len(records), 2000):
            part = records[start : start + 2000]
            stored = self._store.records(collection, [r.chunk_id for r in part])
            for record in part:
                found = stored.get(record.chunk_id)
                same = found is not None and found[1] == text_fingerprint(record.text)
                rows.append(found[0] if found is not None and same else None)
            step(Stage.VECTORS, min(start + 2000, len(records)), len(records))
        missing = [i for i, row in enumerate(rows) if row is None]
        if missing:
            fresh = embedder.embed_documents([records[i].embed_text for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                rows[i] = np.asarray(vector, dtype=np.float32)
            logger.info("%d passage(s) changed during the backup: embedded again", len(missing))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.vstack([r for r in rows if r is not None]).astype(np.float32), len(missing)

    def _copy_lexical(self, collection: str, folder: Path) -> None:
        """The collection's words as they are; a copy that does not match the catalog is built
        again at restore."""
        if not self._lexical.exists(collection):
            return
        try:
            self._lexical.copy_to(collection, folder / "lexical")
        except OSError as exc:
            shutil.rmtree(folder / "lexical", ignore_errors=True)
            logger.info("%s; restore will build the words again", exc)

    # -- verify and restore -------------------------------------------------------------------

    def verify(self, source: Path) -> Manifest:
        """The backup's manifest, once every file is there with its checksum; else BackupError
        naming what is wrong."""
        path = source / MANIFEST
        if not source.is_dir():
            raise BackupError(f"{source}: no such backup folder")
        if not path.exists():
            raise BackupError(f"{source}: not a complete backup (no {MANIFEST})")
        try:
            data = json.loads(path.read_text())
            manifest = Manifest(**data)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"{path}: the manifest is unreadable ({exc})") from None
        if manifest.format != FORMAT:
            raise BackupError(f"{source}: backup format {manifest.format} is not {FORMAT}")
        for name, version in manifest.schema_versions.items():
            if version > self._known_versions.get(name, version):
                raise BackupError(
                    f"{source}: {name} has schema version {version}, newer than this newsbot "
                    f"knows ({self._known_versions[name]}); restore it with a newer newsbot"
                )
        for relative, digest in manifest.files.items():
            file = source / relative
            if not file.is_file():
                raise BackupError(f"{source}: {relative} is missing (a partial backup)")
            if sha256(file) != digest:
                raise BackupError(f"{source}: {relative} does not match its checksum (corrupt)")
        for required in ("catalog.sqlite", VECTORS, IDS):
            if required not in manifest.files:
                raise BackupError(f"{source}: {required} is missing (a partial backup)")
        return manifest

    def restore(self, source: Path, *, progress: Progress | None = None) -> Manifest:
        """Restore `source` into this data dir and store, which must hold no articles yet.
        Verified first: a corrupt or partial backup is refused and nothing is changed."""
        step = progress or (lambda stage, done, total: None)
        source = source.resolve()
        manifest = self.verify(source)
        catalog = self._collections.catalog
        if catalog.articles.count_all() or self.store_holds(manifest.collection):
            raise BackupError(
                f"{self._data_dir}: restore needs an empty data dir and vector store (this one "
                "holds articles); point NEWSBOT_DATA_DIR at a new folder"
            )
        ids = json.loads((source / IDS).read_text())
        vectors = np.load(source / VECTORS)
        if len(ids) != manifest.passages or vectors.shape[0] != len(ids):
            raise BackupError(f"{source}: the vectors do not match the manifest's passage count")
        written: list[Path] = []
        try:
            for number, name in enumerate(SQLITE_FILES, start=1):
                if name in manifest.files:
                    target = self._data_dir / name
                    for extra in (Path(f"{target}-wal"), Path(f"{target}-shm")):
                        extra.unlink(missing_ok=True)
                    copy_sqlite(source / name, target)
                    written.append(target)
                step(Stage.COPYING, number, len(SQLITE_FILES))
            self._load_vectors(manifest, ids, vectors, step)
            self._restore_lexical(manifest.collection, source)
            for trained in TRAINED:
                if (source / trained).is_dir():
                    shutil.copytree(source / trained, self._data_dir / trained, dirs_exist_ok=True)
        except BaseException:
            logger.warning("restore failed: undoing what it wrote")
            self._store.drop(manifest.collection)
            self._lexical.drop(manifest.collection)
            for path in written:
                path.unlink(missing_ok=True)
            raise
        logger.info("restored %d articles from %s", manifest.articles, source)
        return manifest

    def store_holds(self, collection: str) -> bool:
        return collection in self._store.collections() and self._store.count(collection) > 0

    def _load_vectors(
        self, manifest: Manifest, ids: list[str], vectors: np.ndarray, step: Progress
    ) -> None:
        catalog = self._collections.catalog
        records = {r.chunk_id: r for r in self._records(catalog, manifest.collection)}
        if set(records) != set(ids):
            raise BackupError("the backup's vectors and its catalog name different passages")
        step(Stage.VECTORS, 0, len(ids))
        for start in range(0, len(ids), 2000):
            part = [records[i] for i in ids[start : start + 2000]]
            self._store.upsert(
                manifest.collection,
                [r.chunk_id for r in part],
                vectors[start : start + 2000],
                [r.text for r in part],
                [r.metadata() for r in part],
            )
            step(Stage.VECTORS, min(start + 2000, len(ids)), len(ids))

    def _restore_lexical(self, collection: str, source: Path) -> None:
        """The backed-up words when they cover exactly the catalog's passages; else built
        again from the catalog."""
        catalog = self._collections.catalog
        passages = {row.chunk_id for row in catalog.passages.lexical_rows(collection)}
        if self._lexical.copy_from(collection, source / "lexical"):
            if self._lexical.snapshot(collection).live_ids() == passages:
                return
            logger.info("the backup's lexical index does not match its catalog: building it")
        self._lexical.build(
            collection, catalog.passages.lexical_rows(collection), total=len(passages)
        )

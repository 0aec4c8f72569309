"""Backups: taken while a sync is halfway (its vectors in the store, its catalog rows not yet),
restored elsewhere (embedded Chroma and a `chroma run` server) with the same counts and the
same answers; a corrupt, partial or newer backup, or a target that is not empty, is refused
with the reason and changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from retrieval.core.errors import BackupError
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.evaluation import load_questions
from retrieval.index.store import ChromaStore
from tests.conftest import ROOT, SAMPLE_QUESTIONS, SAMPLE_TODAY, SAMPLES, make_settings
from tests.integration.retrieval.index.test_chroma_server import server_engine
from tests.support.chroma import (  # noqa: F401  (a fixture)
    chroma_server,
)

TOWN = ROOT / "tests" / "fixtures" / "small-archives" / "town"


class PausingStore:
    """The real store; once armed, an upsert writes and then waits for `go`: a sync stopped
    with its vectors stored and its catalog rows not yet written."""

    def __init__(self, inner: ChromaStore) -> None:
        self.inner = inner
        self.armed = False
        self.upserted = threading.Event()
        self.go = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def upsert(self, *args: Any, **kwargs: Any) -> None:
        self.inner.upsert(*args, **kwargs)
        if self.armed:
            self.upserted.set()
            assert self.go.wait(120)


def engine_at(data: Path, **kwargs: Any) -> Engine:
    settings = make_settings(data).model_copy(update={"ingest_dir": data.parent / "ingest"})
    return build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY, **kwargs)


def answers(engine: Engine) -> list[tuple[str, list[str]]]:
    questions = load_questions(SAMPLE_QUESTIONS)[:20]
    assert len(questions) == 20
    results = []
    for item in questions:
        answer = engine.services.qa.answer(item.question, today=SAMPLE_TODAY)
        results.append((answer.text, [c.article_id for c in answer.citations]))
    return results


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An archive backed up in the middle of a sync that changes one article and adds the town
    archive's stories."""
    root = tmp_path_factory.mktemp("backup")
    ingest = root / "ingest"
    shutil.copytree(SAMPLES, ingest)
    store = PausingStore(ChromaStore(path=root / "data" / "chroma"))
    engine = engine_at(root / "data", store=store)
    engine.services.index.sync([ingest])
    before = engine.services.index.stats()
    expected = answers(engine)

    changed = ingest / "text" / "rovers-sign-osei.txt"
    changed.write_text(changed.read_text().replace("six points", "seven points"))
    shutil.copytree(TOWN, ingest / "town")
    # Trained models ride along (their weights here stand for the real ones).
    for trained in (
        "models/adapted/v1/config.json",
        "models/readers/r1/reader/config.json",
        "models/readers/.r2.partial/reader/config.json",  # still training: not copied
    ):
        (root / "data" / trained).parent.mkdir(parents=True)
        (root / "data" / trained).write_text("{}")
    store.armed = True
    syncing = threading.Thread(target=engine.services.index.sync, args=([ingest],))
    syncing.start()
    assert store.upserted.wait(120)
    manifest = engine.services.backups.backup(root / "backup")
    store.go.set()
    syncing.join(120)
    after = engine.services.index.stats()
    return {
        "root": root,
        "backup": root / "backup",
        "manifest": manifest,
        "before": before,
        "after": after,
        "answers": expected,
    }


def test_a_backup_during_a_sync_is_the_archive_as_it_was(backed_up: dict[str, Any]) -> None:
    manifest, before = backed_up["manifest"], backed_up["before"]
    assert (manifest.articles, manifest.passages) == (before.articles, before.chunks)
    added = len(list(TOWN.glob("*.txt")))
    assert backed_up["after"].articles == before.articles + added  # the sync went on, finished
    # The changed article's passages were in the store with their new text: embedded again
    # from the text the backed-up catalog holds.
    assert manifest.reembedded >= 1
    assert manifest.model_version and "hash" in manifest.identity
    files = set(manifest.files)
    assert {"catalog.sqlite", "vectors.npy", "ids.json", "bot.sqlite"} <= files
    assert any(f.startswith("lexical/") for f in files)
    assert not list(backed_up["root"].glob(".backup.partial"))


def test_restore_elsewhere_gives_the_same_counts_and_answers(
    backed_up: dict[str, Any], tmp_path: Path
) -> None:
    restored = engine_at(tmp_path / "data")
    manifest = restored.services.backups.restore(backed_up["backup"])
    stats = restored.services.index.stats()
    assert (stats.articles, stats.chunks) == (manifest.articles, manifest.passages)
    assert answers(restored) == backed_up["answers"]
    for trained in ("models/adapted/v1/config.json", "models/readers/r1/reader/config.json"):
        assert trained in manifest.files and (tmp_path / "data" / trained).is_file()
    assert not [f for f in manifest.files if ".partial" in f]
    # A second restore into the now full archive is refused.
    with pytest.raises(BackupError, match="empty data dir"):
        restored.services.backups.restore(backed_up["backup"])


@pytest.mark.slow
def test_restore_into_a_chroma_server(
    backed_up: dict[str, Any],
    tmp_path: Path,
    chroma_server: tuple[subprocess.Popen[bytes], int],  # noqa: F811
) -> None:
    restored = server_engine(tmp_path, chroma_server[1])
    manifest = restored.services.backups.restore(backed_up["backup"])
    stats = restored.services.index.stats()
    assert (stats.articles, stats.chunks) == (manifest.articles, manifest.passages)
    assert answers(restored) == backed_up["answers"]
    for trained in ("models/adapted/v1/config.json", "models/readers/r1/reader/config.json"):
        assert trained in manifest.files and (tmp_path / "data" / trained).is_file()


def damaged(source: Path, target: Path, damage: str) -> Path:
    shutil.copytree(source, target)
    if damage == "corrupt":
        data = bytearray((target / "vectors.npy").read_bytes())
        data[-5] ^= 0xFF
        (target / "vectors.npy").write_bytes(bytes(data))
    elif damage == "no manifest":
        (target / "manifest.json").unlink()
    elif damage == "file missing":
        (target / "ids.json").unlink()
    elif damage == "newer":
        manifest = json.loads((target / "manifest.json").read_text())
        manifest["schema_versions"]["catalog.sqlite"] = 99
        (target / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("corrupt", "does not match its checksum"),
        ("no manifest", "not a complete backup"),
        ("file missing", "ids.json is missing"),
        ("newer", "newer than this newsbot"),
    ],
)
def test_a_damaged_backup_is_refused_and_changes_nothing(
    backed_up: dict[str, Any], tmp_path: Path, damage: str, reason: str
) -> None:
    source = damaged(backed_up["backup"], tmp_path / "copy", damage)
    target = engine_at(tmp_path / "data")
    with pytest.raises(BackupError, match=reason):
        target.services.backups.restore(source)
    assert target.services.index.stats().articles == 0
    assert target.store.collections() == []
    assert not (tmp_path / "data" / "lexical").exists() or not any(
        (tmp_path / "data" / "lexical").iterdir()
    )


def test_a_backup_never_overwrites_a_folder_in_use(
    backed_up: dict[str, Any], tmp_path: Path
) -> None:
    engine = engine_at(tmp_path / "data")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="must be new or empty"):
        engine.services.backups.backup(tmp_path / "taken")
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"


def test_the_store_keeps_a_fingerprint_of_each_text_and_reads_old_collections(
    tmp_path: Path,
) -> None:
    """The catalog holds the passages' text; Chroma keeps only its fingerprint (what a backup
    checks a vector against). A collection written before, with the text itself, reads the
    same."""
    import numpy as np

    from retrieval.index.store import persistent_client, text_fingerprint

    store = ChromaStore(path=tmp_path / "chroma")
    vectors = np.eye(2, 8, dtype=np.float32)
    meta = {"article_id": "a", "chunk": 0, "title": "t", "source": "s", "url": "", "published": 0}
    store.upsert("fresh-one", ["a:0", "a:1"], vectors, ["first text", "second"], [meta, meta])
    client = persistent_client(tmp_path / "chroma")
    stored = client.get_collection("fresh-one").get(include=["documents", "metadatas"])
    assert stored["documents"] == [None, None]
    assert [m["text_hash"] for m in stored["metadatas"]] == [
        text_fingerprint("first text"),
        text_fingerprint("second"),
    ]
    old = client.create_collection("older-one", embedding_function=None)
    old.add(ids=["b:0"], embeddings=vectors[:1], documents=["kept text"], metadatas=[meta])
    del client
    found = ChromaStore(path=tmp_path / "chroma").records("older-one", ["b:0", "missing"])
    assert list(found) == ["b:0"]
    assert found["b:0"][1] == text_fingerprint("kept text")
    assert np.allclose(found["b:0"][0], vectors[0])
    assert store.records("fresh-one", ["a:1"])["a:1"][1] == text_fingerprint("second")


def test_restore_takes_the_backed_up_words_when_they_match_and_builds_them_when_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup of a quiet archive carries words that match its catalog: restore copies them
    and builds nothing. A backup whose words are missing or do not match gets them built
    again from its catalog. Either way the words find what they found before."""
    from retrieval.index.lexical import TantivyIndex

    source = engine_at(tmp_path / "source")
    source.services.index.sync([SAMPLES])
    collection = source.collections.active
    query = "Who is the new head coach of Kelby Rovers?"
    found = source.lexical.search(collection, query, 5)
    source.services.backups.backup(tmp_path / "backup")
    builds: list[str] = []
    build = TantivyIndex.build

    def counted(self: TantivyIndex, name: str, rows: Any, **kwargs: Any) -> int:
        builds.append(name)
        return build(self, name, rows, **kwargs)

    monkeypatch.setattr(TantivyIndex, "build", counted)
    copied = engine_at(tmp_path / "copied")
    copied.services.backups.restore(tmp_path / "backup")
    assert builds == [] and copied.lexical.search(collection, query, 5) == found
    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "backup", damaged)
    shutil.rmtree(damaged / "lexical")
    manifest = json.loads((damaged / "manifest.json").read_text())
    manifest["files"] = {k: v for k, v in manifest["files"].items() if "lexical/" not in k}
    (damaged / "manifest.json").write_text(json.dumps(manifest))
    rebuilt = engine_at(tmp_path / "rebuilt")
    rebuilt.services.backups.restore(damaged)
    assert builds == [collection]
    assert rebuilt.lexical.search(collection, query, 5) == found

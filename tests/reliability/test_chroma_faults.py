"""`chroma run` killed mid-query and mid-sync: readers and admins get a one-line error within
seconds, and the same running services recover, without a restart, when it is back."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from retrieval.core.errors import StoreUnavailableError
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import build_engine
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.reliability.conftest import ChromaServer, newsbot
from tests.reliability.test_kill_sync import check_consistent, write_corpus


def test_chroma_server_killed_mid_query_and_mid_sync(
    tmp_path: Path,
    chroma: ChromaServer,
    real_embedder: SentenceTransformerEmbedder,
    figures: dict[str, Any],
) -> None:
    settings = make_settings(tmp_path / "data")
    settings = settings.model_copy(
        update={
            "store": settings.store.model_copy(update={"host": "127.0.0.1", "port": chroma.port})
        }
    )
    engine = build_engine(settings, embedder=real_embedder, today=lambda: SAMPLE_TODAY)
    engine.services.index.sync([SAMPLES])
    question = "Who won the national cup final?"
    assert "Harborview FC" in engine.services.qa.answer(question).text

    # Mid-query: readers asking in a loop; the server dies under them.
    asking = threading.Event()
    errors: list[tuple[float, str]] = []
    killed_at: list[float] = []

    def reader() -> None:
        while True:
            asking.set()
            try:
                engine.services.qa.answer(question)
            except StoreUnavailableError as exc:
                errors.append((time.monotonic() - killed_at[0], str(exc)))
                return

    thread = threading.Thread(target=reader)
    thread.start()
    assert asking.wait(60)
    killed_at.append(time.monotonic())
    chroma.kill()
    thread.join(120)
    assert not thread.is_alive() and errors
    query_error_s, message = errors[0]
    assert "\n" not in message and "vector store" in message
    cli = newsbot(
        "ask",
        question,
        env={
            "NEWSBOT_DATA_DIR": str(settings.data_dir),
            "NEWSBOT_STORE_HOST": "127.0.0.1",
            "NEWSBOT_STORE_PORT": str(chroma.port),
        },
    )
    started = time.monotonic()
    _out, err = cli.communicate(timeout=120)
    cli_s = time.monotonic() - started
    assert cli.returncode == 1
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in err.decode()

    # Back: the same services answer again.
    chroma.start()
    restarted = time.monotonic()
    assert "Harborview FC" in engine.services.qa.answer(question).text
    recovery_s = time.monotonic() - restarted

    # Mid-sync: a full re-index of more articles, the server killed while it embeds.
    corpus = tmp_path / "more"
    write_corpus(corpus, 60, 0)
    engine.writer.embed_batch = 64
    embedding = threading.Event()
    sync_errors: list[BaseException] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and done >= 10:
            embedding.set()

    def sync() -> None:
        try:
            engine.services.index.sync([SAMPLES, corpus], full=True, progress=progress)
        except BaseException as exc:
            sync_errors.append(exc)

    thread = threading.Thread(target=sync)
    thread.start()
    assert embedding.wait(300)
    kill_time = time.monotonic()
    chroma.kill()
    thread.join(300)
    sync_error_s = time.monotonic() - kill_time
    assert len(sync_errors) == 1 and isinstance(sync_errors[0], StoreUnavailableError)
    chroma.start()
    # Readers are still on the old, complete collection; then the sync is run again.
    assert "Harborview FC" in engine.services.qa.answer(question).text
    report = engine.services.index.sync([SAMPLES, corpus], full=True)
    assert (report.added, report.unchanged) == (60, 30)  # the samples were there already
    counts = check_consistent(settings.data_dir, engine.store, 90)  # type: ignore[arg-type]
    figures["chroma run killed"] = {
        "mid-query: error reached the reader after s": round(query_error_s, 2),
        "CLI ask with the server down: exit 1, one line, s": round(cli_s, 2),
        "first answer after the server came back s": round(recovery_s, 2),
        "mid-sync: sync stopped with a one-line error after s": round(sync_error_s, 2),
        "sync after recovery": counts,
    }

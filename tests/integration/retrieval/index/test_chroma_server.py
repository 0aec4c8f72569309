"""The store's server mode against a real `chroma run` on loopback (what docker-compose starts)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from retrieval.core.errors import StoreUnavailableError
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from tests.conftest import SAMPLE_TODAY, SAMPLES, make_settings
from tests.fakes.auth_proxy import auth_proxy
from tests.support.chroma import free_port

pytestmark = pytest.mark.slow


def server_engine(tmp_path: Path, port: int) -> Engine:
    settings = make_settings(tmp_path / "data")
    settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"host": "127.0.0.1", "port": port})}
    )
    return build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)


def test_ingest_answer_and_full_reindex_through_a_chroma_server(
    chroma_server: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    _, port = chroma_server
    engine = server_engine(tmp_path, port)
    assert engine.services.index.stats().store == f"chroma server http://127.0.0.1:{port}"
    report = engine.services.index.sync([SAMPLES])
    assert report.added == 30
    assert engine.store.count(engine.collections.active) == report.chunks
    answer = engine.services.qa.answer("How many jobs will Corvanta cut?")
    assert not answer.refused and "600" in answer.text

    old = engine.collections.active
    rebuilt = engine.services.index.sync([SAMPLES], full=True)
    assert rebuilt.collection != old and engine.collections.active == rebuilt.collection
    assert engine.store.count(rebuilt.collection) == rebuilt.chunks
    assert "600" in engine.services.qa.answer("How many jobs will Corvanta cut?").text
    import chromadb

    names = {c.name for c in chromadb.HttpClient(host="127.0.0.1", port=port).list_collections()}
    assert names == {rebuilt.collection}  # the old collection was dropped after the switch


def test_server_down_is_a_clear_error_not_a_hang(
    chroma_server: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    process, port = chroma_server
    engine = server_engine(tmp_path, port)
    engine.services.index.sync([SAMPLES])
    process.terminate()
    process.wait(10)
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError, match="vector store"):
        engine.services.qa.answer("How many jobs will Corvanta cut?")
    assert time.monotonic() - started < 15
    fresh = server_engine(tmp_path / "other", port)
    with pytest.raises(StoreUnavailableError, match="cannot reach the vector store"):
        fresh.services.index.sync([SAMPLES])


def test_a_secured_server_with_a_token_tenant_and_database(
    chroma_server: tuple[subprocess.Popen[bytes], int],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Token auth (through a checking proxy in front of the real server), a database of its
    own: every request carries the token, the collection lands in that database, and without
    the token the store is a clear, token-free error."""
    import chromadb
    from pydantic import SecretStr

    port = chroma_server[1]
    admin = chromadb.AdminClient(
        chromadb.config.Settings(
            chroma_api_impl="chromadb.api.fastapi.FastAPI",
            chroma_server_host="127.0.0.1",
            chroma_server_http_port=port,
        )
    )
    admin.create_database("newsroom", tenant="default_tenant")
    token = "s3cret-token-value"
    with auth_proxy(port, "Authorization", f"Bearer {token}") as proxy:
        settings = make_settings(tmp_path / "data")
        store = settings.store.model_copy(
            update={
                "host": "127.0.0.1",
                "port": proxy.port,
                "auth_token": SecretStr(token),
                "database": "newsroom",
            }
        )
        settings = settings.model_copy(update={"store": store})
        engine = build_engine(settings, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
        engine.services.index.sync([SAMPLES])
        answer = engine.services.qa.answer("Who is the new head coach of Kelby Rovers?")
        assert "Rafael Mendes" in answer.text
        assert proxy.seen and all(value == f"Bearer {token}" for _, _, value in proxy.seen)
        direct = chromadb.HttpClient(host="127.0.0.1", port=port, database="newsroom")
        assert "news" in [c.name for c in direct.list_collections()]
        default = chromadb.HttpClient(host="127.0.0.1", port=port)
        assert "news" not in [c.name for c in default.list_collections()]

        unauthorised = make_settings(tmp_path / "other")
        unauthorised = unauthorised.model_copy(
            update={"store": store.model_copy(update={"auth_token": None})}
        )
        bare = build_engine(unauthorised, embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY)
        with pytest.raises(StoreUnavailableError) as failure:
            bare.services.index.sync([SAMPLES])
        assert token not in str(failure.value)
        assert "nauthori" in str(failure.value) or "401" in str(failure.value), failure.value
    assert not any(token in r.getMessage() for r in caplog.records)


def test_x_chroma_token_and_store_headers_reach_the_server(
    chroma_server: tuple[subprocess.Popen[bytes], int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """docs/operations.md: the token as `X-Chroma-Token` with NEWSBOT_STORE_AUTH_HEADER, and
    NEWSBOT_STORE_HEADERS (JSON) on every request. Set as an operator sets them, in the
    environment; a proxy in front of the real server lets through only requests with the token
    and records what each one carried."""
    token = "x-t0ken-value"
    with auth_proxy(chroma_server[1], "X-Chroma-Token", token) as proxy:
        monkeypatch.setenv("NEWSBOT_STORE_HOST", "127.0.0.1")
        monkeypatch.setenv("NEWSBOT_STORE_PORT", str(proxy.port))
        monkeypatch.setenv("NEWSBOT_STORE_AUTH_TOKEN", token)
        monkeypatch.setenv("NEWSBOT_STORE_AUTH_HEADER", "X-Chroma-Token")
        monkeypatch.setenv("NEWSBOT_STORE_HEADERS", '{"X-Api-Key": "k3y", "X-Team": "newsroom"}')
        engine = build_engine(
            make_settings(tmp_path / "data"), embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY
        )
        engine.services.index.sync([SAMPLES])
        answer = engine.services.qa.answer("Who is the new head coach of Kelby Rovers?")
    assert "Rafael Mendes" in answer.text
    assert len(proxy.headers) > 3
    for headers in proxy.headers:
        assert headers["x-chroma-token"] == token and "authorization" not in headers
        assert headers["x-api-key"] == "k3y" and headers["x-team"] == "newsroom"
    assert not any(token in r.getMessage() for r in caplog.records)


def test_a_cli_full_reindex_never_drops_a_collection_under_a_bot_request(
    chroma_server: tuple[subprocess.Popen[bytes], int],
    tmp_path: Path,
    real_embedder: Any,
) -> None:
    """Two processes: this one (the bot) holds a request on the active collection; a CLI
    `newsbot ingest --full` in another process builds a new one and switches, then waits for
    the request before dropping the old one. The request finishes on the old collection."""
    import os
    import time

    from retrieval.index.state import IndexState
    from retrieval.search.hybrid import SearchRequest

    port = chroma_server[1]
    settings = make_settings(tmp_path / "data")
    store = settings.store.model_copy(update={"host": "127.0.0.1", "port": port})
    settings = settings.model_copy(update={"store": store})
    bot = build_engine(settings, embedder=real_embedder, today=lambda: SAMPLE_TODAY)
    bot.services.index.sync([SAMPLES])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")},
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_STORE_HOST": "127.0.0.1",
        "NEWSBOT_STORE_PORT": str(port),
        "NEWSBOT_EMBEDDING_BACKEND": "torch",
        "NEWSBOT_METRICS_PORT": "0",
    }
    newsbot = str(Path(sys.executable).parent / "newsbot")
    with bot.collections.reading() as view:
        old = view.collection
        cli = subprocess.Popen(
            [newsbot, "ingest", "--full", str(SAMPLES)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        state = IndexState(bot.catalog.state, "news")
        deadline = time.monotonic() + 300
        while state.active() == old:  # the other process switches when its build is done
            assert cli.poll() is None, cli.communicate()[0]
            assert time.monotonic() < deadline, "the CLI never switched"
            time.sleep(0.2)
        # Switched, and waiting for this request: the old collection is still there.
        assert cli.poll() is None
        assert old in bot.store.collections()
        request = SearchRequest("Who is the new head coach of Kelby Rovers?", SAMPLE_TODAY, 5)
        passages = bot.searcher.search(request, view=view)
        assert passages and "Rafael Mendes" in " ".join(p.text for p in passages)
    output, _ = cli.communicate(timeout=300)
    assert cli.returncode == 0, output
    assert old not in bot.store.collections()
    assert bot.collections.active != old
    answer = bot.services.qa.answer("Who is the new head coach of Kelby Rovers?")
    assert "Rafael Mendes" in answer.text


def test_after_a_slow_failed_connect_requests_fail_at_once_for_as_long(
    tmp_path: Path,
) -> None:
    """A stalled server (it accepts, never answers): the first request waits its timeout,
    the ones queued behind it (the bot's reader threads) fail at once instead of each waiting
    again in turn. An absent one (refused at once) is tried again by every request, so a
    server that comes back is used at once (tests/reliability/test_chroma_faults.py)."""

    from retrieval.index.store import SLOW_FAILURE_S, ChromaStore

    def counted(store: ChromaStore) -> list[int]:
        attempts: list[int] = []
        connect = store._connect

        def counting() -> Any:
            attempts.append(1)
            return connect()

        store._connect = counting  # type: ignore[method-assign]
        return attempts

    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(8)  # connections wait in the backlog, never answered
        store = ChromaStore(
            host="127.0.0.1", port=stalled.getsockname()[1], timeout_s=SLOW_FAILURE_S + 0.5
        )
        attempts = counted(store)
        for _ in range(3):
            with pytest.raises(StoreUnavailableError, match="cannot reach the vector store"):
                store.collections()
        assert len(attempts) == 1

    refused = ChromaStore(host="127.0.0.1", port=free_port(), timeout_s=60.0)
    attempts = counted(refused)
    for _ in range(3):
        with pytest.raises(StoreUnavailableError, match="cannot reach the vector store"):
            refused.collections()
    assert len(attempts) == 3

"""The suite's isolation holds where pytest sets things up before a test's own fixtures: in
module- and session-scoped fixtures, and in the Python processes tests start. Each test tries to
reach TEST-NET-1 (192.0.2.0/24, reserved for documentation and never routed): the guard must
refuse before any packet leaves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import TEST_MODELS
from tests.guard.newsbot_loopback_guard import MESSAGE

NOWHERE = ("192.0.2.1", 9)


def try_to_reach(address: tuple[str, int]) -> str:
    """What happened: the guard's message, or what the attempt itself came to."""
    try:
        with socket.create_connection(address, timeout=2):
            return "connected"
    except RuntimeError as exc:
        return str(exc)
    except OSError as exc:
        return f"a connection was tried: {exc!r}"


@pytest.fixture(scope="session")
def from_a_session_fixture() -> str:
    return try_to_reach(NOWHERE)


@pytest.fixture(scope="module")
def from_a_module_fixture() -> str:
    return try_to_reach(NOWHERE)


@pytest.fixture(scope="module")
def environment_of_a_module_fixture() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("NEWSBOT_")}


def test_a_module_fixture_reaching_beyond_loopback_is_refused(from_a_module_fixture: str) -> None:
    assert from_a_module_fixture == f"test tried to reach 192.0.2.1: {MESSAGE}"


def test_a_session_fixture_reaching_beyond_loopback_is_refused(from_a_session_fixture: str) -> None:
    assert from_a_session_fixture == f"test tried to reach 192.0.2.1: {MESSAGE}"


def test_a_module_fixture_sees_none_of_the_callers_newsbot_variables(
    environment_of_a_module_fixture: dict[str, str],
) -> None:
    """Run with NEWSBOT_TELEGRAM_TOKEN=… in the shell, this still holds."""
    assert environment_of_a_module_fixture == {"NEWSBOT_EMBEDDING_CACHE_DIR": str(TEST_MODELS)}


@pytest.mark.parametrize(
    "address", [NOWHERE, ("::ffff:192.0.2.1", 9), ("2001:db8::1", 9), ("example.org", 80)]
)
def test_a_test_reaching_beyond_loopback_is_refused(address: tuple[str, int]) -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match=MESSAGE):
        sock.connect(address)
    with socket.socket() as sock, pytest.raises(RuntimeError, match=MESSAGE):
        sock.connect_ex(address)


def test_a_datagram_beyond_loopback_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(RuntimeError, match=MESSAGE):
            udp.sendto(b"x", NOWHERE)
        with pytest.raises(RuntimeError, match=MESSAGE):
            udp.sendto(b"x", 0, NOWHERE)


def test_loopback_is_reached() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        for host in ("127.0.0.1", "localhost"):
            with socket.create_connection((host, server.getsockname()[1]), timeout=2):
                pass
            server.accept()[0].close()


CHILD = """
import socket, sys
port = int(sys.argv[1])
with socket.create_connection(("127.0.0.1", port), timeout=2):
    print("loopback reached")
try:
    socket.create_connection(("192.0.2.1", 9), timeout=2)
    print("connected")
except RuntimeError as exc:
    print(exc)
except OSError as exc:
    print("a connection was tried:", repr(exc))
"""


def test_a_python_child_reaching_beyond_loopback_is_refused() -> None:
    """Children inherit PYTHONPATH with the guard's folder first; its sitecustomize installs the
    guard before the child's own code runs (as in `python -m bot`, the embedding server, the
    Python part of `chroma run`)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(server.getsockname()[1])],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    assert done.stdout.splitlines() == [
        "loopback reached",
        f"test tried to reach 192.0.2.1: {MESSAGE}",
    ], done.stderr

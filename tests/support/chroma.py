"""A real `chroma run` on loopback (what docker-compose starts), for the tests that need one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMA = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("chroma server did not start")


@contextmanager
def running_chroma(path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`chroma run` on a free loopback port, keeping its data in `path`, until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [
            CHROMA,
            "run",
            "--path",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port)
        yield process, port
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    with running_chroma(tmp_path / "server-data") as server:
        yield server

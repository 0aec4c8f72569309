"""The fault and load suite (`make reliability`): figures go to benchmarks/results/reliability.json
and are printed at the end; RELIABILITY.md records a run of them."""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.support.chroma import CHROMA, free_port, wait_until_up
from tests.support.telegram import api  # noqa: F401  (the fake Bot API fixture)

RESULTS = ROOT / "benchmarks" / "results" / "reliability.json"
FIGURES: dict[str, Any] = {}


def cpu() -> str:
    model = platform.processor() or "?"
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model in ("?", "x86_64", ""):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile"]
    return f"{model}, {os.cpu_count()} cores, " + " ".join(f for f in wanted if f in flags)


@pytest.fixture(scope="session")
def figures() -> Iterator[dict[str, Any]]:
    yield FIGURES
    if FIGURES:
        # A run of some of the tests updates their figures and keeps the others' (marked with
        # when they were measured), instead of overwriting the whole record.
        try:
            kept = json.loads(RESULTS.read_text()).get("figures", {})
        except (OSError, ValueError):
            kept = {}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record = {
            "date": now,
            "machine": cpu(),
            "command": "make reliability",
            "figures": {
                **kept,
                **{
                    k: {**v, "measured": now} if isinstance(v, dict) else v
                    for k, v in FIGURES.items()
                },
            },
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(record, indent=2, default=str) + "\n")
        print("\n" + json.dumps(record, indent=2, default=str))


class ChromaServer:
    """`chroma run` on loopback (the server docker-compose starts), which tests can kill and
    start again on the same port and data."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                CHROMA,
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
            self.process = None


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    yield server
    server.kill()


def newsbot(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The real CLI in a process of its own (so it can be killed with -9)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

"""The Docker set-up as README tells a user to run it, without a Docker engine.

The bot container's environment is built from the files compose reads, as compose builds it:
the image's `ENV` lines (Dockerfile), then `env_file` (a `.env` copied from `.env.example` with
the two lines README says to fill), then the service's `environment`. The only substitutions are
what Docker itself would provide: the Chroma service's name becomes a `chroma run` on loopback,
the volumes become temporary folders, and Telegram (or Ollama) is the loopback fake. With that
environment the real `newsbot` commands run as separate processes: `ingest`, `ask`, and `bot`
until it answers a question through the fake Bot API and `/healthz` and `/readyz` say 200.

The README's set-up (the two lines filled in `.env`) ingests the sample archive once for the
module (`deployed`), as `docker compose run --rm bot newsbot ingest` does once for a user; the
bot test and the LLM recipe's test then run their commands on those volumes and that Chroma
service, each with its own `.env`. The sync reads none of the settings the recipe adds (the
answerer's), and the recipe's `ask` builds the whole engine from them. The test of the `.env`
with every line uncommented ingests with that file itself: that ingest is what it tests.

docker-compose.yml is the one source: this test reads it, it does not copy it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, SAMPLES, TEST_MODELS
from tests.fakes.openai_server import fake_openai
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.chroma import chroma_server, free_port, running_chroma  # noqa: F401

pytestmark = pytest.mark.slow
NEWSBOT = str(Path(sys.executable).parent / "newsbot")
QUESTION = "Who is the new head coach of Kelby Rovers?"
ADMIN = 42
TOKEN = "123456:TEST-TOKEN"  # the bot test's fake Bot API's, the one README's `.env` holds


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def image_env() -> dict[str, str]:
    """The Dockerfile's `ENV KEY=VALUE …` lines (continuations joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found.update(re.findall(r"(\w+)=(\S+)", line))
    return found


def read_env_file(text: str) -> dict[str, str]:
    """docker compose's env_file format: KEY=VALUE lines; comments and blank lines skipped; an
    empty value is an empty string, not an absent variable."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        found[key.strip()] = value.strip().strip("'\"")
    return found


def operator_dotenv(token: str, *, uncomment_all: bool = False) -> str:
    """`cp .env.example .env`, then the two lines README says to set. With `uncomment_all`, an
    operator who also uncommented every other line as it stands (the empty values included)."""
    text = (ROOT / ".env.example").read_text()
    if uncomment_all:
        text = re.sub(r"^# (NEWSBOT_\w+=)", r"\1", text, flags=re.MULTILINE)
    text = re.sub(
        r"^NEWSBOT_TELEGRAM_TOKEN=.*$", f"NEWSBOT_TELEGRAM_TOKEN={token}", text, flags=re.M
    )
    return re.sub(r"^NEWSBOT_ADMIN_IDS=.*$", f"NEWSBOT_ADMIN_IDS={ADMIN}", text, flags=re.M)


@dataclass
class Container:
    env: dict[str, str]
    mounts: dict[str, Path]  # container path -> the folder standing in for it
    workdir: Path

    def path(self, container_path: str) -> str:
        for inside, outside in self.mounts.items():
            if container_path == inside or container_path.startswith(inside + "/"):
                return str(outside) + container_path[len(inside) :]
        return container_path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [NEWSBOT, *(self.path(a) for a in args)],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=600,
        )


def bot_container(
    tmp_path: Path, chroma_port: int, dotenv: str, volumes: Path | None = None
) -> Container:
    """The bot service's container; its volumes are folders under `volumes` (by default
    `tmp_path`, a container of its own), the rest of what it keeps under `tmp_path`."""
    volumes = volumes or tmp_path
    services = compose()["services"]
    bot = services["bot"]
    assert bot["env_file"] == ".env"
    env = image_env()
    env.update(read_env_file(dotenv))
    env.update({key: str(value) for key, value in bot["environment"].items()})
    # The store is reached by the Chroma service's name and port on the compose network.
    assert env["NEWSBOT_STORE_HOST"] in services and "8000" in str(services["chroma"])
    env["NEWSBOT_STORE_HOST"], env["NEWSBOT_STORE_PORT"] = "127.0.0.1", str(chroma_port)
    # Volumes: each container path that a setting names is a temporary folder here.
    mounts: dict[str, Path] = {}
    for volume in bot["volumes"]:
        source, inside = volume.split(":")[:2]
        mounts[inside] = volumes / source.strip("./").replace("/", "-")
        mounts[inside].mkdir(parents=True, exist_ok=True)
    for key, value in list(env.items()):
        if value in mounts:
            env[key] = str(mounts[value])
    assert {env["NEWSBOT_DATA_DIR"], env["NEWSBOT_INGEST_DIR"]} <= {str(p) for p in mounts.values()}
    # Ports inside the container are free here; the health server stays on loopback.
    env["NEWSBOT_METRICS_HOST"], env["NEWSBOT_METRICS_PORT"] = "127.0.0.1", str(free_port())
    # The suite's one ONNX export of the bundled model, instead of one more in the data dir.
    env["NEWSBOT_EMBEDDING_CACHE_DIR"] = str(TEST_MODELS)
    env["PATH"] = os.environ.get("PATH", "")
    env["PYTHONPATH"] = os.environ["PYTHONPATH"]  # the tests' network guard (tests/guard)
    env["HOME"] = str(tmp_path / "home")
    workdir = tmp_path / "app"  # the image's WORKDIR holds no .env: compose passes variables
    workdir.mkdir(parents=True)
    return Container(env, mounts, workdir)


def get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_for_health(port: int, bot: subprocess.Popen[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert bot.poll() is None, "the bot exited"
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)  # a separate process: nothing to wait on but its port
    raise AssertionError("the bot's /healthz never answered")


@dataclass
class Deployed:
    """The volumes and the Chroma service after README's `newsbot ingest /app/ingest`."""

    volumes: Path
    chroma_port: int
    ingest: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """The sample archive copied into `./ingest` and ingested by the bot's container with the
    `.env` README describes (the bot test's token in it), once for the module."""
    root = tmp_path_factory.mktemp("compose")
    with running_chroma(root / "chroma-data") as (_, port):
        container = bot_container(root / "ingest-run", port, operator_dotenv(TOKEN), root)
        shutil.copytree(SAMPLES, container.path("/app/ingest"), dirs_exist_ok=True)
        yield Deployed(root, port, container.run("ingest", "/app/ingest"))


async def test_the_compose_bot_ingests_answers_and_serves_telegram(
    tmp_path: Path, deployed: Deployed
) -> None:
    ingest = deployed.ingest
    assert ingest.returncode == 0, ingest.stderr
    assert "30 added" in ingest.stdout + ingest.stderr, ingest.stdout + ingest.stderr
    api = FakeBotAPI(TOKEN)
    await api.start()
    container = bot_container(
        tmp_path, deployed.chroma_port, operator_dotenv(api.token), deployed.volumes
    )
    container.env["NEWSBOT_TELEGRAM_BASE_URL"] = api.base_url  # Telegram is the fake here
    log = (tmp_path / "bot.log").open("w")
    bot: subprocess.Popen[str] | None = None
    try:
        asked = container.run("ask", QUESTION, "--json")
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert "Rafael Mendes" in answer["text"] and not answer["refused"]
        assert answer["citations"][0]["url"].endswith("/rovers-coach")

        bot = subprocess.Popen(
            [NEWSBOT, "bot"],
            env=container.env,
            cwd=container.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        port = int(container.env["NEWSBOT_METRICS_PORT"])
        wait_for_health(port, bot)
        message = api.message(QUESTION, user_id=7)
        reply = await api.wait_for(
            lambda: [
                call
                for call in api.calls
                if call.method == "sendMessage"
                and int(call.params["chat_id"]) == message["chat"]["id"]
                and "Rafael Mendes" in call.text
            ],
            timeout=300,
        )
        assert "[1]" in reply[0].text
        status, health = get(port, "/healthz")
        assert status == 200 and health["status"] == "ok"
        status, ready = get(port, "/readyz")
        assert status == 200 and ready["reasons"] == [] and ready["articles"] == 30, ready
    finally:
        if bot is not None:
            bot.terminate()
            bot.wait(60)
        log.close()
        await api.stop()
    assert api.token not in (tmp_path / "bot.log").read_text()  # masked in the bot's log


def test_every_line_of_env_example_uncommented_still_reaches_chroma(
    tmp_path: Path,
    chroma_server: tuple[subprocess.Popen[bytes], int],  # noqa: F811
) -> None:
    """The failure this set-up once had: `NEWSBOT_STORE_AUTH_TOKEN=` (empty) became an empty
    secret and a `Bearer ` header no server accepts. Empty values mean "not set" everywhere."""
    dotenv = operator_dotenv("123:ABC", uncomment_all=True)
    assert "\nNEWSBOT_STORE_AUTH_TOKEN=\n" in dotenv and "\nNEWSBOT_LLM_API_KEY=\n" in dotenv
    container = bot_container(tmp_path, chroma_server[1], dotenv)
    shutil.copytree(SAMPLES, container.path("/app/ingest"), dirs_exist_ok=True)
    ingest = container.run("ingest", "/app/ingest")
    assert ingest.returncode == 0, ingest.stderr
    assert "30 added" in ingest.stdout + ingest.stderr


def test_the_llm_recipe_from_inside_compose(tmp_path: Path, deployed: Deployed) -> None:
    """README's Ollama recipe, the three lines in .env, with the compose `ollama` service (its
    name and port) standing on loopback as the fake OpenAI-compatible server: `ask` on the
    archive README's set-up ingested."""
    services = compose()["services"]
    assert services["ollama"]["profiles"] == ["llm"]
    assert services["bot"]["depends_on"]["ollama"]["required"] is False
    recipe = (
        "NEWSBOT_ANSWERER=llm\n"
        "NEWSBOT_LLM_BASE_URL=http://ollama:11434/v1\n"
        "NEWSBOT_LLM_MODEL=qwen2.5:1.5b\n"
    )
    readme = (ROOT / "README.md").read_text()
    assert all(line in readme for line in recipe.splitlines()), "README's recipe changed"
    reply = "Kelby Rovers have appointed Rafael Mendes as head coach [1]."
    with fake_openai(lambda messages: reply) as fake:
        dotenv = operator_dotenv("1:x") + recipe
        container = bot_container(tmp_path, deployed.chroma_port, dotenv, deployed.volumes)
        base_url = container.env["NEWSBOT_LLM_BASE_URL"]
        assert base_url.startswith("http://ollama:11434/") and "ollama" in services
        container.env["NEWSBOT_LLM_BASE_URL"] = fake.base_url
        assert deployed.ingest.returncode == 0, deployed.ingest.stderr
        asked = container.run("ask", QUESTION, "--json")
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert answer["text"].startswith("Kelby Rovers have appointed Rafael Mendes"), answer
        assert not answer["refused"] and answer["citations"][0]["url"].endswith("/rovers-coach")
        assert fake.requests[-1]["body"]["model"] == "qwen2.5:1.5b"

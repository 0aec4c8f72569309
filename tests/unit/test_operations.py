"""What an operator relies on: one version, settings errors in their own words, log levels and
JSON logs with secrets masked, the image's entrypoint, the CPU torch and the pins."""

from __future__ import annotations

import io
import json
import logging
import os
import pwd
import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.logs import JsonFormatter, redact_in_logs
from retrieval.core.settings import Settings
from tests.conftest import ROOT


def test_version_comes_from_the_package() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"newsbot {version('newsbot')}"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{version("newsbot")}"' in pyproject


def test_empty_values_in_dotenv_mean_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "NEWSBOT_STORE_AUTH_TOKEN=\nNEWSBOT_STORE_HEADERS=\nNEWSBOT_LLM_API_KEY=\n"
        "NEWSBOT_EMBEDDING_API_KEY=\nNEWSBOT_TELEGRAM_BASE_URL=\nNEWSBOT_LOG_LEVEL=\n"
        "NEWSBOT_RETRIEVAL_TOP_K=\nNEWSBOT_ADAPT_BEFORE=\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSBOT_BACKUP_DIR", "")
    settings = Settings()
    assert settings.store.auth_token is None and settings.store.request_headers() == {}
    assert settings.llm.api_key is None and settings.embedding.api_key is None
    assert settings.telegram.base_url == "https://api.telegram.org/bot"
    assert settings.log_level is None and settings.retrieval.top_k == 5
    assert settings.backup_dir is None and settings.adapt.before is None


def test_settings_told_to_read_no_dotenv_read_none_in_any_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A developer's `.env` (where README tells users to put theirs) reaches no test: every
    group, not only the general settings, reads the `.env` the root was told to read."""
    (tmp_path / ".env").write_text(
        "NEWSBOT_ANSWERER=llm\nNEWSBOT_EMBEDDING_BACKEND=torch\nNEWSBOT_RETRIEVAL_TOP_K=9\n"
        "NEWSBOT_ADMIN_IDS=7\nNEWSBOT_ADAPT_EPOCHS=3\n"
    )
    monkeypatch.chdir(tmp_path)
    isolated = Settings(_env_file=None)  # type: ignore[call-arg]
    assert isolated.answerer == "extractive" and isolated.embedding.backend == "auto"
    assert isolated.retrieval.top_k == 5 and isolated.telegram.admin_ids == []
    assert isolated.adapt.epochs == 1
    read = Settings()
    assert read.answerer == "llm" and read.embedding.backend == "torch"
    assert read.retrieval.top_k == 9 and read.telegram.admin_ids == [7]
    assert read.adapt.epochs == 3
    other = tmp_path / "other.env"
    other.write_text("NEWSBOT_EMBEDDING_BACKEND=onnx\n")
    assert Settings(_env_file=other).embedding.backend == "onnx"  # type: ignore[call-arg]


def test_only_the_names_env_example_lists_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One root reads every group: NEWSBOT_<GROUP>_<NAME>, and the few names outside their
    group's prefix (NEWSBOT_ADMIN_IDS), the environment before the `.env`. Any other name (a
    group as one JSON value, a group's alias under the group's prefix, the alias bare) is
    never read, and `unknown_settings` says so."""
    from retrieval.core.settings import unknown_settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "NEWSBOT_ADMIN_IDS=1\nNEWSBOT_ALLOWED_CHAT_IDS=-5\nNEWSBOT_RETRIEVAL_TOP_K=7\n"
        'NEWSBOT_TELEGRAM_ALLOWED_USER_IDS=9\nNEWSBOT_RETRIEVAL={"top_k": 3}\n'
    )
    monkeypatch.setenv("NEWSBOT_ADMIN_IDS", "2,3")
    monkeypatch.setenv("NEWSBOT_EMBEDDING", '{"model": "elsewhere"}')
    monkeypatch.setenv("ALLOWED_USER_IDS", "4")
    settings = Settings()
    assert settings.telegram.admin_ids == [2, 3] and settings.telegram.allowed_chat_ids == [-5]
    assert settings.retrieval.top_k == 7
    assert settings.telegram.allowed_user_ids == [] and settings.embedding.model == ""
    unknown = "\n".join(unknown_settings())
    assert "NEWSBOT_TELEGRAM_ALLOWED_USER_IDS in .env is not a newsbot setting" in unknown
    assert "NEWSBOT_RETRIEVAL in .env is not" in unknown
    assert "NEWSBOT_EMBEDDING in the environment is not" in unknown


def test_a_set_token_is_sent_and_a_blank_one_is_not() -> None:
    from pydantic import SecretStr

    store = Settings(_env_file=None).store  # type: ignore[call-arg]
    assert store.model_copy(update={"auth_token": SecretStr("  ")}).request_headers() == {}
    token = store.model_copy(update={"auth_token": SecretStr("t0ken")})
    assert token.request_headers() == {"Authorization": "Bearer t0ken"}


def test_a_bad_setting_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSBOT_RETRIEVAL_TOP_K", "many")
    result = CliRunner().invoke(app, ["stats", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "error: invalid setting: NEWSBOT_RETRIEVAL_TOP_K: Input should be a valid integer" in (
        result.output
    )
    assert "Traceback" not in result.output
    # A JSON setting that is not JSON is named too.
    monkeypatch.setenv("NEWSBOT_RETRIEVAL_TOP_K", "5")
    monkeypatch.setenv("NEWSBOT_STORE_HEADERS", "X-Api-Key: k")
    result = CliRunner().invoke(app, ["stats", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "error: invalid setting: NEWSBOT_STORE_HEADERS: Value error" in result.output


@pytest.mark.parametrize(
    ("level", "verbose", "expected"),
    [(None, False, logging.WARNING), (None, True, logging.INFO), ("debug", False, logging.DEBUG)],
)
def test_the_cli_honours_the_log_level(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    level: str | None,
    verbose: bool,
    expected: int,
) -> None:
    monkeypatch.chdir(tmp_path)
    if level:
        monkeypatch.setenv("NEWSBOT_LOG_LEVEL", level)
    args = ["-v"] if verbose else []
    result = CliRunner().invoke(app, [*args, "feeds", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert logging.getLogger().level == expected


def test_json_logs_are_one_object_a_line_with_the_token_masked() -> None:
    token = "987654:SECRET-json-token"
    redact_in_logs(token)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("newsbot.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"failed for bot{token}")
        except RuntimeError:
            logger.exception("the call failed")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 2 and token not in stream.getvalue()
    assert entries[0]["level"] == "WARNING" and entries[0]["logger"] == "newsbot.test.json"
    assert entries[0]["message"] == "calling https://api.telegram.org/bot[redacted]/getMe"
    assert "RuntimeError: failed for bot[redacted]" in entries[1]["exception"]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", entries[0]["time"])


def test_the_image_and_compose_take_the_cpu_torch_and_the_pins() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in dockerfile
    assert "--extra-index-url" in dockerfile and "torch==2.13.0" in dockerfile
    assert dockerfile.count("-c constraints.txt") == 2
    assert 'ENTRYPOINT ["newsbot-entrypoint"]' in dockerfile
    assert 'CMD ["newsbot", "bot"]' in dockerfile and "EXPOSE 9464 8443" in dockerfile
    bot = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["bot"]
    assert "download.pytorch.org/whl/cpu" in bot["build"]["args"]["TORCH_INDEX_URL"]
    assert "127.0.0.1:8443:8443" in bot["ports"]
    assert bot["environment"]["NEWSBOT_TELEGRAM_WEBHOOK_PORT"] == "8443"
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])  # liveness, not readiness
    makefile = (ROOT / "Makefile").read_text()
    assert "TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu" in makefile
    assert "$(CONSTRAINTS) -e" in makefile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "data", ".git"} <= set(ignored)


def test_constraints_pin_what_is_installed() -> None:
    """constraints.txt holds every dependency at one version and matches this environment,
    so the suite runs on what a fresh `make install` gets."""
    from importlib.metadata import PackageNotFoundError

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            pins[name.lower()] = pinned
    assert "chromadb" in pins and "torch" not in pins and "newsbot" not in pins
    chroma_image = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert chroma_image["chroma"]["image"] == f"chromadb/chroma:{pins['chromadb']}"
    wrong = []
    for name in ("chromadb", "pydantic-settings", "python-telegram-bot", "langchain-core"):
        try:
            if version(name) != pins[name]:
                wrong.append(f"{name} {version(name)} != {pins[name]}")
        except PackageNotFoundError:
            wrong.append(f"{name} missing")
    assert wrong == []


def test_the_entrypoint_hands_the_folders_to_the_bot_user_then_drops_root(tmp_path: Path) -> None:
    """As Docker runs it (as root), with a data volume and an ingest bind mount created by
    Docker as root: the command runs as the unprivileged user, who owns both folders and
    ingest/uploads; what the operator put in ingest keeps its owner. (Run by another user, as
    `docker run --user` does, it runs the command as that user and changes nothing.)"""
    data, ingest = tmp_path / "data", tmp_path / "ingest"
    data.mkdir()
    (data / "catalog.sqlite").write_text("")
    ingest.mkdir()
    (ingest / "story.txt").write_text("x")
    tmp_path.chmod(0o755)
    nobody = pwd.getpwnam("nobody")
    env = {
        "PATH": os.environ["PATH"],
        "NEWSBOT_RUN_AS": "nobody",
        "NEWSBOT_DATA_DIR": str(data),
        "NEWSBOT_INGEST_DIR": str(ingest),
    }
    result = subprocess.run(
        ["sh", str(ROOT / "docker" / "entrypoint.sh"), "id", "-u"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if os.geteuid() != 0:
        assert result.stdout.strip() == str(os.geteuid()) and not (ingest / "uploads").exists()
        return
    assert result.stdout.strip() == str(nobody.pw_uid)
    for folder in (data, data / "catalog.sqlite", ingest, ingest / "uploads"):
        assert folder.stat().st_uid == nobody.pw_uid, folder
    assert (ingest / "story.txt").stat().st_uid == 0

"""The real `newsbot` commands, end to end, with the bundled model on the sample archive.

The commands build their services through the factory Click's `obj` hands them: here one that
reuses the session's loaded model, its vectors remembered (tests/support/vectors.py); a test
that builds its own proves the default wiring."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.common import services_factory
from retrieval.core.settings import Settings
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import build_engine
from retrieval.evaluation import CONFIGS
from retrieval.services import Services
from tests.conftest import SAMPLE_QUESTIONS, SAMPLES
from tests.support.vectors import RememberedVectors

pytestmark = pytest.mark.slow


MODEL: list[RememberedVectors] = []  # the session's, set by the autouse fixture


@pytest.fixture(autouse=True)
def _session_model(remembered_model: RememberedVectors) -> None:
    MODEL[:] = [remembered_model]


def with_loaded_model(settings: Settings) -> Services:
    return build_engine(settings, embedder=MODEL[0]).services


def run(
    data_dir: Path,
    *args: str,
    stdin: str | None = None,
    own_model: bool = False,
    env: dict[str, str] | None = None,
) -> tuple[int, str]:
    """The real command, run from an empty directory: no caller's `.env` is read.
    `own_model`: the command builds its engine itself, as `newsbot` does for a user."""
    with pytest.MonkeyPatch.context() as patch, ExitStack() as stack:
        patch.chdir(data_dir.parent)
        if not own_model:
            stack.enter_context(services_factory(with_loaded_model))
        result = CliRunner().invoke(
            app,
            list(args),
            input=stdin,
            env={"NEWSBOT_DATA_DIR": str(data_dir), **(env or {})},
            catch_exceptions=False,
        )
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample archive indexed once through the CLI (the command building its own engine,
    as for a user); the tests below only read it."""
    data = tmp_path_factory.mktemp("cli") / "data"
    code, output = run(data, "ingest", str(SAMPLES), own_model=True)
    assert code == 0, output
    return data


def test_ask_before_ingest_is_a_clear_error(tmp_path: Path) -> None:
    code, output = run(tmp_path / "data", "ask", "Who won the cup final?")
    assert code == 1
    assert "archive is empty" in output and "Traceback" not in output


def test_blank_question_is_a_clear_error(data_dir: Path) -> None:
    code, output = run(data_dir, "ask", "   ")
    assert code == 1
    assert "question is empty" in output and "Traceback" not in output


def test_ingest_then_again_is_incremental(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, output = run(data, "ingest", str(SAMPLES))
    assert code == 0, output
    assert "30 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped" in output
    # No terminal here (as under nohup or a service): progress comes as plain lines.
    assert "ingest: reading 30/30" in output and "ingest: embedding 30/30" in output
    code, output = run(data, "ingest", str(SAMPLES))
    assert "0 added, 0 updated, 30 unchanged" in output and "0 chunks embedded" in output


def test_adapt_reader_lists_and_goes_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    tiny = {
        "NEWSBOT_ADAPT_READER_QUESTIONS": "24",
        "NEWSBOT_ADAPT_READER_BATCH_SIZE": "8",
        "NEWSBOT_ADAPT_READER_MAX_LENGTH": "64",
    }
    assert run(data, "ingest", str(SAMPLES))[0] == 0
    code, output = run(data, "adapt", "--reader", env=tiny)
    assert code == 0, output
    assert "adapt --reader: questions" in output and "adapt --reader: training reader" in output
    assert "reader r1:" in output and "peak memory" in output and "in use now" in output
    code, output = run(data, "model", "list", "--json")
    assert code == 0, output
    listed = {(v["name"], v["active"]) for v in json.loads(output)}
    assert {("original", True), ("r1", True)} <= listed
    code, output = run(data, "ask", "--json", "--today", "2025-06-20", "Who won the cup final?")
    assert code == 0 and json.loads(output).get("confidence") is not None, output
    code, output = run(data, "model", "use", "original")
    assert code == 0 and "serving with original: nothing to re-embed" in output
    code, output = run(data, "model", "use", "r4")
    assert code == 1 and "no trained reader 'r4'; the readers are: r1" in output
    assert "Traceback" not in output


def test_ingest_missing_path(data_dir: Path) -> None:
    code, output = run(data_dir, "ingest", str(SAMPLES / "nope"))
    assert code == 1 and "no such file" in output and "Traceback" not in output


def test_ask_json(data_dir: Path) -> None:
    code, output = run(
        data_dir, "ask", "--json", "--today", "2025-06-20", "Who won the national cup final?"
    )
    assert code == 0, output
    payload = json.loads(output)
    assert payload["refused"] is False
    assert "Harborview FC" in payload["text"] and "[1]" in payload["text"]
    citation = payload["citations"][0]
    assert set(citation) >= {"n", "article_id", "title", "source", "published", "url", "quote"}
    assert citation["title"] == "Harborview FC win national cup final against Kelby Rovers"
    assert citation["published"] == "2025-05-20" and citation["source"]
    assert payload["short_answer"] == "Harborview FC"
    assert payload.get("confidence") is None or 0.0 <= payload["confidence"] <= 1.0


def test_ask_unanswerable_refuses(data_dir: Path) -> None:
    code, output = run(data_dir, "ask", "--json", "Who won the Nobel Prize in Literature?")
    payload = json.loads(output)
    assert code == 0 and payload["refused"] is True and payload["citations"] == []
    # The reader can see why: the evidence that was missing, in words and in numbers.
    assert payload["missing"] and isinstance(payload["evidence"], dict)
    assert payload["short_answer"] is None
    code, output = run(
        data_dir, "ask", "--show-retrieval", "Who won the Nobel Prize in Literature?"
    )
    assert "Why this answer" in output and "refused because" in output


def test_ask_plain_text_with_retrieval(data_dir: Path) -> None:
    code, output = run(data_dir, "ask", "--show-retrieval", "How many jobs will Corvanta cut?")
    assert code == 0
    assert (
        "600 jobs" in output
        and "[1] Tech firm Corvanta to cut 600 jobs — Metro Wire, 2025-04-30" in output
    )
    assert "Retrieved passages" in output and "score" in output
    assert "Why this answer" in output and "evidence: passage_score" in output
    assert output.lstrip().startswith("600.")  # the short answer first


def test_backup_and_restore(data_dir: Path, tmp_path: Path) -> None:
    code, output = run(data_dir, "backup", str(tmp_path / "backup"))
    assert code == 0, output
    assert "Backed up 30 articles" in output
    code, output = run(tmp_path / "restored", "restore", str(tmp_path / "backup"))
    assert code == 0, output
    assert "Restored 30 articles" in output
    code, output = run(tmp_path / "restored", "ask", "How many jobs will Corvanta cut?")
    assert code == 0 and "600 jobs" in output
    code, output = run(tmp_path / "again", "restore", str(tmp_path / "nothing-here"))
    assert code != 0 and "no such backup folder" in output


def test_chat_follow_up_sources_reset(data_dir: Path) -> None:
    script = (
        "Who is the new head coach of Kelby Rovers?\n/sources\n"
        "Whom did he replace?\n/reset\n/bogus\n/quit\n"
    )
    code, output = run(data_dir, "chat", stdin=script)
    assert code == 0, output
    assert "30 articles" in output
    assert "Rafael Mendes" in output
    assert "(1) Kelby Rovers appoint Rafael Mendes as head coach" in output
    assert "Ingrid Halvorsen" in output  # the follow-up was understood in context
    assert "(conversation forgotten)" in output and "unknown command /bogus" in output


def test_stats(data_dir: Path) -> None:
    code, output = run(data_dir, "stats")
    assert code == 0
    assert "30" in output and "2024-07-15 to 2025-06-18" in output and "bundled" in output


# Floors recorded from the sample evaluation (BENCHMARKS.md); a change that drops below fails.
FLOORS = {
    # The bot's configuration (its passage-score floor on) refuses every unanswerable question.
    "hybrid+recency+rerank": {"recall@5": 0.95, "accuracy": 0.75, "refused (unanswerable)": 1.0},
    "hybrid+recency": {"recall@5": 0.95, "accuracy": 0.75, "refused (unanswerable)": 0.8},
    "hybrid": {"recall@5": 0.95},
    "naive-baseline": {"recall@5": 0.9},
}


def test_eval_on_the_sample_archive_stays_above_floors(tmp_path: Path) -> None:
    report = tmp_path / "eval.md"
    data_dir = tmp_path / "data"
    code, output = run(
        data_dir,
        "eval",
        str(SAMPLE_QUESTIONS),
        "--corpus",
        str(SAMPLES),
        "--data-dir",
        str(data_dir),
        "--output",
        str(report),
    )
    assert code == 0, output
    lines = report.read_text().splitlines()
    header = next(line for line in lines if line.startswith("| configuration"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    rows = {}
    for line in lines:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == len(columns) and cells[0] in CONFIGS:
            rows[cells[0]] = dict(zip(columns, cells, strict=True))
    assert set(rows) == set(CONFIGS)  # every configuration has its row
    for name, floors in FLOORS.items():
        for metric, floor in floors.items():
            assert float(rows[name][metric]) >= floor, (name, metric, rows[name][metric])
    assert all(rows[name]["bad quotes"] == "0" for name in rows)


def test_commands_build_their_engine_with_the_factory_a_test_gives(tmp_path: Path) -> None:
    """The seam every CLI test stands on: the services of `services_factory`, not a second
    engine with the bundled model (typer's own copy of Click once hid Click's `obj`)."""
    asked: list[Path] = []

    def factory(settings: Settings) -> Services:
        asked.append(settings.data_dir)
        return build_engine(settings, embedder=HashEmbedder()).services

    with services_factory(factory), pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        result = CliRunner().invoke(
            app, ["stats"], env={"NEWSBOT_DATA_DIR": str(tmp_path / "data")}
        )
    assert result.exit_code == 0, result.output
    assert asked == [tmp_path / "data"]

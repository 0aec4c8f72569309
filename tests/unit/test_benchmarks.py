"""The benchmarks' one entry (`python -m benchmarks NAME`): results written under a header
that says how to run them again and where they ran (issue 34, item 6)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.common import FAST_PATH_FLAGS, cpu_description, quantile
from retrieval.embed.choice import cpu_flags
from tests.conftest import ROOT


def benchmarks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_run_writes_what_it_printed_under_its_command_commit_and_machine(
    tmp_path: Path,
) -> None:
    result = tmp_path / "az.md"
    run = benchmarks("--result", str(result), "az_stemmers")
    assert run.returncode == 0, run.stderr
    header, _, body = result.read_text(encoding="utf-8").partition("\n\n")
    assert "- command: `python -m benchmarks az_stemmers`" in header
    assert "- commit: " in header and "- machine: " in header and "- when: " in header
    assert "| newsbot suffix stripper |" in body and body in run.stdout


def test_the_machine_names_only_the_flags_the_cpu_reports() -> None:
    described = cpu_description()
    flags = cpu_flags()
    for flag in FAST_PATH_FLAGS:
        assert (flag in described.split("(")[-1]) == (flag in flags), (flag, described)


def test_unknown_names_and_failures_leave_no_result(tmp_path: Path) -> None:
    run = benchmarks("no_such_benchmark")
    assert run.returncode == 2 and "no benchmark 'no_such_benchmark'" in run.stderr
    result = tmp_path / "speed.md"
    failed = benchmarks("--result", str(result), "speed", "--rounds", "not-a-number")
    assert failed.returncode != 0 and not result.exists()
    listing = benchmarks().stdout
    modules = {p.stem for p in (ROOT / "benchmarks").glob("*.py")}
    listed = {line.split()[0] for line in listing.splitlines() if line.startswith("  ")}
    assert modules - listed == {"__init__", "__main__", "common", "halves"}


def test_quantile_is_the_nearest_rank() -> None:
    assert quantile([3.0, 1.0, 2.0, 4.0], 0.5) == 3.0
    assert quantile([1.0] * 19 + [100.0], 0.95) == 100.0
    assert quantile([], 0.5) != quantile([], 0.5)  # NaN

"""What every benchmark shares: the machine it ran on (read from the CPU, never assumed),
quantiles, and the header a result file carries (command, commit, machine, date).

`python -m benchmarks NAME …` (benchmarks/__main__.py) runs one and writes what it printed to
`benchmarks/results/NAME.md` under that header.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
# The instruction sets the embedding and search fast paths are chosen by (retrieval/embed/
# choice.py): each is named only when the CPU reports it.
FAST_PATH_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")


def cpu_flags() -> set[str]:
    from retrieval.embed.choice import cpu_flags as flags

    return flags()


def cpu_description() -> str:
    """The CPU's model name and the fast-path flags it reports: 'AMD EPYC 9B14 (avx2, …)'."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = cpu_flags()
    present = [f for f in FAST_PATH_FLAGS if f in flags]
    return f"{name} ({', '.join(present) or 'none of ' + '/'.join(FAST_PATH_FLAGS)})"


def machine() -> str:
    """One line for a result: CPU and its flags, cores, memory, Python."""
    cores = os.cpu_count() or 0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (OSError, ValueError):
        memory = ""
    return f"{cpu_description()}; {cores} cores{memory}; Python {platform.python_version()}"


def quantile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank; NaN for none)."""
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def commit() -> str:
    """The work tree's commit, with '+changes' when it differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}{'+changes' if dirty else ''}"


def header(command: Sequence[str]) -> str:
    """The lines a result file begins with: how to run it again, and where it ran."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    shown = " ".join(command)
    return (
        f"<!-- written by `python -m benchmarks`; edit the benchmark, not this file -->\n"
        f"- command: `{shown}`\n- commit: {commit()}\n- machine: {machine()}\n- when: {when}\n"
    )


def python() -> str:
    return sys.executable

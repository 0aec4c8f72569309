"""Run one benchmark and keep what it printed:

    python -m benchmarks                 # the benchmarks, a line each
    python -m benchmarks NAME [ARGS …]   # run benchmarks/NAME.py with ARGS

What it prints goes to the terminal and to `benchmarks/results/NAME.md` (`_` written `-`; or
`--result FILE`, given before NAME), under a header with the command, the commit, the machine
and the date.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import RESULTS, ROOT, header, python

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__init__", "__main__", "common", "halves"}  # shared modules


def names() -> dict[str, str]:
    """Each benchmark with the first line of its docstring."""
    found: dict[str, str] = {}
    for path in sorted(HERE.glob("*.py")):
        if path.stem in NOT_BENCHMARKS:
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found[path.stem] = doc.strip().split("\n")[0]
    return found


def main(argv: list[str]) -> int:
    result: Path | None = None
    if argv[:1] == ["--result"] and len(argv) >= 2:
        result, argv = Path(argv[1]), argv[2:]
    known = names()
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        width = max(map(len, known))
        for name, line in known.items():
            print(f"  {name:<{width}}  {line}")
        return 0
    name, args = argv[0], argv[1:]
    if name not in known:
        print(f"error: no benchmark {name!r}; `python -m benchmarks` lists them", file=sys.stderr)
        return 2
    command = ["python", "-m", "benchmarks", name, *args]
    result = result or RESULTS / f"{name.replace('_', '-')}.md"
    printed: list[str] = []
    # The caller's folder, so that relative paths in ARGS mean what they say; the repository
    # on the path, unbuffered, so that a long run shows its progress as it goes.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [python(), "-m", f"benchmarks.{name}", *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            printed.append(line)
    if child.returncode != 0:
        print(
            f"error: {name} exited with {child.returncode}; {result} left as it was",
            file=sys.stderr,
        )
        return child.returncode
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_text(header(command) + "\n" + "".join(printed), encoding="utf-8")
    print(f"written to {result.relative_to(ROOT) if result.is_relative_to(ROOT) else result}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

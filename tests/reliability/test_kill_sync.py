"""kill -9 at 20 random points of a sync (points the sync reports it has reached, chosen at
random), with the real model, on the embedded store and on a `chroma run` server: the next sync
converges, no duplicate or orphan passage, catalog, Chroma and the lexical index agree."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.index.catalog import Catalog
from retrieval.index.lexical import TantivyIndex
from retrieval.index.state import IndexState
from retrieval.index.store import ChromaStore
from tests.reliability.conftest import ChromaServer, newsbot

KILLS = 20
WORDS = [
    "council",
    "harbour",
    "budget",
    "tram",
    "election",
    "school",
    "river",
    "market",
    "strike",
    "museum",
    "festival",
    "bridge",
    "hospital",
    "airport",
    "stadium",
    "library",
    "factory",
    "court",
    "police",
    "weather",
]


def write_corpus(folder: Path, count: int, version: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(count)
    for i in range(count):
        topic = WORDS[i % len(WORDS)]
        # Articles i % 10 == version % 10 change in each version: incremental runs have work.
        edition = version if i % 10 == version % 10 else 0
        sentences = [
            f"The {topic} story number {i} (edition {edition}) has sentence {j} about "
            f"{rng.choice(WORDS)} and {rng.choice(WORDS)}."
            for j in range(40)
        ]
        (folder / f"story{i:03d}.txt").write_text(
            f"date 2025-05-{i % 28 + 1:02d} By Kill Gazette\n\nStory {i} on the {topic}\n\n"
            + "\n\n".join(" ".join(sentences[k : k + 5]) for k in range(0, 40, 5))
            + "\n"
        )


def check_consistent(data: Path, store: ChromaStore, articles: int) -> dict[str, int]:
    catalog = Catalog(data / "catalog.sqlite")
    active = IndexState(catalog.state, "news").active()
    rows = catalog.passages.chunk_rows(active)
    catalog_ids = [r.chunk_id for r in rows]
    got = store._collection(active).get(include=[])  # type: ignore[attr-defined]
    chroma_ids = list(got["ids"])
    lexical_ids = TantivyIndex(data / "lexical").snapshot(active).live_ids()
    assert store.collections() == [active], "orphan collections"
    assert len(chroma_ids) == len(set(chroma_ids)), "duplicate passages in Chroma"
    assert set(chroma_ids) == set(catalog_ids), "catalog and Chroma disagree"
    assert lexical_ids == set(catalog_ids), "lexical index and catalog disagree"
    assert catalog.articles.lexical_pending(active) == [], "words left pending"
    assert len(catalog.articles.in_collection(active)) == articles
    assert [p.name for p in (data / "lexical").iterdir()] == ["tantivy"]
    left = sorted(p.name for p in (data / "lexical" / "tantivy").iterdir())
    assert left == [active], left
    return {"passages": len(catalog_ids), "articles": articles}


# A child that runs `newsbot` and reports, one line each on the pipe NEWSBOT_TEST_REPORTS_FD
# names, every point the sync reaches: each progress callback (reading, each embedding batch, the
# words, done) and each write to or drop from the vector store (a batch's vectors stored, its
# catalog rows not yet). At the point NEWSBOT_TEST_STOP_AT counts to it stops, reported, until
# the parent kills it: every kill lands inside the sync, where it says, never in start-up.
REPORTING = """
import os, sys, threading
from contextlib import contextmanager
import bot.cli.index as cli_index
import retrieval.index.store as store

reports = os.fdopen(int(os.environ["NEWSBOT_TEST_REPORTS_FD"]), "w", buffering=1)
stop_at = int(os.environ["NEWSBOT_TEST_STOP_AT"])
reached = 0

def report(point):
    global reached
    reached += 1
    reports.write(f"{reached} {point}\\n")
    if reached == stop_at:
        threading.Event().wait()  # until SIGKILL

real_bar = cli_index.progress_bar

@contextmanager
def progress_bar(label):
    with real_bar(label) as update:
        def reporting(stage, done, total):
            update(stage, done, total)
            report(f"{stage} {done}/{total}")
        yield reporting

cli_index.progress_bar = progress_bar

def reported(name):
    real = getattr(store.ChromaStore, name)
    def method(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        report(f"store {name}")
        return result
    return method

for name in ("upsert", "delete_articles", "drop"):
    setattr(store.ChromaStore, name, reported(name))
from bot.cli import app
sys.argv = ["newsbot", *sys.argv[1:]]
app()
"""


@dataclass
class ReportedRun:
    points: list[str]  # every point the run reported, in order
    killed_at: str | None  # the point it was killed at; None: it ended first
    returncode: int
    err: str


def newsbot_reporting(stop_at: int, *args: str, env: dict[str, str], logs: Path) -> ReportedRun:
    """`newsbot *args` in a child that reports each point it reaches, killed with SIGKILL at
    the `stop_at`-th (0: never). Its output goes to files: a full pipe cannot stall it."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    read_end, write_end = os.pipe()
    with (logs / "out").open("wb") as out, (logs / "err").open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", REPORTING, *args],
            env={
                **os.environ,
                **env,
                "NEWSBOT_TEST_REPORTS_FD": str(write_end),
                "NEWSBOT_TEST_STOP_AT": str(stop_at),
            },
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            pass_fds=(write_end,),
        )
    os.close(write_end)  # the child's copy alone: the pipe ends when the child does
    points: list[str] = []
    killed_at = None
    with os.fdopen(read_end) as reports:
        for line in reports:
            number, _, point = line.rstrip("\n").partition(" ")
            points.append(point)
            if int(number) == stop_at:
                process.send_signal(signal.SIGKILL)
                killed_at = point
                break
    process.wait(900)
    return ReportedRun(points, killed_at, process.returncode, (logs / "err").read_text())


def kind_of_point(point: str) -> str:
    """The kind of a reported point: "embedding 24/60" is "embedding"; "store upsert" stays."""
    words = point.split()
    return " ".join(words[:2]) if words[0] == "store" else words[0]


def run_kills(tmp_path: Path, env: dict[str, str], store: ChromaStore) -> dict[str, Any]:
    corpus = tmp_path / "corpus"
    logs = tmp_path / "logs"
    logs.mkdir()
    data = Path(env["NEWSBOT_DATA_DIR"])
    count = 60
    write_corpus(corpus, count, 0)
    started = time.monotonic()
    first = newsbot_reporting(0, "ingest", str(corpus), env=env, logs=logs)
    assert first.returncode == 0, first.err
    whole = time.monotonic() - started
    rng = random.Random(20261128)
    # How many points a run of each kind reports: at first the first sync's (all articles
    # new), then those of the last run of that kind that ended before its kill point.
    reported = {"--full": len(first.points), "incremental": len(first.points)}
    killed_at: list[str] = []
    finished_anyway = 0
    n = 0
    while len(killed_at) < KILLS:  # a run that ends before its kill point does not count
        n += 1
        assert n <= 4 * KILLS
        write_corpus(corpus, count, n)
        kind = "--full" if n % 2 else "incremental"
        args = ["ingest", str(corpus)] + (["--full"] if n % 2 else [])
        stop_at = rng.randint(1, reported[kind])
        run = newsbot_reporting(stop_at, *args, env=env, logs=logs)
        if run.killed_at is None:
            assert run.returncode == 0, run.err
            finished_anyway += 1
            reported[kind] = len(run.points)
        else:
            assert run.returncode == -signal.SIGKILL, run.err
            killed_at.append(f"{kind} {stop_at}/{reported[kind]}: {run.killed_at}")
    final = newsbot("ingest", str(corpus), env=env)
    out, err = final.communicate(timeout=900)
    assert final.returncode == 0, err.decode()
    again = newsbot("ingest", str(corpus), env=env)
    out, err = again.communicate(timeout=900)
    assert again.returncode == 0 and b"0 added, 0 updated, 60 unchanged" in out, out + err
    assert b"0 chunks embedded" in out
    counts = check_consistent(data, store, count)
    answer = newsbot("ask", "--json", "What is story 7 about?", env=env)
    out, err = answer.communicate(timeout=300)
    assert answer.returncode == 0 and b'"refused": false' in out, out + err
    where = Counter(kind_of_point(point.split(": ", 1)[1]) for point in killed_at)
    return {
        "uninterrupted sync s": round(whole, 1),
        "points an uninterrupted sync reports": len(first.points),
        "kills": len(killed_at),
        "runs that finished before their kill point": finished_anyway,
        "killed at, by kind of point": dict(sorted(where.items())),
        "kill points (run, point/points, where)": killed_at,
        **counts,
        "duplicates": 0,
        "orphans": 0,
    }


def embedded(tmp_path: Path) -> tuple[dict[str, str], ChromaStore]:
    """The CLI's environment and a store to check, for a data dir with embedded Chroma."""
    data = tmp_path / "data"
    return {"NEWSBOT_DATA_DIR": str(data)}, ChromaStore(path=data / "chroma")


def on_server(tmp_path: Path, chroma: ChromaServer) -> tuple[dict[str, str], ChromaStore]:
    """The same for a data dir whose vectors live on a `chroma run` server."""
    env = {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_STORE_HOST": "127.0.0.1",
        "NEWSBOT_STORE_PORT": str(chroma.port),
    }
    return env, ChromaStore(host="127.0.0.1", port=chroma.port)


def test_kill_9_during_sync_embedded(tmp_path: Path, figures: dict[str, Any]) -> None:
    figures["kill -9 (embedded Chroma)"] = run_kills(tmp_path, *embedded(tmp_path))


def test_kill_9_during_sync_chroma_server(
    tmp_path: Path, chroma: ChromaServer, figures: dict[str, Any]
) -> None:
    figures["kill -9 (chroma run)"] = run_kills(tmp_path, *on_server(tmp_path, chroma))


# A child that runs `newsbot` and kills itself inside the lexical index's work, at the point
# NEWSBOT_TEST_KILL_AT names: "before-commit" (a sync's words added, not committed),
# "after-commit" (committed, the catalog's pending marks not yet cleared), "in-build" (a full
# re-index's new collection half written into its staging folder).
KILLED_IN_LEXICAL = """
import os, signal, sys
import retrieval.index.catalog.articles as articles
import retrieval.index.lexical as lexical

point = os.environ["NEWSBOT_TEST_KILL_AT"]
index = lexical.TantivyIndex

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "before-commit":
    add = index._add
    def dying_add(writer, rows, step, total):
        add(writer, rows, step, total)
        die()
    original_write = index.write
    def write(self, collection, article_ids, rows):
        index._add = staticmethod(dying_add)
        return original_write(self, collection, article_ids, rows)
    index.write = write
elif point == "after-commit":
    def clear(self, collection, article_ids=None):
        die()
    articles.ArticleStore.clear_lexical_pending = clear
elif point == "in-build":
    original_build = index.build
    def build(self, collection, rows, **kwargs):
        def dying():
            for n, row in enumerate(rows):
                if n == 50:
                    die()
                yield row
        return original_build(self, collection, dying(), **kwargs)
    index.build = build
from bot.cli import app
sys.argv = ["newsbot", *sys.argv[1:]]
app()
"""


def newsbot_killed_in_lexical(point: str, *args: str, env: dict[str, str]) -> int:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    process = subprocess.run(
        [sys.executable, "-c", KILLED_IN_LEXICAL, *args],
        env={**os.environ, **env, "NEWSBOT_TEST_KILL_AT": point},
        cwd=ROOT,
        capture_output=True,
        timeout=900,
    )
    return process.returncode


def run_lexical_kills(tmp_path: Path, env: dict[str, str], store: ChromaStore) -> dict[str, Any]:
    """A sync killed before its words' commit, one killed after it (before the catalog hears
    of it) and a full re-index killed inside its words' build, on purpose; each leaves what it
    should, and the next sync converges."""
    corpus = tmp_path / "corpus"
    data = Path(env["NEWSBOT_DATA_DIR"])
    count = 30
    write_corpus(corpus, count, 0)
    first = newsbot("ingest", str(corpus), env=env)
    _, err = first.communicate(timeout=900)
    assert first.returncode == 0, err.decode()
    catalog = Catalog(data / "catalog.sqlite")
    left: dict[str, Any] = {}
    for version, point, extra in (
        (1, "before-commit", []),
        (2, "after-commit", []),
        (3, "in-build", ["--full"]),
    ):
        write_corpus(corpus, count, version)
        # What write_corpus changes: this version's edits, and the previous one's undone.
        changed = [i for i in range(count) if i % 10 in {version % 10, (version - 1) % 10} - {0}]
        code = newsbot_killed_in_lexical(point, "ingest", str(corpus), *extra, env=env)
        assert code == -signal.SIGKILL, point
        active = IndexState(catalog.state, "news").active()
        pending = catalog.articles.lexical_pending(active)
        building = sorted(
            p.name for p in (data / "lexical" / "tantivy").iterdir() if p.name.startswith(".")
        )
        if point == "in-build":
            assert building and building[0].endswith(".building"), building
        else:  # exactly the articles this sync changed, whose words may be missing
            assert len(pending) == len(changed), (point, pending)
        left[point] = {"pending": len(pending), "staging": building}
        # Each kill starts from a converged index: the next run (its engine's catch-up at
        # open, then its sync) writes what was left and clears the marks.
        again = newsbot("ingest", str(corpus), env=env)
        _, err = again.communicate(timeout=900)
        assert again.returncode == 0, err.decode()
        assert catalog.articles.lexical_pending(IndexState(catalog.state, "news").active()) == []
    final = newsbot("ingest", str(corpus), env=env)
    _, err = final.communicate(timeout=900)
    assert final.returncode == 0, err.decode()
    counts = check_consistent(data, store, count)
    return {"killed inside the lexical index": 3, "left behind": left, **counts}


def test_kill_9_inside_the_lexical_build_embedded(tmp_path: Path, figures: dict[str, Any]) -> None:
    data = tmp_path / "data"
    env = {"NEWSBOT_DATA_DIR": str(data)}
    figures["kill -9 inside the lexical build (embedded Chroma)"] = run_lexical_kills(
        tmp_path, env, ChromaStore(path=data / "chroma")
    )


def test_kill_9_inside_the_lexical_build_chroma_server(
    tmp_path: Path, chroma: ChromaServer, figures: dict[str, Any]
) -> None:
    env = {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_STORE_HOST": "127.0.0.1",
        "NEWSBOT_STORE_PORT": str(chroma.port),
    }
    store = ChromaStore(host="127.0.0.1", port=chroma.port)
    figures["kill -9 inside the lexical build (chroma run)"] = run_lexical_kills(
        tmp_path, env, store
    )

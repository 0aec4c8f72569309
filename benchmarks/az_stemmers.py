"""Azerbaijani word analysis for BM25 compared (issue 35, item 1), on the word lists of
tests/fixtures/az: newsbot's suffix stripper, Snowball's Turkish stemmer (PyStemmer, already a
dependency) and, when installed, the registry's Azerbaijani stemmers (`pip install nltkaz
azstemmer`, never dependencies of newsbot).

    python -m benchmarks.az_stemmers

Per analyser: groups whose forms all meet, forms on their group's most common stem, pairs of
different words glued together (by kind), names whose forms do not all meet, words a second.
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from retrieval.core.azerbaijani import lower, stem

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "az"


def analysers() -> dict[str, Callable[[str], str]]:
    from Stemmer import Stemmer

    turkish = Stemmer("turkish")
    found: dict[str, Callable[[str], str]] = {
        "lower-case only": lower,
        "newsbot suffix stripper": stem,
        "Snowball turkish (PyStemmer)": lambda w: str(turkish.stemWord(lower(w))),
    }
    try:
        from nltkaz.stem import Stemmer as NltkazStemmer  # type: ignore[import-not-found]

        nltkaz = NltkazStemmer()
        found["nltkaz"] = lambda w: str(nltkaz.stem(w)).strip()
    except ImportError:
        print("nltkaz not installed: skipped")
    return found


def main() -> None:
    groups: dict[str, list[str]] = {}
    for line in (FIXTURES / "words.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        group, form = line.split("\t")
        groups.setdefault(group, []).append(form)
    pairs = [
        line.split("\t")[:3]
        for line in (FIXTURES / "pairs.tsv").read_text(encoding="utf-8").splitlines()
    ]
    names = [
        line.split("\t")[1].split()
        for line in (FIXTURES / "oov.tsv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    forms = [w for ws in groups.values() for w in ws]
    kinds = Counter(kind for _, _, kind in pairs)
    print(f"{platform.machine()} {platform.processor() or ''}; {len(forms)} forms in")
    print(f"{len(groups)} groups, pairs {dict(kinds)}, {len(names)} names\n")
    print("| analyser | groups whole | forms on the group's stem | pairs glued | names split |"
          " words/s |")  # fmt: skip
    print("|---|---:|---:|---|---:|---:|")
    for name, analyse in analysers().items():
        whole = sum(len({analyse(w) for w in ws}) == 1 for ws in groups.values())
        on = sum(Counter(map(analyse, ws)).most_common(1)[0][1] for ws in groups.values())
        glued = Counter(kind for a, b, kind in pairs if analyse(a) == analyse(b))
        split = sum(len({analyse(w) for w in ws}) > 1 for ws in names)
        stem.cache_clear()
        started = time.perf_counter()
        for _ in range(20):
            for w in forms:
                analyse(w)
            stem.cache_clear()
        rate = 20 * len(forms) / (time.perf_counter() - started)
        glued_text = ", ".join(f"{k} {glued[k]}/{kinds[k]}" for k in sorted(kinds))
        print(
            f"| {name} | {whole}/{len(groups)} | {on / len(forms):.0%} | {glued_text} | "
            f"{split}/{len(names)} | {rate:,.0f} |"
        )


if __name__ == "__main__":
    main()

"""A small tree ensemble for the refusal decision (issue 22, item 1), against the logistic
model: the same evidence, the same halves, the same threshold rule.

    python -m benchmarks.refusal_tree --data-dir INDEX [--max-refused 0.10]

Reads the answers `tools.train_refusal` replayed and cached in INDEX
(train-refusal-answers.pkl: each answerable question answered with refusal off, as asked and
with its answer withheld); run that first. Fits scikit-learn's HistGradientBoostingClassifier
(a dev dependency, through sentence-transformers) on January-March, with and without monotone
constraints, picks the highest threshold that keeps answerable refusals (every kind) at or
below --max-refused on January-March, and reports both halves.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np

from benchmarks.halves import Case, evidence_of
from retrieval.answer.evidence import FEATURES
from retrieval.answer.extractive import ExtractiveConfig
from retrieval.answer.refusal import states_answer
from retrieval.evaluation import correct_answer


def table(cases: list[Case]) -> dict[str, np.ndarray]:
    """Per case and side (asked "a", withheld "w"): the evidence vector (zeros where the
    answerer gave none), whether it was refused before any model (nothing to quote, a partial
    answer), whether its best sentence is under the answerer's own floor, whether a sentence
    states the answer (never refused); and whether the asked answer is correct."""
    columns: dict[str, list[object]] = {
        k: [] for k in ("xa", "xw", "ra", "rw", "wa", "ww", "sa", "sw", "ok")
    }
    for case in cases:
        for side, answer in (("a", case.asked), ("w", case.withheld)):
            evidence = evidence_of(answer)
            columns[f"x{side}"].append(evidence.vector() if evidence else [0.0] * len(FEATURES))
            columns[f"r{side}"].append(answer.refused or evidence is None)
            columns[f"w{side}"].append(
                evidence is not None and evidence.sentence_score < ExtractiveConfig().refuse_below
            )
            columns[f"s{side}"].append(evidence is not None and states_answer(evidence))
        columns["ok"].append(correct_answer(case.asked.text, case.item))
    return {k: np.array(v, dtype=float if k.startswith("x") else bool) for k, v in columns.items()}


def rates(
    t: dict[str, np.ndarray], pa: np.ndarray, pw: np.ndarray, threshold: float
) -> tuple[float, float, float]:
    """(accuracy, answerable refused, withheld refused), deciding as the answerer does: the
    model or the sentence floor refuses, unless a sentence states the answer."""

    def refused(side: str, p: np.ndarray) -> np.ndarray:
        judged = ((p < threshold) | t[f"w{side}"]) & ~t[f"s{side}"]
        return t[f"r{side}"] | judged

    ra, rw = refused("a", pa), refused("w", pw)
    return float((~ra & t["ok"]).mean()), float(ra.mean()), float(rw.mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--max-refused", type=float, default=0.10)
    args = parser.parse_args()
    from sklearn.ensemble import HistGradientBoostingClassifier

    cases, _ = pickle.loads((args.data_dir / "train-refusal-answers.pkl").read_bytes())
    halves = {h: [c for c in cases if c.half == h] for h in ("Jan-Mar", "Apr-Jun")}
    tables = {h: table(c) for h, c in halves.items()}
    tune = tables["Jan-Mar"]
    keep_a = ~tune["ra"] & tune["ok"]
    keep_w = ~tune["rw"]
    x = np.vstack([tune["xa"][keep_a], tune["xw"][keep_w]])
    y = np.concatenate([np.ones(keep_a.sum()), np.zeros(keep_w.sum())])
    print(f"trained on {int(y.sum())} correct and {int(len(y) - y.sum())} withheld (Jan-Mar)")
    monotone = [0 if f == "asks_kind" else 1 for f in FEATURES]
    print("| model | threshold | Jan-Mar accuracy / answerable / withheld refused | Apr-Jun |")
    print("|---|---:|---|---|")
    for depth, rounds, weight in ((2, 100, None), (2, 100, "balanced"), (3, 200, "balanced")):
        for constraint in (None, monotone):
            model = HistGradientBoostingClassifier(
                max_depth=depth,
                max_iter=rounds,
                learning_rate=0.05,
                l2_regularization=1.0,
                min_samples_leaf=20,
                monotonic_cst=constraint,
                class_weight=weight,
                random_state=0,
            ).fit(x, y)
            probabilities = {
                h: (
                    model.predict_proba(t["xa"])[:, 1],
                    model.predict_proba(t["xw"])[:, 1],
                )
                for h, t in tables.items()
            }
            chosen = 0.0
            for threshold in np.arange(0.0, 1.0, 0.005):
                if rates(tune, *probabilities["Jan-Mar"], threshold)[1] <= args.max_refused:
                    chosen = float(threshold)
            cells = [
                "{:.3f} / {:.3f} / {:.3f}".format(*rates(t, *probabilities[h], chosen))
                for h, t in tables.items()
            ]
            name = (
                f"depth {depth}, {rounds} trees, {'monotone' if constraint else 'free'}"
                f"{', classes balanced' if weight else ''}"
            )
            print(f"| {name} | {chosen:.2f} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()

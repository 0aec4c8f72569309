"""Train the refusal model on RealTimeQA January-March, confirm it on April-June, and write it
beside `retrieval/answer/refusal.py` (the file the answerer ships with).

    python -m tools.train_refusal QUESTIONS --data-dir INDEX [--write]

Each answerable question is answered twice over cached retrievals (benchmarks/halves.py): as
asked, and with every article holding a correct answer hidden. The answerer runs with refusal
off and reports its evidence (retrieval/answer/evidence.py). Positives: answered correctly as
asked. Negatives: the withheld askings. (Wrong answers as asked are left out of training; they
are counted in every figure.) A logistic regression with an L2 penalty (scikit-learn's) is
fitted on January-March; the threshold is the highest that keeps answerable refusals (every
kind: learned, partial, nothing to quote) at or below --max-refused on January-March. Both
halves are then reported for today's passage-score floor and for the learned decision.
"""

from __future__ import annotations

import argparse
import json
import pickle
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

# Case is imported here under this module's name too: replays pickled before it moved load.
from benchmarks.halves import (
    HALVES,
    Case,
    Retrievals,
    cached_retrievals,
    engine_and_questions,
    evidence_of,
)
from retrieval.answer.evidence import FEATURES
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.question import Question
from retrieval.answer.refusal import MODEL_FILE, RefusalModel, states_answer
from retrieval.core.records import Answer
from retrieval.evaluation import correct_answer


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression, the intercept unpenalised (scikit-learn's lbfgs:
    C·Σ log-loss + ½‖w‖², so C = 1 / l2)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0 / l2 if l2 > 0 else np.inf, tol=1e-10, max_iter=10_000).fit(
        x, y.astype(int)
    )
    return model.coef_[0].astype(float), float(model.intercept_[0])


# More of any of these can only make an answer more likely, never less. Fitted freely, their
# correlations gave some negative weights, and the model then trusted a sentence sharing no
# word with the question (it never saw off-topic evidence: withheld passages are on topic).
FREE = {"asks_kind"}


def fit_monotone(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """`fit` with every weight but FREE's at 0 or above: a feature whose weight comes out
    negative is dropped (weight 0) and the rest fitted again, until none is."""
    kept = list(range(x.shape[1]))
    while True:
        coef, intercept = fit(x[:, kept], y, l2)
        negative = [
            (c, i) for c, i in zip(coef, kept, strict=True) if c < 0 and FEATURES[i] not in FREE
        ]
        if not negative:
            full = np.zeros(x.shape[1])
            full[kept] = coef
            return full, intercept
        kept.remove(min(negative)[1])


def train(
    cases: list[Case], l2: float, positives: str = "correct", *, monotone: bool = True
) -> RefusalModel:
    rows, labels = [], []
    for case in cases:
        asked, withheld = evidence_of(case.asked), evidence_of(case.withheld)
        if case.off_topic is not None and not case.off_topic.refused:
            off_topic = evidence_of(case.off_topic)
            if off_topic is not None:
                rows.append(off_topic.vector())
                labels.append(0.0)
        answered = not case.asked.refused and (
            positives == "answerable" or correct_answer(case.asked.text, case.item)
        )
        if asked is not None and answered:
            rows.append(asked.vector())
            labels.append(1.0)
        if withheld is not None and not case.withheld.refused:
            rows.append(withheld.vector())
            labels.append(0.0)
    x, y = np.array(rows), np.array(labels)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    coef, intercept = (fit_monotone if monotone else fit)((x - mean) / scale, y, l2)
    print(f"trained on {int(y.sum())} {positives} and {int(len(y) - y.sum())} negatives")
    return RefusalModel(
        version=f"{date.today().isoformat()}-jan-mar",
        features=FEATURES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in coef),
        intercept=intercept,
        threshold=0.5,
    )


def refused(answer: Answer, model: RefusalModel | None, threshold: float | None = None) -> bool:
    """Whether the answer is a refusal under `model` (None: as the answerer gave it)."""
    if answer.refused:  # nothing to quote, or a partial answer
        return True
    evidence = evidence_of(answer)
    if model is None or evidence is None:
        return False
    if threshold is not None:
        model = replace(model, threshold=threshold)
    # As the answerer decides: the model, and its own floor on the best sentence under it.
    weak_sentence = evidence.sentence_score < ExtractiveConfig().refuse_below
    return model.refuses(evidence) or (weak_sentence and not states_answer(evidence))


def score(cases: list[Case], model: RefusalModel | None) -> dict[str, float]:
    n = max(1, len(cases))
    correct = refused_answerable = refused_withheld = refused_off_topic = off_topic = 0
    for case in cases:
        if refused(case.asked, model):
            refused_answerable += 1
        elif correct_answer(case.asked.text, case.item):
            correct += 1
        refused_withheld += refused(case.withheld, model)
        if case.off_topic is not None:
            off_topic += 1
            refused_off_topic += refused(case.off_topic, model)
    return {
        "accuracy": correct / n,
        "refused (answerable)": refused_answerable / n,
        "refused (withheld)": refused_withheld / n,
        "refused (off-topic)": refused_off_topic / off_topic if off_topic else float("nan"),
    }


def with_off_topic(
    cases: list[Case], retrievals: Retrievals, answerer: ExtractiveAnswerer, path: Path
) -> list[Case]:
    """Each case also asked against the passages of a question of the same half asked far
    from it in the list (another story): evidence RealTimeQA's withheld askings never give,
    a sentence found for some other question. Cached in `path`."""
    cache: dict[str, Answer] = pickle.loads(path.read_bytes()) if path.exists() else {}
    out: list[Case] = []
    for half in HALVES:
        part = [c for c in cases if c.half == half]
        for n, case in enumerate(part):
            other = part[(n + len(part) // 2) % len(part)]
            if case.item.id not in cache:
                passages = retrievals[other.item.id][0]
                cache[case.item.id] = answerer.answer(Question.read(case.item.question), passages)
                if len(cache) % 50 == 0:
                    print(f"off-topic answers: {len(cache)}", flush=True)
                    path.write_bytes(pickle.dumps(cache))
            out.append(replace(case, off_topic=cache[case.item.id]))
    path.write_bytes(pickle.dumps(cache))
    return out


def choose_threshold(cases: list[Case], model: RefusalModel, max_refused: float) -> float:
    best = 0.0
    for threshold in np.arange(0.0, 1.0, 0.01):
        scores = score(cases, replace(model, threshold=float(threshold)))
        if scores["refused (answerable)"] <= max_refused:
            best = float(threshold)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    from benchmarks.halves import add_arguments

    add_arguments(parser)
    parser.add_argument("--max-refused", type=float, default=0.08)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", action="store_true", help="write the model file")
    parser.add_argument(
        "--positives",
        choices=["correct", "answerable"],
        default="correct",
        help="what the model learns to answer: questions answered correctly as asked, or "
        "every answerable question as asked",
    )
    parser.add_argument("--curve", action="store_true", help="print refusals per threshold")
    parser.add_argument(
        "--off-topic",
        action="store_true",
        help="also train on (and score) each question asked against another one's passages",
    )
    parser.add_argument(
        "--score-off-topic-only",
        action="store_true",
        help="with --off-topic: score the off-topic askings, but do not train on them",
    )
    parser.add_argument("--free", action="store_true", help="weights of either sign")
    args = parser.parse_args()
    engine, items = engine_and_questions(args)
    retrievals: Retrievals = cached_retrievals(engine, items, args.data_dir)
    off = ExtractiveAnswerer(
        engine.embedder, ExtractiveConfig(refusal="off"), vectors=engine.vectors
    )
    floor = ExtractiveAnswerer(
        engine.embedder,
        ExtractiveConfig(
            refusal="score", min_passage_score=engine.settings.retrieval.min_passage_score
        ),
        vectors=engine.vectors,
    )
    replay = args.data_dir / "train-refusal-answers.pkl"
    if replay.exists():  # the answers of an earlier run of this code over the same retrievals
        cases, floor_cases = pickle.loads(replay.read_bytes())
        items = []
    else:
        cases, floor_cases = [], []
    for item in items:
        asked, withheld = retrievals[item.id]
        cases.append(
            Case(
                item,
                off.answer(Question.read(item.question), asked),
                off.answer(Question.read(item.question), withheld),
            )
        )
        floor_cases.append(
            Case(
                item,
                floor.answer(Question.read(item.question), asked),
                floor.answer(Question.read(item.question), withheld),
            )
        )
    replay.write_bytes(pickle.dumps((cases, floor_cases)))
    if args.off_topic:
        off_path = args.data_dir / "train-refusal-off-topic.pkl"
        cases = with_off_topic(cases, retrievals, off, off_path)
        floor_cases = with_off_topic(
            floor_cases, retrievals, floor, off_path.with_suffix(".floor.pkl")
        )
    tune = [c for c in cases if c.half == "Jan-Mar"]
    training = [replace(c, off_topic=None) for c in tune] if args.score_off_topic_only else tune
    model = train(training, args.l2, args.positives, monotone=not args.free)
    model = replace(model, threshold=choose_threshold(tune, model, args.max_refused))
    print(f"threshold {model.threshold:.2f} (answerable refused <= {args.max_refused} on Jan-Mar)")
    for name, value in zip(model.features, model.coef, strict=True):
        print(f"  {name:16s} {value:+.3f}")
    if args.curve:
        print("threshold | Jan-Mar answerable / withheld refused | Apr-Jun answerable / withheld")
        for threshold in np.arange(0.0, 1.0, 0.02):
            line = [f"{threshold:.2f}"]
            for half in HALVES:
                part = [c for c in cases if c.half == half]
                s = score(part, replace(model, threshold=float(threshold)))
                line.append(f"{s['refused (answerable)']:.3f} / {s['refused (withheld)']:.3f}")
            print(" | ".join(line))
    print(
        "\nhalf | decision | accuracy | refused (answerable) | refused (withheld) | "
        "refused (off-topic)"
    )
    for half in HALVES:
        for label, chosen, decision in (
            ("passage-score floor (today)", floor_cases, None),
            ("no refusal on evidence", cases, None),
            ("learned", cases, model),
        ):
            part = [c for c in chosen if c.half == half]
            s = score(part, decision)
            print(
                f"{half} ({len(part)}) | {label} | {s['accuracy']:.3f} | "
                f"{s['refused (answerable)']:.3f} | {s['refused (withheld)']:.3f} | "
                f"{s['refused (off-topic)']:.3f}",
                flush=True,
            )
    if args.write:
        payload = {
            "version": model.version,
            "trained_on": "RealTimeQA dev, answerable questions asked 2023-01-01 to 2023-03-31",
            "features": list(model.features),
            "mean": list(model.mean),
            "scale": list(model.scale),
            "coef": list(model.coef),
            "intercept": model.intercept,
            "threshold": model.threshold,
        }
        MODEL_FILE.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()

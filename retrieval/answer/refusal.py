"""The learned refusal decision (`NEWSBOT_RETRIEVAL_REFUSAL=learned`): a small logistic model
over the answerer's evidence, fitted on RealTimeQA January-March (answerable questions against
the same questions with every article holding the answer withheld). On April-June it does no
better than the passage-score floor, which stays the default (BENCHMARKS.md, *Answers (issue
22)*). `tools/train_refusal.py` writes the model file beside this module.

The model sees scale-free evidence only (`retrieval.answer.evidence`). One rule sits above every
decision (`states_answer`): a sentence that holds everything the question asks beyond its topic,
every name it gives and a thing of the asked kind states the answer, and is quoted whatever the
evidence's scores say."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from retrieval.answer.evidence import FEATURES, Evidence
from retrieval.core.errors import ConfigError

MODEL_FILE = Path(__file__).with_name("refusal-model.json")


@dataclass(frozen=True)
class RefusalModel:
    version: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # refuse when the probability of an answer is below this

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> RefusalModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            model = cls(
                version=str(data["version"]),
                features=tuple(data["features"]),
                mean=tuple(float(x) for x in data["mean"]),
                scale=tuple(float(x) for x in data["scale"]),
                coef=tuple(float(x) for x in data["coef"]),
                intercept=float(data["intercept"]),
                threshold=float(data["threshold"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a refusal model ({exc})") from None
        unknown = set(model.features) - set(FEATURES)
        if unknown or not len(model.features) == len(model.mean) == len(model.coef):
            raise ConfigError(f"{path}: the refusal model's features do not match this version")
        return model

    def contributions(self, evidence: Evidence) -> dict[str, float]:
        """Each feature's push towards answering (positive) or refusing (negative)."""
        values = dict(zip(FEATURES, evidence.vector(), strict=True))
        return {
            name: c * (values[name] - m) / s
            for name, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        }

    def probability(self, evidence: Evidence) -> float:
        """How likely the sentence answers the question, by the model."""
        z = self.intercept + sum(self.contributions(evidence).values())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def refuses(self, evidence: Evidence) -> bool:
        return not states_answer(evidence) and self.probability(evidence) < self.threshold


def states_answer(evidence: Evidence) -> bool:
    """The sentence holds every term the question asks beyond its topic, names every name the
    question gives, and (for who/when/how-many…) a thing surely of the asked kind: it states
    the answer, however weakly the search scored its passage."""
    return (
        evidence.asked_coverage >= 1.0
        and evidence.name_cover >= 1.0
        and (not evidence.asks_kind or evidence.kind_strength >= 1.0)
        and evidence.sentence_cosine >= 0.3
    )


@functools.cache
def bundled_model() -> RefusalModel | None:
    """The model shipped with this version, or None before one is trained."""
    return RefusalModel.load() if MODEL_FILE.exists() else None

"""Evaluation: question files, scoring, the configurations compared, the naive baseline, and
`EvalService`, which front ends call (`newsbot eval`)."""

from retrieval.evaluation.configs import CONFIGS
from retrieval.evaluation.scoring import (
    EvalQuestion,
    Scores,
    correct_answer,
    evaluate,
    first_hit,
    load_questions,
    markdown_table,
    mentions,
)
from retrieval.evaluation.service import EvalReport, EvalService

__all__ = [
    "CONFIGS",
    "EvalQuestion",
    "EvalReport",
    "EvalService",
    "Scores",
    "correct_answer",
    "evaluate",
    "first_hit",
    "load_questions",
    "markdown_table",
    "mentions",
]

"""Prometheus metrics of the engine and the bot; prometheus-client stays in this module.

One registry for the process. The engine's parts count what they do through the functions
below (questions and their outcome, answer latency, errors by kind, feed polls, index jobs);
the bot counts Bot API retries; archive sizes are read when a scrape asks.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # resident memory, CPU seconds, open files

QUESTIONS = Counter(
    "newsbot_questions",
    "Questions asked, by outcome: answered, refused, partial (a refusal quoting the closest "
    "passage), error.",
    ["outcome"],
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "newsbot_answer_seconds",
    "Time from question to answer (search and answerer).",
    buckets=(0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 1.0, 2.0, 5.0, 15.0, 60.0),
    registry=REGISTRY,
)
ERRORS = Counter(
    "newsbot_errors",
    "Errors met while answering or indexing, by kind.",
    ["kind"],
    registry=REGISTRY,
)
BOT_API_RETRIES = Counter(
    "newsbot_bot_api_retries",
    "Bot API calls tried again after a timeout, a 5xx or a dropped connection.",
    registry=REGISTRY,
)
FEED_POLLS = Counter(
    "newsbot_feed_polls",
    "Feed polls by result: new, unchanged, failed, postponed, busy.",
    ["status"],
    registry=REGISTRY,
)
JOB_SECONDS = Histogram(
    "newsbot_index_job_seconds",
    "Index jobs by kind (sync, full re-index, re-embed), how long each took.",
    ["job"],
    buckets=(0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400),
    registry=REGISTRY,
)
ARTICLES = Gauge("newsbot_articles", "Articles in the archive.", registry=REGISTRY)
PASSAGES = Gauge("newsbot_passages", "Passages (chunks) in the archive.", registry=REGISTRY)
FEEDS_IN_ALERT = Gauge(
    "newsbot_feeds_in_alert",
    "Feeds that failed NEWSBOT_FEEDS_ALERT_AFTER times in a row (the admins were told).",
    registry=REGISTRY,
)
BUILD = Info("newsbot_build", "The running version of newsbot.", registry=REGISTRY)


def observe_answer(seconds: float, outcome: str) -> None:
    QUESTIONS.labels(outcome).inc()
    ANSWER_SECONDS.observe(seconds)


def count_error(kind: str) -> None:
    ERRORS.labels(kind).inc()


def count_feed_poll(status: str) -> None:
    FEED_POLLS.labels(status).inc()


def observe_job(job: str, seconds: float) -> None:
    JOB_SECONDS.labels(job).observe(seconds)


def count_bot_api_retry() -> None:
    BOT_API_RETRIES.inc()


def render(articles: int, passages: int, feeds_in_alert: int, version: str) -> tuple[bytes, str]:
    """The exposition text of every metric, with the archive's sizes as of now."""
    ARTICLES.set(articles)
    PASSAGES.set(passages)
    FEEDS_IN_ALERT.set(feeds_in_alert)
    BUILD.info({"version": version})
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

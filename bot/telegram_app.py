"""The Telegram application: built with PTB's builder, every handler registered in one place."""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import time as dt_time
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import adapt_admin, admin, briefs, gaps, handlers, inline, live, privacy
from bot.buttons import PATTERNS, Button
from bot.delivery import RetryingRateLimiter
from bot.deps import DEPS, BotDeps, NewsApp, NewsContext, deps_of_app
from bot.logs import configure_logging, redact_in_logs, register_secrets
from bot.monitoring import MonitoringServer
from bot.state import Conversations, UserLimiter
from bot.texts import texts_in
from retrieval.core.errors import ConfigError
from retrieval.core.i18n import LANGUAGES, mark
from retrieval.core.settings import Settings, unknown_settings
from retrieval.services import Services

logger = logging.getLogger(__name__)

READER_COMMANDS = [
    ("start", mark("What this bot knows")),
    ("help", mark("How to ask")),
    ("ask", mark("Ask a question (in groups)")),
    ("reset", mark("Forget the conversation")),
    ("follow", mark("Get new articles on a topic")),
    ("following", mark("The topics you follow")),
    ("unfollow", mark("Stop following a topic")),
    ("brief", mark("Today's biggest stories; every morning with /brief on 08:00")),
    ("forget", mark("Delete what the bot keeps of you")),
]
ADMIN_COMMANDS = [
    ("reindex", mark("Sync the ingest directory (add 'full' to rebuild)")),
    ("adapt", mark("Fine-tune the model on the archive (list, use original|vN)")),
    ("ingest", mark("Add an article or feed by URL")),
    ("delete", mark("Remove an article by id or URL")),
    ("stats", mark("Index and usage statistics")),
    ("sources", mark("The latest articles indexed")),
    ("backup", mark("Back up the whole archive (says where it wrote)")),
    ("feeds", mark("Feeds polled: list, add URL [every 30m], remove N, poll")),
]


def commands(entries: list[tuple[str, str]], language: str) -> list[BotCommand]:
    words = texts_in(language)
    return [BotCommand(name, words.t(description)) for name, description in entries]


def file_base_url(base_url: str) -> str:
    """https://api.telegram.org/bot -> https://api.telegram.org/file/bot (self-hosted alike)."""
    root, _, _ = base_url.rstrip("/").rpartition("/bot")
    return f"{root}/file/bot"


def build_application(settings: Settings, services: Services) -> NewsApp:
    token = settings.telegram.token.get_secret_value()
    if not token:
        raise ConfigError("NEWSBOT_TELEGRAM_TOKEN is not set: get a token from @BotFather")
    redact_in_logs(token)
    register_secrets(settings)
    application: NewsApp = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(file_base_url(settings.telegram.base_url))
        .context_types(ContextTypes(context=NewsContext))
        # Every message the bot sends is HTML with link previews off, unless a call says
        # otherwise: dynamic text is escaped where it is rendered.
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(RetryingRateLimiter(max_retries=3, on_retry=services.monitor.bot_api_retry))
        .concurrent_updates(True)
        .post_init(set_commands)
        .build()
    )
    application.bot_data[DEPS] = BotDeps(
        settings=settings,
        services=services,
        conversations=Conversations(
            settings.telegram.history_turns, float(settings.telegram.history_ttl_s)
        ),
        limiter=UserLimiter(settings.telegram.questions_per_minute),
    )
    services.follows.start_from_now()  # the archive's history is pushed to nobody
    register_handlers(application)
    schedule_jobs(application, settings)
    briefs.schedule_all(application, deps_of_app(application))
    return application


def schedule_jobs(application: NewsApp, settings: Settings) -> None:
    """Feeds are checked every tick; each is polled when its own interval has passed."""
    if application.job_queue is None:
        raise ConfigError("python-telegram-bot's job queue is missing: pip install newsbot again")
    tick = settings.feeds.tick_s
    application.job_queue.run_repeating(live.poll_job, interval=tick, first=tick, name="feeds")
    # Readers' questions past NEWSBOT_QUESTION_RETENTION_DAYS: at start, then once a day.
    application.job_queue.run_repeating(
        privacy.retention_job, interval=86400, first=1, name="retention"
    )
    # What readers asked that the archive could not answer: to the admins, Mondays 08:00 UTC.
    application.job_queue.run_daily(
        gaps.gaps_job, time=dt_time(8, 0, tzinfo=UTC), days=(1,), name="gaps"
    )


def register_handlers(application: NewsApp) -> None:
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("ask", handlers.ask_command))
    application.add_handler(CommandHandler("reset", handlers.reset))
    application.add_handler(CommandHandler("id", handlers.my_id))
    application.add_handler(CommandHandler("reindex", admin.reindex))
    application.add_handler(CommandHandler("adapt", adapt_admin.adapt))
    application.add_handler(CommandHandler("ingest", admin.ingest))
    application.add_handler(CommandHandler("delete", admin.delete))
    application.add_handler(CommandHandler("stats", admin.stats))
    application.add_handler(CommandHandler("backup", admin.backup))
    application.add_handler(CommandHandler("sources", admin.sources))
    application.add_handler(CommandHandler("feeds", live.feeds))
    application.add_handler(CommandHandler("follow", live.follow))
    application.add_handler(CommandHandler("following", live.following))
    application.add_handler(CommandHandler("unfollow", live.unfollow))
    application.add_handler(CommandHandler("brief", briefs.brief))
    application.add_handler(CommandHandler("forget", privacy.forget))
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
    application.add_handler(MessageHandler(filters.Document.ALL, admin.document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.on_text))
    buttons = {
        Button.SOURCES: handlers.on_sources,
        Button.FEEDBACK: handlers.on_feedback,
        Button.UNFOLLOW: live.unfollow_button,
        Button.FORGET: privacy.forget_button,
    }
    for button, handle in buttons.items():
        application.add_handler(CallbackQueryHandler(handle, pattern=PATTERNS[button]))
    application.add_handler(CallbackQueryHandler(handlers.on_unknown_button))
    application.add_error_handler(handlers.on_error)


async def set_commands(application: NewsApp) -> None:
    """The reader menu for everyone; the admin commands only in the admins' own chats."""
    deps: BotDeps = deps_of_app(application)
    # Telegram shows a menu in the reader's own language where one is set for it.
    for language in LANGUAGES:
        code = None if language == "en" else language
        await application.bot.set_my_commands(
            commands(READER_COMMANDS, language), scope=BotCommandScopeDefault(), language_code=code
        )
        for admin_id in deps.settings.telegram.admin_ids:
            try:
                await application.bot.set_my_commands(
                    commands(READER_COMMANDS + ADMIN_COMMANDS, language),
                    scope=BotCommandScopeChat(admin_id),
                    language_code=code,
                )
            except TelegramError as exc:  # the admin has not started a chat with the bot yet
                logger.warning("admin menu for %s not set: %s", admin_id, exc)


def run(settings: Settings, services: Services) -> None:
    """Long polling by default; a webhook when NEWSBOT_TELEGRAM_WEBHOOK_URL is set."""
    # The CLI entry point has configured logging for commands (warnings unless set); a
    # long-running bot logs INFO unless NEWSBOT_LOG_LEVEL says otherwise.
    configure_logging(settings.log_level or "INFO", settings.log_format)
    for line in unknown_settings():
        logger.warning("%s", line)
    application = build_application(settings, services)
    tg = settings.telegram
    services.warm_up()  # the model and the index load before the first question arrives
    monitoring = (
        MonitoringServer(services, settings.metrics_host, settings.metrics_port).start()
        if settings.metrics_port
        else None
    )
    try:
        if tg.webhook_url:
            # The URL is Telegram's, as given (nothing appended); the local server listens on
            # its path, behind the TLS proxy that forwards it.
            path = urlsplit(tg.webhook_url).path.strip("/")
            if not path:  # before 0.2, /telegram was appended: a proxy may still forward it
                logger.warning(
                    "NEWSBOT_TELEGRAM_WEBHOOK_URL has no path: updates are expected at / "
                    "(release 0.1 appended /telegram; add it to the URL if your proxy forwards it)"
                )
            logger.info(
                "webhook: Telegram posts to the configured URL; listening on %s:%d/%s",
                tg.webhook_listen,
                tg.webhook_port,
                path,
            )
            application.run_webhook(
                listen=tg.webhook_listen,
                port=tg.webhook_port,
                url_path=path,
                webhook_url=tg.webhook_url,
                secret_token=tg.webhook_secret.get_secret_value() or None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        if monitoring is not None:
            monitoring.stop()

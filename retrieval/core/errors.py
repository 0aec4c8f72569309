"""Errors whose messages are written for users; front ends show them as they are."""


class NewsbotError(Exception):
    """Base of every error a front end may show to a user."""


class ConfigError(NewsbotError):
    """A setting is missing or wrong."""


class SourceError(NewsbotError):
    """A source (file, directory, URL) cannot be read at all."""


class StoreUnavailableError(NewsbotError):
    """The vector store cannot be reached or opened."""


class EmbeddingServiceError(StoreUnavailableError):
    """The embedding service (NEWSBOT_EMBEDDING_BACKEND=remote) failed or answered wrongly;
    like the store, a backend the archive cannot work without."""


class EmptyIndexError(NewsbotError):
    """A question was asked before anything was indexed."""


class AnswererError(NewsbotError):
    """The answer backend (e.g. an LLM endpoint) failed."""


class StreamBrokenError(AnswererError):
    """A streamed answer broke off before the model finished it."""


class BackupError(NewsbotError):
    """A backup cannot be written, or a backup folder cannot be restored (corrupt, partial,
    from a newer version, or the target is not empty)."""


class IndexBusyError(NewsbotError):
    """A re-index is already running."""


class QuestionError(NewsbotError):
    """The question cannot be asked as it is (e.g. it is empty)."""

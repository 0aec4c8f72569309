"""The newsbot engine: articles in, cited answers out. Knows nothing of Telegram or the CLI."""

"""Front ends: the Telegram bot and the CLI. Thin: parse, one service call, render."""

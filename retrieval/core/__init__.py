"""The small core every stage shares: records, errors, settings, text analysis, SQLite."""

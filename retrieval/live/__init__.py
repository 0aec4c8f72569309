"""The live archive: feed subscriptions and polls, followed topics and their matches."""

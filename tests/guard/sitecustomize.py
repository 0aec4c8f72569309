"""Run by every Python process whose PYTHONPATH starts with this folder (the tests put it
there for the processes they start): the loopback-only network guard, before any other code."""

import newsbot_loopback_guard

newsbot_loopback_guard.install()

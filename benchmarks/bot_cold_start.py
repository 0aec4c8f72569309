"""Bot start to first answer: `newsbot bot` as a real process against the fake Bot API on
loopback (tests/fakes), with a question already waiting when the process starts.

    python -m benchmarks.bot_cold_start --data-dir INDEX [--runs 3] [--question "…"]

Prints, per run and as medians: process start to the start of polling (its deleteWebhook
call: imports done, model and indexes loaded by `warm_up`), and process start to the answer's
sendMessage.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks.common import cpu_description
from tests.fakes.telegram_server import FakeBotAPI


async def one_run(data_dir: Path, question: str) -> tuple[float, float]:
    api = FakeBotAPI()
    await api.start()
    env = {
        **os.environ,
        "NEWSBOT_TELEGRAM_TOKEN": api.token,
        "NEWSBOT_TELEGRAM_BASE_URL": api.base_url,
        "NEWSBOT_LOG_LEVEL": "WARNING",
    }
    newsbot = Path(sys.executable).with_name("newsbot")
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        str(newsbot), "bot", "--data-dir", str(data_dir), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    message = api.message(question)  # waiting at "Telegram" before the bot is up
    try:
        polled = await api.wait_for(lambda: api.sent("deleteWebhook"), timeout=300)
        answer = await api.wait_for(
            lambda: [
                c
                for c in api.sent("sendMessage", chat_id=message["chat"]["id"])
                if c.params.get("reply_parameters", {}).get("message_id")
                in (None, message["message_id"])
            ],
            timeout=300,
        )
    finally:
        process.terminate()
        _, errors = await process.communicate()
        await api.stop()
    if process.returncode not in (0, -15):
        raise SystemExit(f"the bot failed: {errors.decode()[-2000:]}")
    return polled[0].at - started, answer[0].at - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default="Who won the election?")
    args = parser.parse_args()
    machine = f"{cpu_description()}"
    print(f"`newsbot bot` on {args.data_dir}; {machine}; {date.today()}")
    ready, first = [], []
    for run in range(1, args.runs + 1):
        up, answered = asyncio.run(one_run(args.data_dir, args.question))
        ready.append(up)
        first.append(answered)
        print(f"run {run}: polling after {up:.2f} s, first answer after {answered:.2f} s")
    up, answered = statistics.median(ready), statistics.median(first)
    print(
        f"median: polling after {up:.2f} s, first answer after {answered:.2f} s "
        f"({answered - up:.2f} s after polling began)"
    )


if __name__ == "__main__":
    main()

"""/brief through the fake Bot API on the real engine: the day's and the week's stories ranked
by the outlets that carry them, with "also reported by"; the morning briefing scheduled at the
reader's hour in their timezone, sent once a day in their language, scheduled again after a
restart, dropped for a reader who blocked the bot; /forget deletes it."""

from __future__ import annotations

from datetime import time as day_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.briefs import job_name, send_briefing
from bot.deps import deps_of_app
from bot.telegram_app import build_application
from tests.support.telegram import BotHarness, handled

READER, OTHER = 5, 6
WIRE = (
    "The regional ferry between Saltmere and Kelby Island resumed service on Thursday after a "
    "three-week strike, the operator said. The first crossing carried 240 passengers and the "
    "timetable returns to normal next week, the operator added."
)


def wire_copies(folder: Path) -> Path:
    """One report carried by three outlets (light rewrites), and one by a single outlet."""
    folder.mkdir()
    copies = [
        ("Ferry to Kelby Island resumes after strike", "Coastal Tribune", "2025-06-19", WIRE),
        (
            "Kelby Island ferry back after three-week strike",
            "Metro Wire",
            "2025-06-20",
            WIRE.replace("on Thursday", "on Thursday morning"),
        ),
        (
            "Saltmere ferry resumes",
            "Harborview Herald",
            "2025-06-20",
            WIRE.replace("the operator added", "a spokesman for the operator added"),
        ),
    ]
    for n, (title, outlet, day, text) in enumerate(copies):
        (folder / f"ferry-{n}.md").write_text(
            f"---\ntitle: {title}\nsource: {outlet}\ndate: {day}\n"
            f"url: https://example.org/ferry-{n}\n---\n\n{text}\n"
        )
    (folder / "market.md").write_text(
        "---\ntitle: Night market opens in Saltmere\nsource: Northline News\ndate: 2025-06-20\n"
        "url: https://example.org/market\n---\n\nA night market with forty stalls opened in "
        "Saltmere's old harbour on Friday evening, the town council said. It will run every "
        "weekend until September, the council added.\n"
    )
    return folder


async def say(h: BotHarness, text: str, user_id: int = READER, language: str | None = None) -> str:
    message = h.api.message(text, user_id=user_id, language_code=language)
    await handled(h, message)
    replies = h.api.calls[h.api.pushed_at[message["message_id"]] :]
    texts = [c.text for c in replies if c.method == "sendMessage"]
    return texts[-1] if texts else ""


def at_hour(job: Any) -> tuple[Any, day_time]:
    """The timezone and the time of day a `run_daily` job fires at (its cron trigger)."""
    trigger = job.job.trigger
    fields = {f.name: str(f) for f in trigger.fields}
    return trigger.timezone, day_time(int(fields["hour"]), int(fields["minute"]))


@pytest.fixture
async def briefed(harness: BotHarness, tmp_path: Path) -> BotHarness:
    harness.services.index.sync([wire_copies(tmp_path / "wire")])
    return harness


async def test_the_day_s_stories_ranked_by_outlets_with_also_reported_by(
    briefed: BotHarness,
) -> None:
    text = await say(briefed, "/brief")
    assert text.startswith("<b>Today's biggest stories</b>")
    ferry, market = text.index("ferry between Saltmere"), text.index("night market")
    assert ferry < market  # three outlets before one
    assert '[1] <a href="https://example.org/ferry-0">Ferry to Kelby Island resumes' in text
    assert "also reported by Metro Wire, Harborview Herald" in text
    assert text.count("ferry between Saltmere") == 1  # one line a story, not a line a copy
    week = await say(briefed, "/brief week ferry strike")
    assert week.startswith("<b>This week's biggest stories on “ferry strike”</b>")
    assert "night market" not in week
    russian = await say(briefed, "/brief", language="ru")
    assert russian.startswith("<b>Главные истории дня</b>")
    assert "также сообщили Metro Wire, Harborview Herald" in russian
    none = await say(briefed, "/brief volcano")
    assert "no story on “volcano”" in none


async def test_the_morning_briefing_is_scheduled_sent_once_and_dropped_when_blocked(
    briefed: BotHarness,
) -> None:
    assert "not a time of day" in await say(briefed, "/brief on noon")
    assert "not a timezone" in await say(briefed, "/brief tz Mars/Olympus")
    said = await say(briefed, "/brief on 08:00", language="ru")
    assert "08:00 (UTC)" in said
    said = await say(briefed, "/brief tz Asia/Baku", language="ru")
    assert "08:00 (Asia/Baku)" in said
    [job] = briefed.app.job_queue.get_jobs_by_name(job_name(READER))
    baku = ZoneInfo("Asia/Baku")
    assert at_hour(job) == (baku, day_time(8, 0))
    assert job.next_t.astimezone(baku).time() == day_time(8, 0)
    deps = deps_of_app(briefed.app)
    assert await send_briefing(briefed.app, deps, READER)
    assert not await send_briefing(briefed.app, deps, READER)  # once a day
    [sent] = [c for c in briefed.api.sent(chat_id=READER) if "Главные истории" in c.text]
    assert "ferry between Saltmere" in sent.text  # in the language it was asked for in
    # The job itself, as the scheduler runs it, on the same day: nothing more.
    await job.run(briefed.app)
    assert len([c for c in briefed.api.sent(chat_id=READER) if "Главные" in c.text]) == 1
    # A reader who blocked the bot is dropped with their job.
    await say(briefed, "/brief on 07:30", user_id=OTHER)
    briefed.api.blocked.add(OTHER)
    assert not await send_briefing(briefed.app, deps, OTHER)
    assert deps.services.briefs.subscription(OTHER) is None
    assert briefed.app.job_queue.get_jobs_by_name(job_name(OTHER)) == ()


async def test_briefings_survive_a_restart(briefed: BotHarness) -> None:
    await say(briefed, "/brief on 06:45 ferry")
    assert "06:45 (Europe/London)" in await say(briefed, "/brief tz Europe/London")
    # A bot built again on the same data dir (a restart) schedules the reader's briefing.
    again = build_application(briefed.settings, briefed.services)
    assert again.job_queue is not None
    [job] = again.job_queue.get_jobs_by_name(job_name(READER))
    assert job.data == READER
    assert at_hour(job) == (ZoneInfo("Europe/London"), day_time(6, 45))
    assert "No more morning briefings" in await say(briefed, "/brief off")
    assert deps_of_app(briefed.app).services.briefs.subscribed() == []
    assert briefed.app.job_queue.get_jobs_by_name(job_name(READER)) == ()


async def test_forget_deletes_the_briefing(harness: BotHarness) -> None:
    api = harness.api
    await say(harness, "/brief on 08:00")
    asked = await say(harness, "/forget")
    assert "briefing settings (yes)" in asked
    chat = {"message_id": 7, "date": 0, "chat": {"id": READER, "type": "private"}}
    api.press(f"fgt:yes:{READER}", chat, user_id=READER)
    done = await api.wait_for(
        lambda: [c for c in api.sent("editMessageText") if c.text.startswith("Deleted:")]
    )
    assert "your briefing" in done[0].text
    assert deps_of_app(harness.app).services.briefs.subscription(READER) is None
    assert harness.app.job_queue.get_jobs_by_name(job_name(READER)) == ()
    assert (await say(harness, "/forget")).startswith("I keep nothing of yours")

"""/adapt through the fake Bot API: admins only, progress and a report edited in, versions
listed, a switch back to the original, and readers answered with the adapted model; /adapt
reader likewise for the trained reader."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import jobs
from tests.fakes.telegram_server import FakeBotAPI
from tests.support.telegram import BotHarness, SampleIndex, bot_settings, say, serving

pytestmark = pytest.mark.slow


@pytest.fixture
async def adapting(
    tmp_path: Path, api: FakeBotAPI, sample_index: SampleIndex, made_models_remember: None
) -> AsyncIterator[BotHarness]:
    settings = bot_settings(tmp_path, api, sample_index)
    settings = settings.model_copy(
        update={
            "adapt": settings.adapt.model_copy(
                update={
                    "max_examples": 64,
                    "batch_size": 8,
                    "max_seq_length": 32,
                    "reader_questions": 24,
                    "reader_batch_size": 8,
                    "reader_max_length": 64,
                }
            ),
            "embedding": settings.embedding.model_copy(update={"backend": "torch"}),
        }
    )
    async with serving(settings, api, sample_index) as harness:
        yield harness


async def edited(h: BotHarness, words: str) -> str:
    found = await h.api.wait_for(
        lambda: [c for c in h.api.sent("editMessageText") if words in c.text], timeout=600
    )
    return str(found[-1].text)


async def test_admin_adapts_lists_and_goes_back(
    adapting: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_S", 0.0)
    h = adapting
    assert "only for the archive's admins" in await say(h, "/adapt", user_id=7)
    assert "Usage" not in await say(h, "/adapt list")
    assert "/adapt list" in await say(h, "/adapt frobnicate")  # the usage
    assert "Adapting the model" in await say(h, "/adapt")
    report = await edited(h, "Adapted model in use")
    assert "v1:" in report and "examples" in report and "/adapt use original" in report
    stages = " ".join(c.text for c in h.api.sent("editMessageText"))
    assert "training" in stages and "embedding" in stages  # progress was shown
    assert h.services.index.stats().model.startswith("adapted-v1 of")
    listing = await say(h, "/adapt list")
    assert "▶️ <b>v1</b>" in listing and "• <b>original</b>" in listing
    answer = await say(h, "How many jobs will Corvanta cut?", user_id=31)
    assert "600" in answer and "[1]" in answer

    assert "Switching to v5" in await say(h, "/adapt use v5")
    assert "no adapted model &#x27;v5&#x27;; the versions are: original, v1" in await edited(
        h, "failed"
    )
    assert "Switching to original" in await say(h, "/adapt use original")
    assert "passages re-embedded" in await edited(h, "Now serving with original")
    assert h.services.models.active == "original"
    assert not h.services.index.stats().model.startswith("adapted")


async def test_admin_trains_a_reader_and_goes_back(
    adapting: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_S", 0.0)
    h = adapting
    assert "only for the archive's admins" in await say(h, "/adapt reader", user_id=7)
    assert "Training a reader" in await say(h, "/adapt reader")
    report = await edited(h, "Trained reader in use")
    assert "reader r1:" in report and "/adapt use original" in report
    stages = " ".join(c.text for c in h.api.sent("editMessageText"))
    assert "questions" in stages and "training reader" in stages  # progress was shown
    listing = await say(h, "/adapt list")
    assert "▶️ <b>r1</b>" in listing and "▶️ <b>original</b>" in listing
    answer = await say(h, "How many jobs will Corvanta cut?", user_id=31)
    assert "[1]" in answer
    # The switch is instant: the status may already read as done when the reply is seen.
    await say(h, "/adapt use original")
    assert "Nothing to re-embed." in await edited(h, "Now serving with original")
    assert h.services.models.reader == ""

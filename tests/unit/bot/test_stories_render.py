"""The "also reported by" part of a Telegram source line (issue 36, item 2): escaped, translated,
and cut after five outlets."""

from __future__ import annotations

from datetime import date

import pytest

from bot.render_html import source_line
from bot.texts import texts_in
from retrieval.core.records import Citation


def citation(*others: str) -> Citation:
    return Citation(
        1,
        "a1",
        "Saltmere's new berth",
        "Metro Wire",
        date(2025, 2, 10),
        "https://example.org/a1",
        "quote",
        also_reported_by=others,
    )


def test_the_other_outlets_escaped_and_cut_after_five() -> None:
    english = texts_in("en")
    assert source_line(citation(), english).endswith("— Metro Wire, 10 Feb 2025")
    line = source_line(citation("Coastal Times", "R&D <News>"), english)
    assert line.endswith(" · also reported by Coastal Times, R&amp;D &lt;News&gt;")
    many = source_line(citation(*(f"Outlet {n}" for n in range(1, 8))), english)
    assert many.endswith(
        " · also reported by Outlet 1, Outlet 2, Outlet 3, Outlet 4, Outlet 5, … +2"
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [("ru", " · также сообщили Coastal Times"), ("az", " · həmçinin yazıb: Coastal Times")],
)
def test_the_other_outlets_in_the_readers_language(language: str, said: str) -> None:
    assert source_line(citation("Coastal Times"), texts_in(language)).endswith(said)

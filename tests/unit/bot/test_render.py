from __future__ import annotations

import html
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render_html import render_answer, render_quotes, split_html, strip_tags
from bot.texts import texts_in
from retrieval.core.records import Answer, Citation
from tests.fakes.telegram_server import check_html

CITATION = Citation(
    1,
    "a1",
    "Tom & Jerry <live>",
    "Herald",
    date(2025, 3, 14),
    "https://e.org/x?a=1&b=2",
    'He said "<hi>" & left.',
)


def test_answer_html_is_escaped_and_has_a_sources_footer() -> None:
    answer = Answer("Prices < 5 & rising [1].", [CITATION])
    text = render_answer(answer)
    assert text.startswith("Prices &lt; 5 &amp; rising [1].\n\n<b>Sources</b>\n")
    assert (
        '[1] <a href="https://e.org/x?a=1&amp;b=2">Tom &amp; Jerry &lt;live&gt;</a> — '
        "Herald, 14 Mar 2025"
    ) in text
    assert check_html(text)[0] == ""
    quotes = render_quotes([CITATION], texts_in("en"))
    assert (
        "<blockquote expandable>He said &quot;&lt;hi&gt;&quot; &amp; left.</blockquote>" in quotes
    )
    assert check_html(quotes)[0] == ""


word = st.text(alphabet="abcxyz<>&\"' éß€", min_size=1, max_size=12)
fragment = st.one_of(
    word.map(html.escape),
    word.map(lambda w: f"<b>{html.escape(w)}</b>"),
    word.map(lambda w: f'<a href="https://e.org/{len(w)}">{html.escape(w)}</a>'),
    word.map(lambda w: f"<blockquote expandable>{html.escape(w)} {html.escape(w)}</blockquote>"),
    st.just("\n\n"),
    st.just("\n"),
    st.just(" "),
)


@settings(max_examples=150)
@given(parts=st.lists(fragment, min_size=1, max_size=400), limit=st.integers(60, 400))
def test_split_html_respects_limit_tags_and_entities(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    pieces = split_html(text, limit)
    for piece in pieces:
        assert len(piece) <= limit
        error, _ = check_html(piece)
        assert error == "", (piece, error)
        assert "&" not in piece.replace("&amp;", "").replace("&lt;", "").replace(
            "&gt;", ""
        ).replace("&quot;", "").replace("&#x27;", "")
    # Nothing visible is lost or reordered (white space aside).
    assert "".join("".join(strip_tags(p).split()) for p in pieces) == "".join(
        strip_tags(text).split()
    )

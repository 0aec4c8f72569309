"""The fake Bot API's HTML check is as strict as Telegram's HTML parse mode: every form Telegram
refuses is refused (over HTTP too, as a 400 "can't parse entities"), every form it documents is
accepted. The bot tests trust this check to catch a missing `html.escape`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.telegram_server import FakeBotAPI, check_html

ACCEPTED = {
    "plain text": ("plain text", "plain text"),
    "the four named entities": ("&lt;b&gt; &amp; &quot;x&quot;", '<b> & "x"'),
    "a named entity without its semicolon": ("1 &lt 2", "1 < 2"),
    "decimal and hex numeric entities": ("&#39;&#x27;&#8212;", "''—"),
    "a bare >": ("a > b", "a > b"),
    "bold, italic, underline, strike": (
        "<b>1</b><strong>2</strong><i>3</i><em>4</em><u>5</u><ins>6</ins>"
        "<s>7</s><strike>8</strike><del>9</del>",
        "123456789",
    ),
    "nested tags": ("<b>bold <i>both</i></b>", "bold both"),
    "a link with an escaped query": ('<a href="https://e.org/?a=1&amp;b=2">x</a>', "x"),
    "a link in single quotes": ("<a href='https://e.org/'>x</a>", "x"),
    "a spoiler span": ('<span class="tg-spoiler">s</span>', "s"),
    "a spoiler tag": ("<tg-spoiler>s</tg-spoiler>", "s"),
    "a custom emoji": ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    "code": ("<code>x = 1</code>", "x = 1"),
    "pre": ("<pre>x = 1</pre>", "x = 1"),
    "pre with a language": ('<pre><code class="language-python">x</code></pre>', "x"),
    "a blockquote": ("<blockquote>q</blockquote>", "q"),
    "an expandable blockquote": ("<blockquote expandable>q</blockquote>", "q"),
    "upper-case tag names": ("<B>x</B>", "x"),
}

REFUSED = {
    "a bare <": ("1 < 2", 'Unsupported start tag ""'),
    "a bare & before a space": ("Tom & Jerry", 'unescaped "&"'),
    "a bare & before a word": ("AT&T", 'unescaped "&"'),
    "an unknown named entity": ("a&nbsp;b", 'unescaped "&"'),
    "a numeric entity out of range": ("&#1114112;", 'unescaped "&"'),
    "an empty numeric entity": ("&#;", 'unescaped "&"'),
    "a bare & in a link": ('<a href="https://e.org/?a=1&b=2">x</a>', 'unescaped "&"'),
    "an unsupported tag": ("<p>x</p>", 'Unsupported start tag "p"'),
    "a line break tag": ("a<br>b", 'Unsupported start tag "br"'),
    "a text in angle brackets": ("<hi>", 'Unsupported start tag "hi"'),
    "an attribute Telegram ignores": ('<a href="https://e.org/" title="t">x</a>', '"title"'),
    "an attribute on bold": ('<b class="x">y</b>', 'Unsupported attribute "class"'),
    "a span that is no spoiler": ("<span>s</span>", 'Tag "span" must have class "tg-spoiler"'),
    "a span of another class": ('<span class="big">s</span>', 'must have class "tg-spoiler"'),
    "a language on code alone": ('<code class="language-python">x</code>', 'only inside "pre"'),
    "a class on code that is no language": ('<pre><code class="x">y</code></pre>', "language"),
    "a custom emoji without its id": ("<tg-emoji>👍</tg-emoji>", '"emoji-id"'),
    "a tag left open": ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    "tags closed out of order": ("<b><i>x</b></i>", "Unmatched end tag at byte offset 7"),
    "an end tag never opened": ("x</b>", "Unexpected end tag at byte offset 1"),
    "a start tag cut off": ("x <b", "Unclosed start tag at byte offset 2"),
    "an end tag cut off": ("<b>x</b", "Unclosed end tag at byte offset 4"),
    "a quoted value cut off": ('<a href="https://e.org/>x</a>', "Unclosed start tag"),
}


@pytest.mark.parametrize(("text", "visible"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_html_telegram_accepts_is_accepted(text: str, visible: str) -> None:
    assert check_html(text) == ("", visible)


@pytest.mark.parametrize(("text", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_html_telegram_refuses_is_refused(text: str, reason: str) -> None:
    error, _ = check_html(text)
    assert reason in error, error


def test_offsets_are_utf8_bytes_as_telegram_counts_them() -> None:
    assert check_html("ёж & x")[0].endswith("at byte offset 5")


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


async def _send(api: FakeBotAPI, method: str, params: dict[str, Any]) -> tuple[int, Any]:
    url = f"{api.base_url}{api.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, json=params) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("method", ["sendMessage", "editMessageText"])
async def test_refused_html_is_a_400_like_telegrams(server: FakeBotAPI, method: str) -> None:
    params = {"chat_id": 5, "text": "Tom & Jerry", "parse_mode": "HTML", "message_id": 9}
    status, body = await _send(server, method, params)
    assert status == 400 and body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert server.sent(method) == [] and len(server.sent(method + ":rejected")) == 1
    # The same text without a parse mode is plain text, and goes through.
    status, body = await _send(server, method, {**params, "parse_mode": None})
    assert status == 200 and body["result"]["text"] == "Tom & Jerry"


async def test_accepted_html_is_sent_and_read_as_telegram_shows_it(server: FakeBotAPI) -> None:
    text = '<b>Tom &amp; Jerry</b> <a href="https://e.org/?a=1&amp;b=2">&lt;live&gt;</a>'
    status, body = await _send(server, "sendMessage", {"chat_id": 5, "text": text,
                                                       "parse_mode": "HTML"})  # fmt: skip
    assert status == 200 and body["result"]["text"] == "Tom & Jerry <live>"
    assert [c.text for c in server.sent()] == [text]


async def test_refused_caption_and_inline_result(server: FakeBotAPI) -> None:
    status, body = await _send(
        server, "sendPhoto", {"chat_id": 5, "caption": "<p>x</p>", "parse_mode": "HTML"}
    )
    assert status == 400 and "can't parse entities: Unsupported start tag" in body["description"]
    result = {
        "type": "article",
        "id": "1",
        "title": "t",
        "input_message_content": {"message_text": "a < b", "parse_mode": "HTML"},
    }
    status, body = await _send(
        server, "answerInlineQuery", {"inline_query_id": "1", "results": [result]}
    )
    assert status == 400 and "can't parse entities" in body["description"]

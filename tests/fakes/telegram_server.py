"""A fake Telegram Bot API server on loopback (aiohttp), so the real python-telegram-bot stack,
HTTP included, can be driven in tests. It keeps what the bot sent, refuses HTML that Telegram's
HTML parse mode refuses (400 "can't parse entities": see `parse_html`) and text over 4,096
characters, and can answer 429."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 777000
BOT_USERNAME = "newsbot_test_bot"
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
        "span",
        "tg-emoji",
    }
)
# The only attributes Telegram reads, by tag (it ignores others; here they are errors, since a
# bot that sends them meant something Telegram will not do). `expandable` takes no value.
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "span": {"class"},
    "tg-emoji": {"emoji-id"},
    "code": {"class"},
    "blockquote": {"expandable"},
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlError(ValueError):
    """Why Telegram's HTML parse mode refuses a text (the part after "can't parse entities: ")."""


def _offset(text: str, index: int) -> int:
    """Telegram reports positions as byte offsets into the UTF-8 text."""
    return len(text[:index].encode())


def _entity(text: str, index: int) -> tuple[str, int] | None:
    """The character an entity at `index` (an "&") stands for, and where it ends: only the
    four named entities Telegram knows and numeric ones (tdlib's decode_html_entity)."""
    end = index + 1
    if text.startswith("#", end):
        end += 1
        hexadecimal = text.startswith("x", end)
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(text) and text[end] in digits:
            end += 1
        if end == start or end - index >= 10:
            return None
        code = int(text[start:end], 16 if hexadecimal else 10)
        if not 0 < code < 0x10FFFF:
            return None
        character = chr(code)
    else:
        start = end
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        if text[start:end] not in NAMED_ENTITIES:
            return None
        character = NAMED_ENTITIES[text[start:end]]
    return character, end + 1 if text.startswith(";", end) else end


def _attributes(text: str, index: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """The attributes of a start tag from `index` up to its ">", and the index after it."""
    attributes: dict[str, str] = {}
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            raise HtmlError(f"Unclosed start tag at byte offset {_offset(text, begin)}")
        if text[index] == ">":
            return attributes, index + 1
        name_start = index
        while index < len(text) and not text[index].isspace() and text[index] not in "=>":
            index += 1
        name = text[name_start:index].lower()
        while index < len(text) and text[index].isspace():
            index += 1
        value = ""
        if text.startswith("=", index):
            index += 1
            while index < len(text) and text[index].isspace():
                index += 1
            if index >= len(text):
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {_offset(text, begin)}')
            quote = text[index]
            if quote in "\"'":
                close = text.find(quote, index + 1)
                if close < 0:
                    raise HtmlError(f"Unclosed start tag at byte offset {_offset(text, begin)}")
                value = _decode(text[index + 1 : close], text, index + 1)
                index = close + 1
            else:  # a name token: letters, digits, periods, hyphens
                token_start = index
                while index < len(text) and (text[index].isalnum() or text[index] in ".-"):
                    index += 1
                value = text[token_start:index].lower()
                if index < len(text) and not text[index].isspace() and text[index] != ">":
                    raise HtmlError(
                        f"Unexpected end of name token at byte offset {_offset(text, token_start)}"
                    )
        if name not in ALLOWED_ATTRIBUTES.get(tag, set()):
            raise HtmlError(
                f'Unsupported attribute "{name}" in the tag "{tag}" at byte offset '
                f"{_offset(text, begin)}"
            )
        attributes[name] = value


def _decode(part: str, text: str, base: int) -> str:
    """Text between tags (or an attribute's value) with its entities decoded; a bare "<" or
    "&", or an entity Telegram does not know, is an error."""
    out: list[str] = []
    index = 0
    while index < len(part):
        character = part[index]
        if character == "<":
            raise HtmlError(f'Unescaped "<" at byte offset {_offset(text, base + index)}')
        if character == "&":
            decoded = _entity(part, index)
            if decoded is None:
                raise HtmlError(
                    f'Unsupported entity or unescaped "&" at byte offset '
                    f"{_offset(text, base + index)}"
                )
            character, index = decoded
            out.append(character)
            continue
        out.append(character)
        index += 1
    return "".join(out)


def _check_start_tag(tag: str, attributes: dict[str, str], stack: list[str], at: int) -> None:
    if tag == "span" and attributes.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    if (
        "class" in attributes
        and tag == "code"
        and (not attributes["class"].startswith("language-") or stack[-1:] != ["pre"])
    ):
        raise HtmlError(
            f'Tag "code" takes a class "language-…" only inside "pre", at byte offset {at}'
        )
    if tag == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        raise HtmlError(f'Tag "tg-emoji" must have an "emoji-id" at byte offset {at}')


def parse_html(text: str) -> str:
    """The visible text of `text` under Telegram's HTML parse mode, or HtmlError: only the
    supported tags, each closed in order; attributes only where Telegram reads them; entities
    only &lt; &gt; &amp; &quot; and numeric ones; every other "<" and "&" escaped. (Telegram
    itself keeps a stray "&" or an unknown entity as literal text, which readers then see as
    "&nbsp;": its documentation says they must be escaped, and here that is enforced.)"""
    visible: list[str] = []
    stack: list[str] = []
    index = 0
    while index < len(text):
        tag_at = text.find("<", index)
        if tag_at < 0:
            visible.append(_decode(text[index:], text, index))
            break
        visible.append(_decode(text[index:tag_at], text, index))
        at = _offset(text, tag_at)
        if text.startswith("</", tag_at):
            close = text.find(">", tag_at)
            if close < 0:
                raise HtmlError(f"Unclosed end tag at byte offset {at}")
            name = text[tag_at + 2 : close].strip().lower()
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {at}")
            if name and name != stack[-1]:
                raise HtmlError(
                    f'Unmatched end tag at byte offset {at}, expected "</{stack[-1]}>", '
                    f'found "</{name}>"'
                )
            stack.pop()
            index = close + 1
            continue
        name_end = tag_at + 1
        while name_end < len(text) and not text[name_end].isspace() and text[name_end] != ">":
            name_end += 1
        if name_end >= len(text):
            raise HtmlError(f"Unclosed start tag at byte offset {at}")
        tag = text[tag_at + 1 : name_end].lower()
        if tag not in ALLOWED_TAGS:
            raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {at}')
        attributes, index = _attributes(text, name_end, tag, tag_at)
        _check_start_tag(tag, attributes, stack, at)
        stack.append(tag)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(visible)


def check_html(text: str) -> tuple[str, str]:
    """(error or "", visible text)."""
    try:
        return "", parse_html(text)
    except HtmlError as error:
        return str(error), ""


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))


class FakeBotAPI:
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.calls: list[Sent] = []
        self.files: dict[str, bytes] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self._fail_next: dict[str, tuple[int, int]] = {}  # method -> (status, retry_after)
        # method -> faults still to inject, each before the call is processed or recorded:
        # "429", "500", "timeout" (no answer for `stall_s`), "drop" (connection closed), or
        # "ok" (processed as usual: spaces faults out).
        self.faults: dict[str, list[str]] = {}
        self.faults_injected: list[tuple[str, str]] = []
        self.stall_s = 6.0  # past python-telegram-bot's 5 s read timeout
        self.reject_html_once = False
        # Every 400 the fake answered, but those the test forced: (method, reason). A bot test
        # fails at its end if any is left (see tests/support/telegram.py's `api`).
        self.refusals: list[tuple[str, str]] = []
        self.blocked: set[int] = set()  # chats whose user blocked the bot: sends get 403
        self.pushed_at: dict[int, int] = {}  # message id -> len(calls) when it arrived
        self.update_of: dict[int, int] = {}  # message id -> the update that carried it
        self.runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner:
            # A long poll the stopped bot left waiting answers now (no updates), instead of at
            # its timeout: the server's clean-up waits for every request it is still handling.
            self._new_update.set()
            await self.runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests do ----------------------------------------------------------------------
    def fail_next(self, method: str, retry_after: int = 1) -> None:
        self._fail_next[method] = (429, retry_after)

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        if "message" in update:
            self.update_of[update["message"]["message_id"]] = update["update_id"]
        self._updates.append(update)
        self._new_update.set()
        return update

    def message(
        self,
        text: str,
        *,
        user_id: int = 1,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: dict[str, Any] | None = None,
        thread_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
        document: dict[str, Any] | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        chat_id = chat_id if chat_id is not None else user_id
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Newsroom"
            if thread_id:
                chat["is_forum"] = True
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(user_id, language_code),
        }
        if document is not None:
            message["document"] = document
            if text:
                message["caption"] = text
        else:
            message["text"] = text
        if text.startswith("/") and document is None:
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if thread_id:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        self.pushed_at[message["message_id"]] = len(self.calls)
        return self._push({"message": message})["message"]

    def mention(self, question: str, **kwargs: Any) -> dict[str, Any]:
        text = f"@{BOT_USERNAME} {question}"
        return self.message(
            text,
            entities=[{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}],
            **kwargs,
        )

    def document(
        self, name: str, content: bytes, *, user_id: int = 1, declared_size: int | None = None
    ) -> dict[str, Any]:
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = content
        return self.message(
            "",
            user_id=user_id,
            document={
                "file_id": file_id,
                "file_unique_id": file_id + "u",
                "file_name": name,
                "file_size": declared_size if declared_size is not None else len(content),
            },
        )

    def inline(self, text: str, *, user_id: int = 1, language_code: str | None = None) -> str:
        """An inline query (`@bot text` typed in any chat); its id, which the answer names."""
        query_id = str(next(self._message_ids))
        self._push(
            {
                "inline_query": {
                    "id": query_id,
                    "from": _user(user_id, language_code),
                    "query": text,
                    "offset": "",
                    "chat_type": "sender",
                }
            }
        )
        return query_id

    def press(
        self,
        data: str,
        message: dict[str, Any],
        *,
        user_id: int = 1,
        language_code: str | None = None,
    ) -> None:
        self._push(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "chat_instance": "ci",
                    "data": data,
                    "from": _user(user_id, language_code),
                    "message": message,
                }
            }
        )

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Sent]:
        return [
            c
            for c in self.calls
            if c.method == method
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"timed out; calls were: {[(c.method, c.text[:60]) for c in self.calls]}"
        )

    # -- the API ----------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):  # an upload (sendPhoto's photo): its bytes
                params[key] = value.file.read()
                continue
            if isinstance(value, str) and value[:1] in "[{" and key != "text":
                try:
                    params[key] = json.loads(value)
                    continue
                except json.JSONDecodeError:
                    pass
            params[key] = value
        return params

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def _error(self, status: int, description: str, **extra: Any) -> web.Response:
        payload = {"ok": False, "error_code": status, "description": description, **extra}
        return web.json_response(payload, status=status)

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Newsbot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, params: dict[str, Any], text: str) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": self._bot_user(),
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
            message["is_topic_message"] = True
        return message

    def _rejected(
        self, method: str, params: dict[str, Any], reason: str, *, forced: bool = False
    ) -> web.Response:
        """A 400 as Telegram sends it; the call is recorded as rejected, not as sent."""
        self.calls[-1] = Sent(method + ":rejected", params)
        if not forced:
            self.refusals.append((method, reason))
        return self._error(400, f"Bad Request: {reason}")

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        pending = self.faults.get(method)
        if pending:
            fault = pending.pop(0)
            if fault != "ok":
                self.faults_injected.append((method, fault))
            if fault == "429":
                return self._error(
                    429, "Too Many Requests: retry after 1", parameters={"retry_after": 1}
                )
            if fault == "500":
                return self._error(500, "Internal Server Error")
            if fault == "timeout":
                await asyncio.sleep(self.stall_s)
                return self._error(500, "Internal Server Error")
            if fault == "drop" and request.transport is not None:
                request.transport.close()
                return web.Response(status=500)
        if method != "getUpdates":
            self.calls.append(Sent(method, params))
        if method in self._fail_next:
            status, retry_after = self._fail_next.pop(method)
            # Recorded as refused: only a call sent again after the wait counts as sent.
            self.calls[-1] = Sent(f"{method}:{status}", params)
            return self._error(
                status,
                f"Too Many Requests: retry after {retry_after}",
                parameters={"retry_after": retry_after},
            )
        if method == "getMe":
            return self._ok(self._bot_user())
        if method in (
            "deleteWebhook",
            "setMyCommands",
            "sendChatAction",
            "answerCallbackQuery",
            "setWebhook",
        ):
            return self._ok(True)
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage" and int(params.get("chat_id", 0)) in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if method in ("sendMessage", "editMessageText"):
            text = str(params.get("text", ""))
            visible = text
            if params.get("parse_mode") == "HTML":
                error, visible = check_html(text)
                forced = self.reject_html_once and not error
                if self.reject_html_once:
                    self.reject_html_once = False
                    error = error or "forced by the test"
                if error:
                    return self._rejected(
                        method, params, f"can't parse entities: {error}", forced=forced
                    )
            if len(visible) > 4096:
                return self._rejected(method, params, "message is too long")
            return self._ok(self._message(params, visible))
        if method == "sendPhoto":
            caption = str(params.get("caption", ""))
            if params.get("parse_mode") == "HTML":
                error, caption = check_html(caption)
                if error:
                    return self._rejected(method, params, f"can't parse entities: {error}")
            if len(caption) > 1024:
                return self._rejected(method, params, "message caption is too long")
            message = self._message({**params, "text": ""}, "")
            message["caption"] = caption
            message["photo"] = [{"file_id": "p1", "file_unique_id": "p1u", "width": 800,
                                 "height": 600}]  # fmt: skip
            return self._ok(message)
        if method == "answerInlineQuery":
            # Each result's message as Telegram would parse it: HTML checked as for sendMessage.
            results = params.get("results", [])
            for result in json.loads(results) if isinstance(results, str) else results:
                content = result.get("input_message_content", {})
                if content.get("parse_mode") == "HTML":
                    error, _ = check_html(str(content.get("message_text", "")))
                    if error:
                        return self._rejected(method, params, f"can't parse entities: {error}")
            return self._ok(True)
        if method == "getFile":
            file_id = str(params["file_id"])
            if file_id not in self.files:
                return self._error(400, "Bad Request: invalid file_id")
            return self._ok(
                {
                    "file_id": file_id,
                    "file_unique_id": file_id + "u",
                    "file_size": len(self.files[file_id]),
                    "file_path": f"documents/{file_id}",
                }
            )
        return self._error(404, f"Not Found: method {method} is not faked")

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return self._ok(list(self._updates))

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])


def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
    """A Telegram user; `language_code` is what their app is set to ("ru", "en-GB")."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    if language_code:
        user["language_code"] = language_code
    return user

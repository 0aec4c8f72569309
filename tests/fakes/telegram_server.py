"""A fake Telegram Bot API server on loopback (aiohttp), so the real python-telegram-bot stack,
HTTP included, can be driven in tests. It keeps what the bot sent, validates HTML the way
Telegram does (balanced, allowed tags; 4,096 characters of text), and can answer 429."""

from __future__ import annotations

import asyncio
import contextlib
import html.parser
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 777000
BOT_USERNAME = "newsbot_test_bot"
ALLOWED_TAGS = {
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


class _HtmlChecker(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error = ""
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'unexpected end tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(text: str) -> tuple[str, str]:
    """(error or "", visible text)."""
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if not checker.error and checker.stack:
        checker.error = f'can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if "<" in "".join(checker.text) and not checker.error:
        pass
    return checker.error, "".join(checker.text)


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

    def _rejected(self, method: str, params: dict[str, Any], reason: str) -> web.Response:
        """A 400 as Telegram sends it; the call is recorded as rejected, not as sent."""
        self.calls[-1] = Sent(method + ":rejected", params)
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
                if self.reject_html_once:
                    self.reject_html_once = False
                    error = error or "forced by the test"
                if error:
                    return self._rejected(method, params, f"can't parse entities: {error}")
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

"""A local Slack Web API emulator: a real aiohttp server on 127.0.0.1 that records every
call and answers like Slack, for the tests and for ``python app.py demo``.

Point slack_sdk at it with ``WebClient(token=..., base_url=emulator.base_url)`` (the
``SLACK_API_BASE_URL`` setting). It understands JSON bodies, form bodies and query
strings, checks the bot token, keeps channels, messages, thread replies, ephemeral
messages, direct messages, modals and App Home views, enforces Slack's per-channel
posting rate (HTTP 429 with ``Retry-After``) when asked to, lets a test inject failures
(including "ambiguous" ones where the effect happens but the caller sees an error), and
renders a channel as a person would read it.

Use it from async code (``await emu.start()`` / ``await emu.stop()``, or ``async with``)
or from sync code (``emu.start_background()`` / ``emu.stop_background()``, or ``with``):
the latter runs the server on its own event loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

__all__ = [
    "Call",
    "Channel",
    "Failure",
    "Message",
    "SlackEmulator",
    "block_actions_body",
    "flatten_blocks",
    "mrkdwn_to_text",
    "slash_command_body",
]

DEFAULT_TOKEN = "xoxb-emulator-token"  # noqa: S105 - not a secret: the emulator's own token

# Block Kit limits the emulator enforces (so the builders' truncation is tested).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_MESSAGE_TEXT = 40000


_T = TypeVar("_T")


def _page(params: dict[str, Any], items: list[_T]) -> tuple[list[_T], str]:
    """One page of a cursor-paged listing: the emulator's cursor is the next offset."""
    limit = int(params.get("limit") or 100)
    cursor = str(params.get("cursor") or "")
    start = int(cursor) if cursor.isdigit() else 0
    more = start + limit < len(items)
    return items[start : start + limit], str(start + limit) if more else ""


@dataclass
class Call:
    """One recorded Web API call."""

    method: str
    params: dict[str, Any]
    token: str | None
    http_method: str
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edited: bool = False
    deleted: bool = False
    replies: list[Message] = field(default_factory=list)

    def as_json(self, *, with_metadata: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
        }
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.replies:
            out["reply_count"] = len([r for r in self.replies if not r.deleted])
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


@dataclass
class Channel:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    is_im: bool = False
    is_ext_shared: bool = False
    is_shared: bool = False
    is_org_shared: bool = False
    bot_is_member: bool = True
    messages: list[Message] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_im and not self.is_private,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private or self.is_im,
            "is_archived": False,
            "is_shared": self.is_shared or self.is_ext_shared,
            "is_ext_shared": self.is_ext_shared,
            "is_org_shared": self.is_org_shared,
            "is_pending_ext_shared": False,
            "is_member": self.bot_is_member,
            "num_members": len(self.members),
        }


@dataclass
class Failure:
    """An injected failure for the next ``times`` calls of ``method`` (optionally only
    those naming ``channel``). ``status`` other than 200 answers with that HTTP status;
    ``apply=True`` performs the call's effect first (an ambiguous failure: the message is
    posted but the caller sees an error); ``delay`` sleeps before answering."""

    method: str
    error: str = "internal_error"
    status: int = 200
    times: int = 1
    apply: bool = False
    channel: str | None = None
    delay: float = 0.0
    retry_after: int | None = None


class SlackApiFailure(Exception):
    """Raised inside a method implementation to answer ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


class SlackEmulator:
    """The emulator. ``base_url`` is ``http://127.0.0.1:PORT/api/`` once started."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        team_id: str = "T0EMULATOR",
        team_name: str = "Countersign Demo",
        bot_user_id: str = "U0COUNTERSIGN",
        bot_id: str = "B0COUNTERSIGN",
        bot_name: str = "countersign",
        rate_limit_interval: float | None = None,
        rate_limit_burst: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
        validate_blocks: bool = True,
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        # Per-channel chat.postMessage rate: ``rate_limit_burst`` messages, then one every
        # ``rate_limit_interval`` seconds (None = unlimited).
        self.rate_limit_interval = rate_limit_interval
        self.rate_limit_burst = rate_limit_burst
        self.validate_blocks = validate_blocks
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self.calls: list[Call] = []
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.view_stack: dict[str, list[str]] = {}  # trigger/root -> stacked view ids
        self.home: dict[str, dict[str, Any]] = {}
        self.expired_triggers: set[str] = set()
        self._failures: list[Failure] = []
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, last)
        self._seq = itertools.count(1)
        self._ts_base = int(time.time())
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self.add_user(bot_user_id, bot_name, is_bot=True)

    # ---------------------------------------------------------------- configuration

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the emulator is not running")
        return f"http://127.0.0.1:{self.port}/api/"

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        members: Iterable[str] = (),
        is_private: bool = False,
        is_ext_shared: bool = False,
        bot_is_member: bool = True,
    ) -> Channel:
        with self._lock:
            ch = Channel(
                id=channel_id,
                name=name or channel_id.lower(),
                members=set(members),
                is_private=is_private,
                is_ext_shared=is_ext_shared,
                is_shared=is_ext_shared,
                bot_is_member=bot_is_member,
            )
            if bot_is_member:
                ch.members.add(self.bot_user_id)
            self.channels[channel_id] = ch
            return ch

    def set_ext_shared(self, channel_id: str, value: bool = True) -> None:
        with self._lock:
            ch = self.channels[channel_id]
            ch.is_ext_shared = value
            ch.is_shared = value

    def set_members(self, channel_id: str, members: Iterable[str]) -> None:
        with self._lock:
            ch = self.channels[channel_id]
            ch.members = set(members)
            if ch.bot_is_member:
                ch.members.add(self.bot_user_id)

    def add_member(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            self.channels[channel_id].members.add(user_id)

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        team_id: str | None = None,
        is_bot: bool = False,
        is_stranger: bool = False,
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real_name or name,
            "is_bot": is_bot,
            "deleted": False,
            "is_stranger": is_stranger,
            "profile": {
                "display_name": name,
                "real_name": real_name or name,
                "team": team_id or self.team_id,
            },
        }
        with self._lock:
            self.users[user_id] = user
        return user

    def fail(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 200,
        times: int = 1,
        apply: bool = False,
        channel: str | None = None,
        delay: float = 0.0,
        retry_after: int | None = None,
    ) -> Failure:
        """Make the next ``times`` calls of ``method`` fail (see ``Failure``)."""
        failure = Failure(method, error, status, times, apply, channel, delay, retry_after)
        with self._lock:
            self._failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def reset_rate_limits(self) -> None:
        with self._lock:
            self._buckets.clear()

    # ---------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        """Top-level messages of a channel, oldest first."""
        with self._lock:
            ch = self.channels.get(channel)
            if ch is None:
                return []
            return [m for m in ch.messages if include_deleted or not m.deleted]

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        with self._lock:
            parent = self._find(channel, thread_ts)
            if parent is None:
                return []
            return [r for r in parent.replies if not r.deleted]

    def all_messages(self, channel: str) -> list[Message]:
        """Every message of a channel, thread replies included, oldest first."""
        with self._lock:
            out: list[Message] = []
            for m in self.messages(channel):
                out.append(m)
                out.extend(r for r in m.replies if not r.deleted)
            return out

    def message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            return self._find(channel, ts)

    def ephemerals_for(self, user: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.ephemerals if e["user"] == user]

    def dm_channel(self, user: str) -> str:
        return f"D{user}"

    def dms(self, user: str) -> list[Message]:
        return self.all_messages(self.dm_channel(user))

    def channel_text(self, channel: str) -> str:
        """Everything visible in the channel (threads included), flattened, for asserts."""
        with self._lock:
            parts = []
            for m in self.all_messages(channel):
                parts.append(m.text)
                parts.append(flatten_blocks(m.blocks, self.users))
            return "\n".join(parts)

    def raw_channel_payloads(self, channel: str) -> str:
        """The raw text and blocks JSON posted to a channel (nothing decoded), for
        asserting that something never reached it."""
        with self._lock:
            parts = []
            for c in self.calls:
                if c.method in ("chat.postMessage", "chat.update") and (
                    c.params.get("channel") == channel
                ):
                    parts.append(json.dumps(c.params, ensure_ascii=False))
            return "\n".join(parts)

    # ---------------------------------------------------------------- transcript

    def render_channel(self, channel: str) -> str:
        """The channel as a person would read it: parent messages with their thread
        replies indented below, blocks flattened to text, entities decoded."""
        with self._lock:
            ch = self.channels.get(channel)
            if ch is None:
                return f"(no channel {channel})"
            title = "#" + ch.name if not ch.is_im else "direct messages"
            lines = [f"=== {title} ({channel}) ==="]
            for m in ch.messages:
                if m.deleted:
                    lines.append("")
                    lines.append("  (This message was deleted.)")
                    continue
                lines.append("")
                lines.extend(self._render_message(m, indent=""))
                visible = [r for r in m.replies if not r.deleted]
                if visible:
                    n = len(visible)
                    lines.append(f"    ┆ {n} {'reply' if n == 1 else 'replies'}")
                for r in visible:
                    lines.extend(self._render_message(r, indent="    ┆ "))
            return "\n".join(lines) + "\n"

    def render_ephemerals(self, user: str) -> str:
        with self._lock:
            name = self.users.get(user, {}).get("name", user)
            lines = [f"=== only visible to @{name} ==="]
            for e in self.ephemerals_for(user):
                body = flatten_blocks(e.get("blocks") or [], self.users) or mrkdwn_to_text(
                    e.get("text") or "", self.users
                )
                lines.append("")
                lines.extend(body.splitlines())
            return "\n".join(lines) + "\n"

    def _render_message(self, m: Message, indent: str) -> list[str]:
        who = self.users.get(m.user, {}).get("name", m.user)
        edited = " (edited)" if m.edited else ""
        head = f"{indent}{who} [APP]{edited}"
        body = flatten_blocks(m.blocks, self.users) if m.blocks else ""
        if not body.strip():
            body = mrkdwn_to_text(m.text, self.users)
        out = [head]
        out.extend(f"{indent}  {line}" if line else indent.rstrip() for line in body.splitlines())
        return out

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> str:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await self._site.start()
        server = self._site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._site = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start_background(self) -> str:
        """Run the server on its own event loop in a daemon thread (for sync callers)."""
        if self._thread is not None:
            return self.base_url
        self._ready.clear()
        error: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # report to the starting thread
                error.append(exc)
                self._ready.set()
                return
            self._ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="slack-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if error:
            self._thread = None
            raise error[0]
        return self.base_url

    def stop_background(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> SlackEmulator:
        self.start_background()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_background()

    # ---------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        token: str | None = None
        if request.can_read_body:
            ctype = request.content_type
            raw = await request.read()
            if ctype == "application/json":
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    return self._reply(method, params, None, request.method, 200, "invalid_json")
                if isinstance(body, dict):
                    params.update(body)
            elif ctype == "multipart/form-data":
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
            else:
                params.update(dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)))
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        token = token or params.pop("token", None)
        params.pop("token", None)
        for key in ("blocks", "attachments", "metadata", "view", "users"):
            value = params.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass

        failure = self._take_failure(method, params)
        if failure is not None and failure.delay:
            await asyncio.sleep(failure.delay)

        if not token:
            return self._reply(method, params, token, request.method, 200, "not_authed")
        if token != self.token:
            return self._reply(method, params, token, request.method, 200, "invalid_auth")

        if failure is not None and not failure.apply:
            return self._reply_failure(method, params, token, request.method, failure)

        if method == "chat.postMessage":
            wait = self._rate_wait(str(params.get("channel", "")))
            if wait is not None:
                call = self._record(
                    method,
                    params,
                    token,
                    request.method,
                    429,
                    {"ok": False, "error": "ratelimited"},
                )
                return web.json_response(
                    call.response,
                    status=429,
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )

        impl = getattr(self, "_api_" + method.replace(".", "_"), None)
        if impl is None:
            return self._reply(method, params, token, request.method, 200, "unknown_method")
        try:
            with self._lock:
                result = impl(params)
        except SlackApiFailure as exc:
            return self._reply(
                method, params, token, request.method, 200, exc.code, extra=exc.extra
            )
        if failure is not None:  # apply=True: the effect happened, the caller sees an error
            return self._reply_failure(method, params, token, request.method, failure)
        response = {"ok": True, **result}
        call = self._record(method, params, token, request.method, 200, response)
        return web.json_response(call.response)

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        with self._lock:
            for f in self._failures:
                if f.method != method:
                    continue
                if f.channel is not None and params.get("channel") != f.channel:
                    continue
                f.times -= 1
                if f.times <= 0:
                    self._failures.remove(f)
                return f
        return None

    def _reply_failure(
        self, method: str, params: dict[str, Any], token: str | None, verb: str, f: Failure
    ) -> web.Response:
        headers = {}
        if f.retry_after is not None or f.status == 429:
            headers["Retry-After"] = str(f.retry_after if f.retry_after is not None else 1)
        return self._reply(method, params, token, verb, f.status, f.error, headers=headers)

    def _reply(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        verb: str,
        status: int,
        error: str,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        body = {"ok": False, "error": error, **(extra or {})}
        call = self._record(method, params, token, verb, status, body)
        return web.json_response(call.response, status=status, headers=headers)

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        verb: str,
        status: int,
        response: dict[str, Any],
    ) -> Call:
        call = Call(method, params, token, verb, status, response, self._monotonic())
        with self._lock:
            self.calls.append(call)
        return call

    def _rate_wait(self, channel: str) -> float | None:
        """Token bucket per channel; None if the post may go now, else seconds to wait."""
        interval = self.rate_limit_interval
        if not interval:
            return None
        now = self._monotonic()
        with self._lock:
            tokens, last = self._buckets.get(channel, (float(self.rate_limit_burst), now))
            tokens = min(float(self.rate_limit_burst), tokens + (now - last) / interval)
            if tokens >= 1.0:
                self._buckets[channel] = (tokens - 1.0, now)
                return None
            self._buckets[channel] = (tokens, now)
            return (1.0 - tokens) * interval

    # ---------------------------------------------------------------- helpers

    def _next_ts(self) -> str:
        n = next(self._seq)
        return f"{self._ts_base + n // 1_000_000}.{n % 1_000_000:06d}"

    def _find(self, channel: str, ts: str) -> Message | None:
        ch = self.channels.get(channel)
        if ch is None:
            return None
        for m in ch.messages:
            if m.ts == ts:
                return m
            for r in m.replies:
                if r.ts == ts:
                    return r
        return None

    def _channel(self, params: dict[str, Any], *, post: bool = False) -> Channel:
        cid = str(params.get("channel") or "")
        if not cid:
            raise SlackApiFailure("channel_not_found")
        ch = self.channels.get(cid)
        if ch is None:
            raise SlackApiFailure("channel_not_found")
        if post and not ch.bot_is_member and not ch.is_im:
            raise SlackApiFailure("not_in_channel")
        return ch

    def _content(
        self, params: dict[str, Any], *, surface: str = "message"
    ) -> tuple[str, list[Any]]:
        text = params.get("text")
        blocks = params.get("blocks")
        if blocks is None:
            blocks = []
        if not isinstance(blocks, list):
            raise SlackApiFailure("invalid_blocks_format")
        if not text and not blocks:
            raise SlackApiFailure("no_text")
        text = str(text or "")
        if len(text) > MAX_MESSAGE_TEXT:
            raise SlackApiFailure("msg_too_long")
        if self.validate_blocks:
            problems = validate_blocks(blocks, surface=surface)
            if problems:
                raise SlackApiFailure(
                    "invalid_blocks", response_metadata={"messages": problems[:10]}
                )
        return text, blocks

    def _view(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict):
            raise SlackApiFailure("invalid_arguments")
        if view.get("type") not in ("modal", "home"):
            raise SlackApiFailure("invalid_arguments")
        if self.validate_blocks:
            problems = validate_blocks(view.get("blocks") or [], surface=view["type"])
            if problems:
                raise SlackApiFailure(
                    "invalid_arguments", response_metadata={"messages": problems[:10]}
                )
        return view

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        vid = view_id or f"V{next(self._seq):08d}"
        stored = {
            "id": vid,
            "team_id": self.team_id,
            "hash": f"{next(self._seq)}.{vid}",
            "state": {"values": {}},
            "previous_view_id": None,
            "root_view_id": vid,
            "app_id": "A0COUNTERSIGN",
            "bot_id": self.bot_id,
            **view,
        }
        stored["id"] = vid
        self.views[vid] = stored
        return stored

    def _trigger(self, params: dict[str, Any]) -> str:
        trigger = str(params.get("trigger_id") or params.get("interactivity_pointer") or "")
        if not trigger:
            raise SlackApiFailure("invalid_arguments")
        if trigger in self.expired_triggers:
            raise SlackApiFailure("expired_trigger_id")
        return trigger

    # ---------------------------------------------------------------- methods

    def _api_api_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"args": params}

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://countersign-demo.slack.local/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params, post=True)
        text, blocks = self._content(params)
        metadata = params.get("metadata") if isinstance(params.get("metadata"), dict) else None
        thread_ts = params.get("thread_ts") or None
        msg = Message(
            channel=ch.id,
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            user=self.bot_user_id,
            thread_ts=str(thread_ts) if thread_ts else None,
            metadata=metadata,
        )
        if thread_ts:
            parent = self._find(ch.id, str(thread_ts))
            if parent is None:
                raise SlackApiFailure("thread_not_found")
            if parent.thread_ts and parent.thread_ts != parent.ts:
                # Replying to a reply lands in the same thread, as in Slack.
                parent = self._find(ch.id, parent.thread_ts) or parent
                msg.thread_ts = parent.ts
            parent.replies.append(msg)
        else:
            ch.messages.append(msg)
        return {"channel": ch.id, "ts": msg.ts, "message": msg.as_json()}

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        msg = self._find(ch.id, str(params.get("ts") or ""))
        if msg is None or msg.deleted:
            raise SlackApiFailure("message_not_found")
        if msg.user != self.bot_user_id:
            raise SlackApiFailure("cant_update_message")
        text, blocks = self._content(params)
        msg.text = text
        msg.blocks = blocks
        if isinstance(params.get("metadata"), dict):
            msg.metadata = params["metadata"]
        msg.edited = True
        return {"channel": ch.id, "ts": msg.ts, "text": msg.text, "message": msg.as_json()}

    def _api_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        msg = self._find(ch.id, str(params.get("ts") or ""))
        if msg is None or msg.deleted:
            raise SlackApiFailure("message_not_found")
        msg.deleted = True
        return {"channel": ch.id, "ts": msg.ts}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        user = str(params.get("user") or "")
        if user not in self.users:
            raise SlackApiFailure("user_not_found")
        if not ch.is_im and user not in ch.members:
            raise SlackApiFailure("user_not_in_channel")
        text, blocks = self._content(params)
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": ch.id,
                "user": user,
                "text": text,
                "blocks": blocks,
                "ts": ts,
                "thread_ts": params.get("thread_ts"),
            }
        )
        return {"message_ts": ts}

    def _api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        ts = str(params.get("message_ts") or "")
        if self._find(ch.id, ts) is None:
            raise SlackApiFailure("message_not_found")
        host = "https://countersign-demo.slack.local"
        return {"channel": ch.id, "permalink": f"{host}/archives/{ch.id}/p{ts.replace('.', '')}"}

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        return {"channel": ch.info()}

    def _api_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        page, nxt = _page(params, sorted(ch.members))
        return {"members": page, "response_metadata": {"next_cursor": nxt}}

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = params.get("users")
        if isinstance(users, list):
            users = ",".join(str(u) for u in users)
        ids = [u.strip() for u in str(users or "").split(",") if u.strip()]
        if len(ids) != 1:
            raise SlackApiFailure("invalid_arguments")
        user = ids[0]
        if user not in self.users:
            raise SlackApiFailure("user_not_found")
        cid = self.dm_channel(user)
        if cid not in self.channels:
            ch = Channel(id=cid, name=f"dm-{self.users[user]['name']}", is_im=True)
            ch.members = {user, self.bot_user_id}
            self.channels[cid] = ch
        return {"channel": {"id": cid, "is_im": True, "user": user}}

    def _history_messages(self, params: dict[str, Any], items: list[Message]) -> dict[str, Any]:
        with_meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        page, nxt = _page(params, items)
        return {
            "messages": [m.as_json(with_metadata=with_meta) for m in page],
            "has_more": bool(nxt),
            "response_metadata": {"next_cursor": nxt},
        }

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        items = [m for m in reversed(ch.messages) if not m.deleted]  # newest first
        return self._history_messages(params, items)

    def _api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        ch = self._channel(params)
        parent = self._find(ch.id, str(params.get("ts") or ""))
        if parent is None:
            raise SlackApiFailure("thread_not_found")
        items = [parent, *[r for r in parent.replies if not r.deleted]]
        return self._history_messages(params, items)

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user") or ""))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user}

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._trigger(params)
        stored = self._store_view(self._view(params))
        self.view_stack[stored["id"]] = [stored["id"]]
        self.expired_triggers.add(trigger)  # a trigger works once, as in Slack
        return {"view": stored}

    def _api_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._trigger(params)
        stored = self._store_view(self._view(params))
        self.expired_triggers.add(trigger)
        return {"view": stored}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        vid = params.get("view_id")
        external = params.get("external_id")
        target = None
        if vid:
            target = self.views.get(str(vid))
        elif external:
            target = next(
                (v for v in self.views.values() if v.get("external_id") == external), None
            )
        if target is None:
            raise SlackApiFailure("not_found")
        expected = params.get("hash")
        if expected and expected != target["hash"]:
            raise SlackApiFailure("hash_conflict")
        stored = self._store_view(self._view(params), view_id=target["id"])
        return {"view": stored}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id") or "")
        if user not in self.users:
            raise SlackApiFailure("user_not_found")
        view = self._view(params)
        if view.get("type") != "home":
            raise SlackApiFailure("invalid_arguments")
        existing = self.home.get(user)
        stored = self._store_view(view, view_id=existing["id"] if existing else None)
        self.home[user] = stored
        return {"view": stored}


# ------------------------------------------------------------------------- validation


def _text_len(obj: Any) -> int:
    if isinstance(obj, dict):
        return len(str(obj.get("text") or ""))
    return 0


def validate_blocks(blocks: list[Any], *, surface: str = "message") -> list[str]:
    """The Block Kit limits Slack enforces that our builders could plausibly break."""
    problems: list[str] = []
    limit = MAX_MESSAGE_BLOCKS if surface == "message" else MAX_VIEW_BLOCKS
    if len(blocks) > limit:
        problems.append(f"too many blocks ({len(blocks)} > {limit})")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"[{i}]"
        if not isinstance(block, dict) or "type" not in block:
            problems.append(f"{where} is not a block")
            continue
        bid = block.get("block_id")
        if bid is not None:
            if bid in block_ids:
                problems.append(f"{where} duplicate block_id")
            block_ids.add(bid)
            if len(str(bid)) > 255:
                problems.append(f"{where} block_id too long")
        kind = block["type"]
        if kind == "section":
            text = block.get("text")
            fields = block.get("fields") or []
            if text is None and not fields:
                problems.append(f"{where} section needs text or fields")
            if _text_len(text) > MAX_SECTION_TEXT:
                problems.append(f"{where} section text over {MAX_SECTION_TEXT}")
            if len(fields) > MAX_FIELDS:
                problems.append(f"{where} more than {MAX_FIELDS} fields")
            for f in fields:
                if _text_len(f) > MAX_FIELD_TEXT:
                    problems.append(f"{where} field over {MAX_FIELD_TEXT}")
            acc = block.get("accessory")
            if isinstance(acc, dict):
                problems.extend(_element_problems(acc, where + ".accessory"))
        elif kind == "header":
            text = block.get("text") or {}
            if text.get("type") != "plain_text":
                problems.append(f"{where} header must be plain_text")
            if _text_len(text) > MAX_HEADER_TEXT:
                problems.append(f"{where} header over {MAX_HEADER_TEXT}")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_ACTIONS_ELEMENTS:
                problems.append(f"{where} actions needs 1-{MAX_ACTIONS_ELEMENTS} elements")
            for j, el in enumerate(elements):
                problems.extend(_element_problems(el, f"{where}.elements[{j}]"))
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
                problems.append(f"{where} context needs 1-{MAX_CONTEXT_ELEMENTS} elements")
            for el in elements:
                if _text_len(el) > MAX_SECTION_TEXT:
                    problems.append(f"{where} context text over {MAX_SECTION_TEXT}")
        elif kind == "input":
            if surface == "message":
                problems.append(f"{where} input blocks only in modals")
        elif kind in ("divider", "image", "rich_text", "video", "file"):
            pass
        else:
            problems.append(f"{where} unknown block type {kind!r}")
    return problems


def _element_problems(el: Any, where: str) -> list[str]:
    out: list[str] = []
    if not isinstance(el, dict):
        return [f"{where} is not an element"]
    if el.get("type") == "button":
        if _text_len(el.get("text")) > MAX_BUTTON_TEXT:
            out.append(f"{where} button text over {MAX_BUTTON_TEXT}")
        if len(str(el.get("value") or "")) > MAX_BUTTON_VALUE:
            out.append(f"{where} button value over {MAX_BUTTON_VALUE}")
        if not el.get("action_id") and not el.get("url"):
            out.append(f"{where} button without action_id")
        if el.get("url") and len(str(el["url"])) > 3000:
            out.append(f"{where} url too long")
    if len(str(el.get("action_id") or "")) > 255:
        out.append(f"{where} action_id too long")
    return out


# ------------------------------------------------------------------------- rendering

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
EMOJI = {
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "white_circle": "⚪",
    "memo": "📝",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "white_check_mark": "✅",
    "hourglass_flowing_sand": "⏳",
    "rocket": "🚀",
    "warning": "⚠️",
    "wastebasket": "🗑️",
    "mag": "🔍",
    "raised_hand": "✋",
    "mega": "📣",
    "lock": "🔒",
    "thread": "🧵",
    "inbox_tray": "📥",
    "ballot_box_with_check": "☑️",
    "tada": "🎉",
}


def mrkdwn_to_text(text: str, users: dict[str, dict[str, Any]] | None = None) -> str:
    """What a person sees for a mrkdwn string: live links become ``label (url)``,
    mentions ``@name``, and the entities decode (so escaped text reads as typed)."""
    users = users or {}

    def live(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("@"):
            uid = target[1:]
            return "@" + str(users.get(uid, {}).get("name", label or uid))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            return "@" + (label or special)
        if label:
            return f"{label} ({target})"
        return target

    parts = text.split("```")
    for i, part in enumerate(parts):
        if i % 2 == 0:  # outside code blocks: formatting and emoji render
            part = _BOLD.sub(r"\1", part)
            part = _ITALIC.sub(r"\1", part)
            part = _STRIKE.sub(r"\1", part)
            part = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), part)
        parts[i] = _LINK.sub(live, part)
    out = "".join(parts) if len(parts) % 2 else "```".join(parts)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _obj_text(obj: Any, users: dict[str, dict[str, Any]]) -> str:
    if not isinstance(obj, dict):
        return ""
    value = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_text(value, users)
    return value


def _element_text(el: dict[str, Any], users: dict[str, dict[str, Any]]) -> str:
    kind = el.get("type")
    if kind == "button":
        label = _obj_text(el.get("text"), users)
        return f"[{label}]" + (f" ({el['url']})" if el.get("url") else "")
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    if kind in ("mrkdwn", "plain_text"):
        return _obj_text(el, users)
    if kind in ("static_select", "overflow", "users_select", "conversations_select"):
        placeholder = _obj_text(el.get("placeholder"), users)
        return f"[{placeholder or 'choose'} ▾]"
    if kind == "datepicker":
        return "[date ▾]"
    return ""


def flatten_blocks(blocks: list[Any], users: dict[str, dict[str, Any]] | None = None) -> str:
    """Block Kit flattened to the text a person reads, one line per visual line."""
    users = users or {}
    lines: list[str] = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "header":
            title = _obj_text(block.get("text"), users)
            lines.append(title.upper() if title.isascii() else title)
        elif kind == "section":
            if block.get("text"):
                lines.extend(_obj_text(block["text"], users).splitlines())
            fields = [_obj_text(f, users) for f in block.get("fields") or []]
            if fields:
                lines.append("  ·  ".join(f.replace("\n", " ") for f in fields))
            acc = block.get("accessory")
            if isinstance(acc, dict):
                rendered = _element_text(acc, users)
                if rendered:
                    lines.append(rendered)
        elif kind == "context":
            parts = [_element_text(e, users) for e in block.get("elements") or []]
            lines.append("  ".join(p for p in parts if p))
        elif kind == "actions":
            parts = [_element_text(e, users) for e in block.get("elements") or []]
            lines.append(" ".join(p for p in parts if p))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            label = _obj_text(block.get("label"), users)
            lines.append(f"{label}: [ … ]")
        elif kind == "rich_text":
            lines.append(_rich_text(block))
    return "\n".join(lines)


def _rich_text(block: dict[str, Any]) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                out.append(str(node.get("text", "")))
            for child in node.get("elements") or []:
                walk(child)

    walk(block)
    return "".join(out)


# -- what Slack sends to the app (the demo, the tests and the benchmark use these) ----------


def slash_command_body(
    *, team: str, channel: str, user: str, text: str, trigger_id: str, **extra: str
) -> bytes:
    """The form body of a ``/reply`` slash command, as Slack posts it."""
    form = {
        "team_id": team,
        "channel_id": channel,
        "user_id": user,
        "user_name": user.lower(),
        "command": "/reply",
        "text": text,
        "api_app_id": "A0COUNTERSIGN",
        "trigger_id": trigger_id,
        **extra,
    }
    return urlencode(form).encode()


def block_actions_body(
    *,
    team: str,
    channel: str,
    user: str,
    action_id: str,
    value: str,
    trigger_id: str,
    **extra: Any,
) -> bytes:
    """The form body of a button click (``block_actions``) on a channel message."""
    payload = {
        "type": "block_actions",
        "team": {"id": team},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0COUNTERSIGN",
        "container": {"type": "message", "channel_id": channel, "message_ts": "1.000001"},
        "channel": {"id": channel},
        "trigger_id": trigger_id,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
        **extra,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()

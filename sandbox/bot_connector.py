"""A local fake of the Bot Connector service (the REST API a bot calls back into):
an aiohttp server on loopback that records what the bot sends and answers like the Bot
Connector. Activities sent to the bot carry ``serviceUrl`` pointing at it.

Routes:
- ``POST /v3/conversations`` — create (or find) a personal conversation
- ``POST /v3/conversations/{id}/activities`` — send to a conversation (a channel post,
  a thread reply with ``;messageid=``, a personal message)
- ``POST /v3/conversations/{id}/activities/{activityId}`` — reply to an activity
- ``PUT /v3/conversations/{id}/activities/{activityId}`` — update an activity
- ``GET /v3/conversations/{id}/members/{memberId}`` — one member (404 if not a member)
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web


@dataclass
class Sent:
    method: str  # send | reply | update | create
    conversation_id: str
    activity: dict[str, Any]
    activity_id: str | None = None
    reply_to: str | None = None
    authorization: str | None = None

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a.get("content") or {}
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def dump(self) -> str:
        """Everything a reader could see in this activity (text, summary, cards)."""
        return json.dumps(
            {k: self.activity.get(k) for k in ("text", "summary", "attachments")},
            ensure_ascii=False,
        )


@dataclass
class FakeConnector:
    members: dict[str, set[str]] = field(default_factory=dict)  # conversation -> user ids
    sent: list[Sent] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # HTTP statuses to answer next
    held: asyncio.Event | None = None  # when set: no answer until the event is set
    _ids: Any = field(default_factory=lambda: itertools.count(1000))
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> None:
        app = web.Application(middlewares=[self._hold])
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ reading

    def to(self, conversation_id: str) -> list[Sent]:
        """What was sent into a conversation (a channel includes its threads)."""
        return [
            s
            for s in self.sent
            if s.method != "create"
            and (
                s.conversation_id == conversation_id
                or s.conversation_id.split(";")[0] == conversation_id
            )
        ]

    def posts(self, conversation_id: str) -> list[Sent]:
        """Top-level posts in a channel (not thread replies, not updates)."""
        return [s for s in self.sent if s.method == "send" and s.conversation_id == conversation_id]

    def updates(self, conversation_id: str) -> list[Sent]:
        return [
            s for s in self.sent if s.method == "update" and s.conversation_id == conversation_id
        ]

    def thread(self, conversation_id: str, activity_id: str) -> list[Sent]:
        cid = f"{conversation_id};messageid={activity_id}"
        return [s for s in self.sent if s.method == "send" and s.conversation_id == cid]

    # ------------------------------------------------------------------ routes

    @web.middleware
    async def _hold(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.held is not None:
            await self.held.wait()
        response: web.StreamResponse = await handler(request)
        return response

    def _fail(self) -> web.Response | None:
        if self.fail_next:
            status = self.fail_next.pop(0)
            return web.json_response(
                {"error": {"code": "Failed", "message": "injected"}},
                status=status,
                headers={"Retry-After": "3"} if status == 429 else None,
            )
        return None

    def _new_id(self) -> str:
        return f"1700000000{next(self._ids)}"

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or []
        user = (members[0] or {}).get("id") if members else "nobody"
        cid = f"a:personal-{user}"
        self.sent.append(
            Sent("create", cid, body, authorization=request.headers.get("Authorization"))
        )
        return web.json_response(
            {"id": cid, "activityId": None, "serviceUrl": self.base_url}, status=201
        )

    async def _send(self, request: web.Request) -> web.Response:
        failed = self._fail()
        if failed is not None:
            return failed
        cid = unquote(request.match_info["cid"])
        body = await request.json()
        aid = self._new_id()
        self.sent.append(
            Sent("send", cid, body, aid, authorization=request.headers.get("Authorization"))
        )
        return web.json_response({"id": aid}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        failed = self._fail()
        if failed is not None:
            return failed
        cid = unquote(request.match_info["cid"])
        body = await request.json()
        aid = self._new_id()
        self.sent.append(Sent("reply", cid, body, aid, reply_to=unquote(request.match_info["aid"])))
        return web.json_response({"id": aid}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        failed = self._fail()
        if failed is not None:
            return failed
        cid = unquote(request.match_info["cid"])
        aid = unquote(request.match_info["aid"])
        body = await request.json()
        self.sent.append(Sent("update", cid, body, aid))
        return web.json_response({"id": aid}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        cid = unquote(request.match_info["cid"])
        uid = unquote(request.match_info["uid"])
        if uid in self.members.get(cid, set()):
            return web.json_response(
                {"id": uid, "name": uid, "aadObjectId": uid.replace("29:", "aad-")}
            )
        return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)

"""Teams fixtures: the fake Bot Connector, a container wired for Teams (SQLite and
PostgreSQL) with TEAMS_AUTH_DISABLED on loopback, the real HTTP app served on loopback,
and a client that sends what Teams sends (messages, card invokes, installs)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.teams.wiring import TEAMS_BOT_KEY
from sandbox.bot_connector import FakeConnector
from tests.conftest import make_settings

TENANT = "tenant-hospital"
OTHER_TENANT = "tenant-elsewhere"
CHANNEL = "19:reviews@thread.tacv2"
GENERAL = "19:general@thread.tacv2"
TEAM = "19:team@thread.tacv2"
BOT = "28:countersign-bot"

AUTHOR = "author"
AUTHOR2 = "author2"
MARKETING = "mkt"
RISK = "risk"
ADMIN = "admin"
OUTSIDER = "outsider"  # in the tenant, not in the team, no role


def aad(user: str) -> str:
    return f"aad-{user}"


def from_id(user: str) -> str:
    return f"29:{user}"


def personal(user: str) -> str:
    return f"a:personal-{from_id(user)}"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    members = {from_id(u) for u in (AUTHOR, AUTHOR2, MARKETING, RISK, ADMIN)}
    fake.members[CHANNEL] = set(members)
    fake.members[GENERAL] = set(members)
    fake.members[TEAM] = set(members)
    yield fake
    await fake.stop()


def teams_settings(db_url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "HOST": "127.0.0.1",
        "TEAMS_AUTH_DISABLED": True,
        "TEAMS_APP_TENANT_ID": TENANT,
        "TEAMS_CHANNEL_ID": CHANNEL,
    }
    values.update(overrides)
    return make_settings(db_url, **{k: v for k, v in values.items() if v is not None})


def build(settings: Any, clock: Any, screen: Any, *, roles: bool = True) -> Any:
    from app import build_container
    from tests.support.fakes import FixedSentiment
    from workflows.services import roles as role_admin
    from workflows.types import Actor

    c = build_container(settings, screen=screen, clock=clock, sentiment=FixedSentiment())
    if roles:
        cli = Actor.cli("test")
        role_admin.add_role(c.deps, cli, f"teams:{aad(MARKETING)}", "marketing")
        role_admin.add_role(c.deps, cli, f"teams:{aad(RISK)}", "risk")
        role_admin.add_role(c.deps, cli, f"teams:{aad(ADMIN)}", "admin")
    return c


@pytest.fixture
def teams_overrides() -> dict[str, Any]:
    """Override in a test module to change settings (e.g. no TEAMS_CHANNEL_ID)."""
    return {}


@pytest.fixture
def teams_container(
    db_url: str, clock: Any, screen: Any, teams_overrides: dict[str, Any]
) -> Iterator[Any]:
    c = build(teams_settings(db_url, **teams_overrides), clock, screen)
    yield c
    c.close()


class Teams:
    """Sends what Teams sends to ``/api/messages``."""

    _ids = itertools.count(1)

    def __init__(self, client: TestClient, connector: FakeConnector, container: Any) -> None:
        self.client = client
        self.connector = connector
        self.container = container

    def activity(
        self,
        type_: str,
        user: str,
        *,
        conversation: str = CHANNEL,
        tenant: str | None = TENANT,
        **extra: Any,
    ) -> dict[str, Any]:
        is_personal = conversation.startswith("a:")
        body: dict[str, Any] = {
            "type": type_,
            "id": f"act-in-{next(self._ids)}",
            "timestamp": "2026-11-27T12:00:00Z",
            "serviceUrl": self.connector.base_url,
            "channelId": "msteams",
            "from": {"id": from_id(user), "name": user.title(), "aadObjectId": aad(user)},
            "conversation": {
                "id": conversation,
                "conversationType": "personal" if is_personal else "channel",
                "tenantId": tenant,
            },
            "recipient": {"id": BOT, "name": "Countersign"},
            "channelData": {"tenant": {"id": tenant}},
        }
        if not is_personal:
            body["channelData"]["team"] = {"id": TEAM}
            body["channelData"]["channel"] = {"id": conversation.split(";")[0]}
        body.update(extra)
        return body

    async def post(self, body: Any, *, headers: dict[str, str] | None = None) -> Any:
        """Post an activity and wait for the work done after its acknowledgement."""
        r = await self.client.post("/api/messages", json=body, headers=headers or {})
        bot = self.client.server.app.get(TEAMS_BOT_KEY)
        if bot is not None:
            await bot.idle()
        return r

    async def say(
        self,
        user: str,
        text: str,
        *,
        conversation: str = CHANNEL,
        tenant: str | None = TENANT,
        mention_bot: bool = True,
    ) -> Any:
        if mention_bot and not conversation.startswith("a:"):
            text = f"<at>Countersign</at> {text}"
        body = self.activity("message", user, conversation=conversation, tenant=tenant, text=text)
        return await self.post(body)

    async def click(
        self,
        user: str,
        verb: str,
        value: str,
        *,
        conversation: str = CHANNEL,
        tenant: str | None = TENANT,
        **data: Any,
    ) -> Any:
        body = self.activity(
            "invoke",
            user,
            conversation=conversation,
            tenant=tenant,
            name="adaptiveCard/action",
            value={
                "action": {
                    "type": "Action.Execute",
                    "verb": verb,
                    "data": {"value": value, **data},
                },
                "trigger": "manual",
            },
        )
        return await self.post(body)

    async def install(self, conversation: str = GENERAL, tenant: str = TENANT) -> Any:
        body = self.activity(
            "conversationUpdate",
            ADMIN,
            conversation=conversation,
            tenant=tenant,
            membersAdded=[{"id": BOT}],
        )
        return await self.post(body)

    async def deliver(self, container: Any = None) -> int:
        """Run the outbox relay once (in a worker thread, like the service does)."""
        c = container or self.container
        return int(await asyncio.to_thread(c.relay.deliver_due))


async def serve(container: Any, connector: FakeConnector) -> tuple[Teams, TestClient]:
    from app import build_http_app

    app: web.Application = build_http_app(container)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return Teams(client, connector, container), client


@pytest.fixture
async def teams(teams_container: Any, connector: FakeConnector) -> AsyncIterator[Teams]:
    t, client = await serve(teams_container, connector)
    yield t
    await client.close()


def ingest(container: Any, *, author: str = "Jane Roe", text: str = "Terrible wait.") -> int:
    from workflows.services import mentions
    from workflows.types import MentionInput

    results = mentions.ingest(
        container.deps,
        [
            MentionInput(
                source="webhook",
                external_id=f"ext-{time.monotonic_ns()}",
                platform="google",
                author=author,
                text=text,
                url="https://example.test/review/1",
                rating=1,
            )
        ],
    )
    return results[0].id

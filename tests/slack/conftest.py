"""Slack fixtures: the Web API emulator, a container wired for Slack (SQLite and
PostgreSQL), the real HTTP app behind aiohttp's test server, and a client that sends
correctly signed Slack requests (commands, button clicks, modal submissions, events)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.slack.wiring import signed_headers
from sandbox.slack_emulator import SlackEmulator, block_actions_body, slash_command_body
from tests.conftest import make_settings

TOKEN = "xoxb-test-token"
SECRET = "slack-signing-secret-test"
CHANNEL = "C0REVIEW"
TEAM = "T1"

AUTHOR = "U0AUTHOR"
AUTHOR2 = "U0AUTHOR2"
MARKETING = "U0MKT"
RISK = "U0RISK"
ADMIN = "U0ADMIN"
OUTSIDER = "U0OUTSIDE"  # in the workspace, not in the channel, no role
GUEST = "U0GUEST"  # a Slack Connect user from another organisation

MEMBERS = (AUTHOR, AUTHOR2, MARKETING, RISK, ADMIN, GUEST)


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    emu = SlackEmulator(token=TOKEN, team_id=TEAM)
    await emu.start()
    for uid in (AUTHOR, AUTHOR2, MARKETING, RISK, ADMIN, OUTSIDER):
        emu.add_user(uid, uid.lower()[2:])
    emu.add_user(GUEST, "guest", team_id="T0OTHER")
    emu.add_channel(CHANNEL, "reviews", members=MEMBERS)
    yield emu
    await emu.stop()


def build_slack_container(
    db_url: str, clock: Any, screen: Any, emulator: SlackEmulator, **overrides: Any
) -> Any:
    """A container wired for Slack against the emulator, with the approvers' roles."""
    from app import build_container
    from tests.support.fakes import FixedSentiment
    from workflows.services import roles
    from workflows.types import Actor

    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_CHANNEL_ID": CHANNEL,
        "SLACK_API_BASE_URL": emulator.base_url,
        "SLACK_TEAM_ID": TEAM,
        **overrides,
    }
    c = build_container(
        make_settings(db_url, **values), screen=screen, clock=clock, sentiment=FixedSentiment()
    )
    cli = Actor.cli("test")
    roles.add_role(c.deps, cli, f"slack:{MARKETING}", "marketing")
    roles.add_role(c.deps, cli, f"slack:{RISK}", "risk")
    roles.add_role(c.deps, cli, f"slack:{ADMIN}", "admin")
    return c


@pytest.fixture
def slack_container(db_url: str, clock: Any, screen: Any, emulator: SlackEmulator) -> Iterator[Any]:
    c = build_slack_container(db_url, clock, screen, emulator)
    yield c
    c.close()


class Slack:
    """Sends what Slack sends, signed with the app's signing secret."""

    def __init__(self, client: TestClient, emulator: SlackEmulator, container: Any) -> None:
        self.client = client
        self.emulator = emulator
        self.container = container
        self._n = 0

    def _trigger(self) -> str:
        self._n += 1
        return f"trig-{self._n}-{time.monotonic_ns()}"

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        sign: bool = True,
    ) -> Any:
        h = {"Content-Type": content_type}
        if sign:
            h.update(signed_headers(SECRET, body))
        h.update(headers or {})
        return await self.client.post("/slack/events", data=body, headers=h)

    def command_body(self, user: str, text: str, team: str = TEAM, **extra: str) -> bytes:
        return slash_command_body(
            team=team, channel=CHANNEL, user=user, text=text, trigger_id=self._trigger(), **extra
        )

    async def command(self, user: str, text: str, team: str = TEAM, **extra: str) -> Any:
        return await self.post(
            self.command_body(user, text, team, **extra), "application/x-www-form-urlencoded"
        )

    def click_body(
        self, user: str, action_id: str, value: str, team: str = TEAM, **extra: Any
    ) -> bytes:
        return block_actions_body(
            team=team,
            channel=CHANNEL,
            user=user,
            action_id=action_id,
            value=value,
            trigger_id=self._trigger(),
            **extra,
        )

    async def click(
        self, user: str, action_id: str, value: str, team: str = TEAM, **extra: Any
    ) -> Any:
        return await self.post(
            self.click_body(user, action_id, value, team, **extra),
            "application/x-www-form-urlencoded",
        )

    async def select(self, user: str, view: dict[str, Any], action_id: str, value: str) -> Any:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0COUNTERSIGN",
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": self._trigger(),
            "view": view,
            "actions": [
                {
                    "type": "static_select",
                    "action_id": action_id,
                    "block_id": "templates",
                    "selected_option": {"value": value},
                    "action_ts": str(time.time()),
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded")

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, Any], team: str = TEAM
    ) -> Any:
        submitted = {**view, "state": {"values": values}}
        payload = {
            "type": "view_submission",
            "team": {"id": team},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A0COUNTERSIGN",
            "trigger_id": self._trigger(),
            "view": submitted,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any], team: str = TEAM) -> Any:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": team,
                "api_app_id": "A0COUNTERSIGN",
                "type": "event_callback",
                "event_id": f"Ev{self._trigger()}",
                "event_time": int(time.time()),
                "event": event,
            }
        ).encode()
        return await self.post(body, "application/json")

    # -- reading what happened ----------------------------------------------------------

    def ephemerals(self, user: str) -> list[str]:
        out = [e["text"] for e in self.emulator.ephemerals_for(user)]
        out += [m.text for m in self.emulator.dms(user)]
        return out

    async def answer(self, user: str, before: int = 0, wait: float = 10.0) -> str:
        """The next thing only ``user`` sees (ephemeral or DM) after ``before`` answers."""
        await until(lambda: len(self.ephemerals(user)) > before, wait)
        return self.ephemerals(user)[before]

    def opened_views(self) -> list[dict[str, Any]]:
        return [c.response["view"] for c in self.emulator.calls_to("views.open") if c.ok]

    async def opened_view(self, before: int = 0, wait: float = 10.0) -> dict[str, Any]:
        await until(lambda: len(self.opened_views()) > before, wait)
        return self.opened_views()[before]


async def until(cond: Callable[[], Any], wait: float = 10.0) -> None:
    deadline = time.monotonic() + wait
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the condition")
        await asyncio.sleep(0.02)


@pytest.fixture
async def slack(slack_container: Any, emulator: SlackEmulator) -> AsyncIterator[Slack]:
    from app import build_http_app

    app: web.Application = build_http_app(slack_container)
    server = TestServer(app)
    client = TestClient(server)
    await client.start_server()
    yield Slack(client, emulator, slack_container)
    await client.close()


def ingest(container: Any, n: int = 1, *, author: str = "Jane Roe", severity_text: str = "") -> int:
    """Store a negative mention; returns its id."""
    from workflows.services import mentions
    from workflows.types import MentionInput

    results = mentions.ingest(
        container.deps,
        [
            MentionInput(
                source="webhook",
                external_id=f"ext-{time.monotonic_ns()}-{n}",
                platform="google",
                author=author,
                text=f"Terrible wait at the clinic. {severity_text}".strip(),
                url="https://example.test/review/1",
                rating=1,
            )
        ],
    )
    return results[0].id

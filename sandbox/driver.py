"""Drives a running Countersign over HTTP the way people and a listening tool would:
signed webhook posts of mentions, signed Slack slash commands and button clicks to
``/slack/events``, and Teams messages and card invokes to ``/api/messages`` (for a server
running with ``TEAMS_AUTH_DISABLED`` on loopback). Used by the demo (one in-process
server) and by the benches (each request to a random live replica)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.slack.wiring import signed_headers
from sandbox.slack_emulator import block_actions_body, slash_command_body
from web.server import webhook_signature


@dataclass(frozen=True)
class TeamsSide:
    """Where Teams activities come from: the Bot Connector the replies go back to, the
    tenant, the team and its channel."""

    service_url: str
    tenant: str
    team: str
    channel: str
    bot: str = "28:countersign-bot"


class Driver:
    """Sends what Slack and a listening tool would send, correctly signed, each request
    to one of ``bases()`` at random, and records the acknowledgement latencies (ms) per
    kind of request and how many answers had each status (0: the connection was lost,
    e.g. the server was killed under the request)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        bases: Callable[[], list[str]],
        *,
        team: str,
        channel: str,
        signing_secret: str,
        webhook_secret: str,
        name: str = "driver",
        teams: TeamsSide | None = None,
    ) -> None:
        self.session = session
        self.bases = bases
        self.team = team
        self.channel = channel
        self.signing_secret = signing_secret
        self.webhook_secret = webhook_secret
        self.name = name
        self.teams = teams
        self.acks: dict[str, list[float]] = {
            "webhook": [],
            "command": [],
            "button": [],
            "teams message": [],
            "teams button": [],
        }
        self.statuses: dict[int, int] = {}
        self.seq = 0

    async def _post(
        self, kind: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        base = random.choice(self.bases())
        t0 = time.perf_counter()
        try:
            async with self.session.post(base + path, data=body, headers=headers) as resp:
                payload = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError):
            status, payload = 0, b""  # the server died under the request
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status:
            self.acks[kind].append((time.perf_counter() - t0) * 1000)
        return status, payload

    async def webhook(self, items: list[dict[str, Any]]) -> tuple[int, Any]:
        """Post mentions; returns the status and, when accepted (202), the answer."""
        body = json.dumps(items).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Countersign-Signature": webhook_signature(self.webhook_secret, body),
        }
        status, payload = await self._post("webhook", "/webhooks/mentions", body, headers)
        return status, (json.loads(payload) if status == 202 else None)

    def _trigger(self) -> str:
        self.seq += 1
        return f"{self.name}-trigger-{self.seq}-{time.monotonic_ns()}"

    async def _slack(self, kind: str, body: bytes) -> int:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **signed_headers(self.signing_secret, body),
        }
        status, _ = await self._post(kind, "/slack/events", body, headers)
        return status

    async def command(self, user: str, text: str) -> int:
        body = slash_command_body(
            team=self.team, channel=self.channel, user=user, text=text, trigger_id=self._trigger()
        )
        return await self._slack("command", body)

    async def click(self, user: str, action_id: str, value: str) -> int:
        body = block_actions_body(
            team=self.team,
            channel=self.channel,
            user=user,
            action_id=action_id,
            value=value,
            trigger_id=self._trigger(),
        )
        return await self._slack("button", body)

    def _activity(
        self, type_: str, user: str, *, personal: bool = False, **extra: Any
    ) -> dict[str, Any]:
        if self.teams is None:
            raise RuntimeError("this driver has no Teams side")
        t = self.teams
        self.seq += 1
        channel_data: dict[str, Any] = {"tenant": {"id": t.tenant}}
        if not personal:
            channel_data.update(team={"id": t.team}, channel={"id": t.channel})
        return {
            "type": type_,
            "id": f"{self.name}-activity-{self.seq}",
            "serviceUrl": t.service_url,
            "channelId": "msteams",
            "from": {"id": f"29:{user}", "name": user, "aadObjectId": f"aad-{user}"},
            "conversation": {
                "id": f"a:personal-29:{user}" if personal else t.channel,
                "conversationType": "personal" if personal else "channel",
                "tenantId": t.tenant,
            },
            "recipient": {"id": t.bot, "name": "Countersign"},
            "channelData": channel_data,
            **extra,
        }

    async def _teams(self, kind: str, activity: dict[str, Any]) -> int:
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/json"}
        status, _ = await self._post(kind, "/api/messages", body, headers)
        return status

    async def teams_install(self, user: str) -> int:
        """The bot added to the team (Teams tells the bot where its channel lives)."""
        t = self.teams
        added = [{"id": t.bot if t else ""}]
        return await self._teams(
            "teams message", self._activity("conversationUpdate", user, membersAdded=added)
        )

    async def teams_say(self, user: str, text: str, *, personal: bool = False) -> int:
        """``@Countersign <text>`` in the Teams channel, or ``text`` in the user's personal
        chat with the bot."""
        said = text if personal else f"<at>Countersign</at> {text}"
        activity = self._activity("message", user, personal=personal, text=said)
        return await self._teams("teams message", activity)

    async def teams_click(self, user: str, verb: str, value: str) -> int:
        """An ``Action.Execute`` card button."""
        action = {"type": "Action.Execute", "verb": verb, "data": {"value": value}}
        activity = self._activity(
            "invoke",
            user,
            name="adaptiveCard/action",
            value={"action": action, "trigger": "manual"},
        )
        return await self._teams("teams button", activity)

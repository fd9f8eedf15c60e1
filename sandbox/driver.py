"""Drives a running Countersign over HTTP the way people and a listening tool would:
signed webhook posts of mentions, and signed Slack slash commands and button clicks to
``/slack/events``. Used by the demo (one in-process server) and by the benches (each
request to a random live replica)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.slack.wiring import signed_headers
from sandbox.slack_emulator import block_actions_body, slash_command_body
from web.server import webhook_signature


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
    ) -> None:
        self.session = session
        self.bases = bases
        self.team = team
        self.channel = channel
        self.signing_secret = signing_secret
        self.webhook_secret = webhook_secret
        self.name = name
        self.acks: dict[str, list[float]] = {"webhook": [], "command": [], "button": []}
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

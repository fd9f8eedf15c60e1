"""Acknowledgement latency of Slack requests at the HTTP endpoint.

Serves the real HTTP app (``app.build_http_app``) on loopback with a throw-away SQLite
database, the built-in Slack Web API emulator, and 20 concurrent clients sending
correctly signed slash commands (`/reply queue`, `/reply M-n <text>`) and button clicks
(assign, sign-off). Measures the time until the HTTP response (the acknowledgement);
the work after it runs concurrently, as in production. Prints p50/p99 per kind.

    .venv/bin/python bench/ack_bench.py [--clients 20] [--requests 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

TOKEN = "xoxb-bench"  # noqa: S105 - a throw-away token for the emulator
SECRET = "bench-signing-secret"  # noqa: S105 - throw-away
CHANNEL = "C0BENCH"
TEAM = "T1"


class PassScreen:
    def screen(self, reply: str, mention: Any, org: Any = None) -> Any:
        from workflows.phi.types import ScreenResult

        return ScreenResult("pass", ())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


async def main(clients: int, per_client: int) -> int:
    import aiohttp
    from aiohttp import web
    from pydantic import SecretStr

    from app import Settings, build_container, build_http_app
    from bot.slack.wiring import signed_headers
    from models.audit_keys import AuditKeys
    from models.crypto import Keyring
    from models.migrate import upgrade
    from sandbox.slack_emulator import SlackEmulator, block_actions_body, slash_command_body
    from workflows.services import mentions, roles
    from workflows.types import Actor, MentionInput

    logging_off()
    tmp = Path(tempfile.mkdtemp(prefix="ackbench-"))
    emu = SlackEmulator(token=TOKEN, team_id=TEAM)
    await emu.start()
    users = [f"U{i:04d}" for i in range(clients)]
    for u in users:
        emu.add_user(u, u.lower())
    emu.add_channel(CHANNEL, "reviews", members=users)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        DATA_ENCRYPTION_KEY=SecretStr(Keyring.generate_key()),
        AUDIT_HMAC_KEY=SecretStr(AuditKeys.generate_key()),
        AUDIT_CHECKPOINT_PATH=str(tmp / "cp.jsonl"),
        SLACK_BOT_TOKEN=SecretStr(TOKEN),
        SLACK_SIGNING_SECRET=SecretStr(SECRET),
        SLACK_CHANNEL_ID=CHANNEL,
        SLACK_API_BASE_URL=emu.base_url,
        SLACK_TEAM_ID=TEAM,
    )
    container = build_container(settings, screen=PassScreen())
    upgrade(container.engine)
    cli = Actor.cli("bench")
    roles.add_role(container.deps, cli, f"slack:{users[0]}", "marketing")
    ids = [
        r.id
        for r in mentions.ingest(
            container.deps,
            [
                MentionInput("bench", f"e{i}", "google", "Reviewer", "Long wait.", rating=1)
                for i in range(clients)
            ],
        )
    ]
    runner = web.AppRunner(build_http_app(container), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/slack/events"
    results: dict[str, list[float]] = {"command": [], "button": []}
    statuses: dict[int, int] = {}
    seq = iter(range(10**9))

    def command(user: str, text: str) -> bytes:
        return slash_command_body(
            team=TEAM, channel=CHANNEL, user=user, text=text, trigger_id=f"t{next(seq)}"
        )

    def click(user: str, action: str, value: str) -> bytes:
        return block_actions_body(
            team=TEAM,
            channel=CHANNEL,
            user=user,
            action_id=action,
            value=value,
            trigger_id=f"t{next(seq)}",
        )

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        user, mid = users[n], ids[n]
        for i in range(per_client):
            kind = "command" if i % 2 == 0 else "button"
            if kind == "command":
                body = command(user, "queue" if i % 4 == 0 else f"M-{mid} Thanks, revision {i}.")
            else:
                action = "mention_assign" if i % 4 == 1 else "reply_signoff_marketing"
                body = click(user, action, f"M-{mid}:r1" if "signoff" in action else f"M-{mid}")
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            headers.update(signed_headers(SECRET, body))
            t0 = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
            results[kind].append((time.perf_counter() - t0) * 1000)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        # warm-up (imports, first connections), not measured
        await worker(session, 0)
        results = {"command": [], "button": []}
        statuses.clear()
        started = time.perf_counter()
        await asyncio.gather(*(worker(session, n) for n in range(clients)))
        wall = time.perf_counter() - started
    await asyncio.sleep(1.0)  # let the work after the acknowledgements drain
    await runner.cleanup()
    await emu.stop()
    container.close()

    total = sum(len(v) for v in results.values())
    print(
        f"machine: {platform.platform()} · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · {platform.processor() or platform.machine()}"
    )
    print(
        f"{clients} concurrent clients × {per_client} requests = {total} signed requests "
        f"in {wall:.2f} s (HTTP statuses {statuses}); SQLite, Slack emulator on loopback"
    )
    print(f"{'kind':<10}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, values in results.items():
        print(
            f"{kind:<10}{len(values):>6}{statistics.median(values):>10.1f}"
            f"{pct(values, 0.99):>10.1f}{max(values):>10.1f}"
        )
    every = [v for vs in results.values() for v in vs]
    p99 = pct(every, 0.99)
    print(
        f"{'all':<10}{len(every):>6}{statistics.median(every):>10.1f}{p99:>10.1f}"
        f"{max(every):>10.1f}"
    )
    ok = p99 < 300 and set(statuses) == {200}
    print("target p99 < 300 ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


def logging_off() -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=40, help="per client")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.clients, args.requests)))

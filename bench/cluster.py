"""What the load and chaos benches share: a fresh PostgreSQL database, a TCP proxy in
front of PostgreSQL that can cut every connection (an outage or failover without
touching the server), and replicas of ``python app.py serve`` that can be killed and
restarted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get(
    "COUNTERSIGN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TOKEN = "xoxb-bench"  # noqa: S105 - throw-away, for the emulator
SIGNING = "bench-signing-secret"
WEBHOOK = "bench-webhook-secret"
CHANNEL = "C0BENCH"
TEAM = "T0BENCH"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Database:
    """A fresh database, dropped by ``drop``; ``url`` may go through a proxy port."""

    def __init__(self) -> None:
        from sqlalchemy import create_engine, text

        self.name = f"cs_bench_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"

    def via(self, port: int) -> str:
        return self.url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")

    def drop(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@dataclass
class PgProxy:
    """Forwards 127.0.0.1:``port`` to PostgreSQL; ``cut`` drops every connection and
    refuses new ones for a while, as a restart or failover would."""

    port: int = field(default_factory=free_port)
    refuse_until: float = 0.0
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self._drop_all()

    def cut(self, seconds: float) -> None:
        self.refuse_until = time.monotonic() + seconds
        self._drop_all()

    def _drop_all(self) -> None:
        for w in list(self._writers):
            with contextlib.suppress(Exception):
                w.transport.abort()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if time.monotonic() < self.refuse_until:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 5432)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.discard(writer)
        self._writers.discard(up_writer)


@dataclass
class Replica:
    proc: asyncio.subprocess.Process
    base: str
    log: Path


class Cluster:
    """``n`` replicas of ``python app.py serve`` with one environment."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.replicas: list[Replica] = []
        self.started = 0
        self.kills: list[tuple[float, Path]] = []  # (when, the killed replica's log)

    def leader_handovers(self) -> list[float]:
        """For each kill of the scheduler's leader: seconds until another replica logged
        that it leads (``inf`` if none did)."""
        import json
        from datetime import datetime

        starts: list[tuple[float, Path]] = []
        for log in sorted(self.tmp.glob("replica-*.log")):
            for line in log.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    event = json.loads(line)
                    if event["event"].startswith("scheduler started"):
                        at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
                        starts.append((at.timestamp(), log))
        starts.sort()
        out = []
        for killed_at, log in self.kills:
            before = [s for s in starts if s[0] < killed_at]
            if not before or before[-1][1] != log:
                continue  # not the leader when it was killed
            after = [t for t, other in starts if t > killed_at and other != log]
            out.append(after[0] - killed_at if after else float("inf"))
        return out

    async def start(self, n: int) -> None:
        for _ in range(n):
            self.replicas.append(await self._spawn())
        await asyncio.gather(*(self.ready(r) for r in self.replicas))

    async def _spawn(self) -> Replica:
        port = free_port()
        self.started += 1
        log = self.tmp / f"replica-{self.started}.log"
        with log.open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ROOT / "app.py"),
                "serve",
                env={**self.env, "PORT": str(port)},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=err,
            )
        return Replica(proc, f"http://127.0.0.1:{port}", log)

    async def ready(self, replica: Replica, within: float = 90.0) -> None:
        import aiohttp

        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as session:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(replica.base + "/readyz") as resp:
                        if resp.status == 200:
                            return
                if replica.proc.returncode is not None:
                    raise RuntimeError(f"a replica exited; see {replica.log}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"a replica was not ready in {within:.0f} s")
                await asyncio.sleep(0.2)

    def live(self) -> list[str]:
        return [r.base for r in self.replicas if r.proc.returncode is None]

    async def kill(self, i: int) -> None:
        """SIGKILL replica ``i`` and start a new one in its place (ready when this returns)."""
        old = self.replicas[i]
        self.kills.append((time.time(), old.log))
        with contextlib.suppress(ProcessLookupError):
            old.proc.send_signal(signal.SIGKILL)
        await old.proc.wait()
        new = await self._spawn()
        self.replicas[i] = new
        await self.ready(new)

    def memory(self) -> list[float]:
        return [rss_mb(r.proc.pid) for r in self.replicas]

    async def stop(self) -> None:
        for r in self.replicas:
            if r.proc.returncode is None:
                r.proc.terminate()
        for r in self.replicas:
            await r.proc.wait()


def replica_env(db_url: str, emulator_url: str, tmp: Path) -> dict[str, str]:
    from models.audit_keys import AuditKeys
    from models.crypto import Keyring

    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATA_ENCRYPTION_KEY": Keyring.generate_key(),
        "AUDIT_HMAC_KEY": AuditKeys.generate_key(),
        "AUDIT_CHECKPOINT_PATH": str(tmp / "checkpoints.jsonl"),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_CHANNEL_ID": CHANNEL,
        "SLACK_API_BASE_URL": emulator_url,
        "SLACK_TEAM_ID": TEAM,
        "WEBHOOK_SECRET": WEBHOOK,
        "LOG_LEVEL": "INFO",
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    }


def container_for(env: dict[str, str]) -> Any:
    """A container in the bench's own process (migrations, roles, checks)."""
    from app import Settings, build_container

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, **{k: v for k, v in env.items() if k in Settings.model_fields}
    )
    return build_container(settings)


def message_keys(emulator: Any, channel: str) -> list[str]:
    """The delivery key of every message the bot posted in ``channel`` (threads too)."""
    keys = []
    for m in emulator.all_messages(channel):
        key = ((m.metadata or {}).get("event_payload") or {}).get("key")
        if key:
            keys.append(str(key))
    return keys


class Driver:
    """Sends what a listening tool and Slack would send, correctly signed, each request to
    a random live replica, and records acknowledgement latencies (ms) per kind."""

    def __init__(self, session: Any, cluster: Cluster) -> None:
        self.session = session
        self.cluster = cluster
        self.acks: dict[str, list[float]] = {"webhook": [], "command": [], "button": []}
        self.statuses: dict[int, int] = {}
        self.seq = 0

    async def _post(self, kind: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
        import random

        import aiohttp

        base = random.choice(self.cluster.live())
        t0 = time.perf_counter()
        try:
            async with self.session.post(base + path, data=body, headers=headers) as resp:
                payload = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError):
            status, payload = 0, b""  # the replica died under the request
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status:
            self.acks[kind].append((time.perf_counter() - t0) * 1000)
        return status, payload

    async def webhook(self, items: list[dict[str, Any]]) -> tuple[int, Any]:
        import json

        from web.server import webhook_signature

        body = json.dumps(items).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Countersign-Signature": webhook_signature(WEBHOOK, body),
        }
        status, payload = await self._post("webhook", "/webhooks/mentions", body, headers)
        return status, (json.loads(payload) if status == 202 else None)

    def _trigger(self) -> str:
        self.seq += 1
        return f"bench-{self.seq}"

    async def _slack(self, kind: str, body: bytes) -> int:
        from bot.slack.wiring import signed_headers

        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **signed_headers(SIGNING, body),
        }
        status, _ = await self._post(kind, "/slack/events", body, headers)
        return int(status)

    async def command(self, user: str, text: str) -> int:
        from sandbox.slack_emulator import slash_command_body

        body = slash_command_body(
            team=TEAM, channel=CHANNEL, user=user, text=text, trigger_id=self._trigger()
        )
        return await self._slack("command", body)

    async def click(self, user: str, action_id: str, value: str) -> int:
        from sandbox.slack_emulator import block_actions_body

        body = block_actions_body(
            team=TEAM,
            channel=CHANNEL,
            user=user,
            action_id=action_id,
            value=value,
            trigger_id=self._trigger(),
        )
        return await self._slack("button", body)


def seed(env: dict[str, str], users: list[str]) -> Any:
    """Migrate the database and give the first half of ``users`` marketing, the rest
    risk. Returns the bench's own container (for checks)."""
    from models.migrate import upgrade
    from workflows.services import roles
    from workflows.types import Actor

    container = container_for(env)
    upgrade(container.engine)
    cli = Actor.cli("bench")
    half = len(users) // 2
    for i, u in enumerate(users):
        roles.add_role(container.deps, cli, f"slack:{u}", "marketing" if i < half else "risk")
    return container


def scalar(container: Any, sql: str) -> Any:
    from sqlalchemy import text

    with container.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


async def wait_for(container: Any, sql: str, want: Any, within: float = 60.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the database may be cut by the chaos run
            if await asyncio.to_thread(scalar, container, sql) == want:
                return True
        await asyncio.sleep(0.2)
    return False


async def release(d: Driver, container: Any, users: list[str], w: int, mid: int) -> bool:
    """One reply through the release path: draft, marketing and risk sign-off (users
    ``w`` drafts; ``w+1`` signs for marketing; ``half+w`` for risk)."""
    half = len(users) // 2
    drafter, marketing, risk = users[w], users[(w + 1) % half], users[half + w]
    await d.command(drafter, f"M-{mid} {REPLY}")
    sql = f"SELECT count(*) FROM revisions WHERE mention_id = {mid}"  # noqa: S608
    if not await wait_for(container, sql, 1):
        return False
    await d.click(marketing, "reply_signoff_marketing", f"M-{mid}:r1")
    await d.click(risk, "reply_signoff_risk", f"M-{mid}:r1")
    # approved: handed over to the manual publisher; released: posted
    sql = f"SELECT state IN ('approved', 'released') FROM mentions WHERE id = {mid}"  # noqa: S608
    return await wait_for(container, sql, True)


REPLY = "We're sorry to hear this. Please call our Patient Relations team at 555-0100."


def delivery_checks(container: Any, emulator: Any) -> dict[str, int]:
    """Nothing lost, nothing twice: counted from the database and the channel."""
    from collections import Counter

    from sqlalchemy import text

    keys = Counter(message_keys(emulator, CHANNEL))
    with container.engine.connect() as conn:
        publish_rows = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM outbox WHERE topic = 'publish' AND status = 'done'")
            )
        ]
        released = conn.execute(
            text("SELECT count(*) FROM mentions WHERE state IN ('approved', 'released')")
        ).scalar()
        dead = conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'dead'")).scalar()
        pending = conn.execute(
            text("SELECT count(*) FROM outbox WHERE status = 'pending'")
        ).scalar()
    return {
        "released": int(released or 0),
        "handed over once": sum(1 for i in publish_rows if keys[f"outbox:{i}"] == 1),
        "handed over twice": sum(1 for i in publish_rows if keys[f"outbox:{i}"] > 1),
        "parents posted twice": sum(
            1 for k, n in keys.items() if k.startswith("mention:") and ":" not in k[8:] and n > 1
        ),
        "dead outbox rows": int(dead or 0),
        "pending outbox rows": int(pending or 0),
    }

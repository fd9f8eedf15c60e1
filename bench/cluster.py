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

from sandbox.driver import Driver

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


def children(pid: int) -> list[int]:
    """The worker processes ``pid`` started (its ingest workers, not multiprocessing's
    resource tracker), from /proc."""
    found: set[int] = set()
    for tasks in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError, ValueError):
            found.update(int(p) for p in tasks.read_text().split())
    workers = []
    for child in sorted(found):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
    return workers


class Database:
    """A fresh database, dropped by ``drop``; ``url`` may go through a proxy port."""

    def __init__(self) -> None:
        from sqlalchemy import create_engine, text

        self.name = f"cs_bench_{uuid.uuid4().hex[:8]}"
        # pre-ping: the server may have been restarted since (chaos --pg-restarts)
        self.admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
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

    def worker_memory(self) -> list[float]:
        """Resident memory of each replica's worker processes (ingest)."""
        return [rss_mb(c) for r in self.replicas for c in children(r.proc.pid)]

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

    settings = Settings.model_validate({k: v for k, v in env.items() if k in Settings.model_fields})
    return build_container(settings)


def message_keys(emulator: Any, channel: str) -> list[str]:
    """The delivery key of every message the bot posted in ``channel`` (threads too)."""
    keys = []
    for m in emulator.all_messages(channel):
        key = ((m.metadata or {}).get("event_payload") or {}).get("key")
        if key:
            keys.append(str(key))
    return keys


def driver(session: Any, cluster: Cluster) -> Driver:
    """A driver that sends each request to a random live replica of ``cluster``."""
    return Driver(
        session,
        cluster.live,
        team=TEAM,
        channel=CHANNEL,
        signing_secret=SIGNING,
        webhook_secret=WEBHOOK,
        name="bench",
    )


def seed(env: dict[str, str], users: list[str], teams_users: tuple[str, ...] = ()) -> Any:
    """Migrate the database and give the first half of ``users`` (Slack) and of
    ``teams_users`` marketing, the rest risk. Returns the bench's own container (for
    checks)."""
    from models.migrate import upgrade
    from workflows.services import roles
    from workflows.types import Actor

    container = container_for(env)
    upgrade(container.engine)
    cli = Actor.cli("bench")
    half = len(users) // 2
    for i, u in enumerate(users):
        roles.add_role(container.deps, cli, f"slack:{u}", "marketing" if i < half else "risk")
    half = len(teams_users) // 2
    for i, u in enumerate(teams_users):
        role = "marketing" if i < half else "risk"
        roles.add_role(container.deps, cli, f"teams:aad-{u}", role)
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


async def release(
    d: Driver,
    container: Any,
    users: list[str],
    w: int,
    mid: int,
    *,
    within: float = 60.0,
    rounds: int = 6,
    teams: bool = False,
) -> tuple[bool, int]:
    """Take mention ``mid`` through the release path: draft, marketing and risk sign-off
    (user ``w`` drafts; ``w+1`` signs for marketing; ``half+w`` for risk), waiting up to
    ``within`` seconds for each step to show in the database and re-doing any step it
    does not show (a request lost with a killed replica, as a person who saw no
    confirmation would). With ``teams`` the users are Teams users: ``draft`` in their
    personal chat with the bot and card buttons instead of ``/reply`` and Slack buttons.
    Returns whether the reply was approved (handed over to the manual publisher) or
    released, and how many steps were re-done."""
    half = len(users) // 2
    drafter, marketing, risk = users[w], users[(w + 1) % half], users[half + w]
    done = f"SELECT state IN ('approved', 'released') FROM mentions WHERE id = {mid}"  # noqa: S608
    sent = 0
    for _ in range(rounds):
        if await asyncio.to_thread(scalar, container, done):
            break
        n = await asyncio.to_thread(
            scalar,
            container,
            f"SELECT max(number) FROM revisions WHERE mention_id = {mid}",  # noqa: S608
        )
        if not n:
            sent += 1
            if teams:
                await d.teams_say(drafter, f"draft M-{mid} {REPLY}", personal=True)
            else:
                await d.command(drafter, f"M-{mid} {REPLY}")
            sql = f"SELECT count(*) > 0 FROM revisions WHERE mention_id = {mid}"  # noqa: S608
            await wait_for(container, sql, True, within=within)
            continue
        for user, role in ((marketing, "marketing"), (risk, "risk")):
            sql = (
                "SELECT count(*) FROM signoffs s JOIN revisions r ON r.id = s.revision_id "  # noqa: S608
                f"WHERE r.mention_id = {mid} AND r.number = {n} AND s.role = '{role}'"
            )
            if not await asyncio.to_thread(scalar, container, sql):
                sent += 1
                click = d.teams_click if teams else d.click
                await click(user, f"reply_signoff_{role}", f"M-{mid}:r{n}")
        await wait_for(container, done, True, within=within)
    approved = bool(await asyncio.to_thread(scalar, container, done))
    return approved, max(sent - 3, 0)  # the first draft and two sign-offs are no redo


REPLY = "We're sorry to hear this. Please call our Patient Relations team at 555-0100."


def pending_breakdown(container: Any) -> list[str]:
    """Pending outbox rows by topic, last error and attempts (no payloads)."""
    from sqlalchemy import text

    with container.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT topic, coalesce(last_error, ''), attempts, count(*), "
                "min(next_attempt_at) - now(), max(next_attempt_at) - now(), "
                "min(created_at) - now() FROM outbox "
                "WHERE status = 'pending' GROUP BY 1, 2, 3 ORDER BY 4 DESC"
            )
        ).all()
        pace = conn.execute(
            text("SELECT channel, next_at, blocked_until, held_until FROM channel_pace")
        ).all()
    now = time.time()
    return [
        f"{n} × {topic} (last error {err or '-'}, {a} attempts; next attempt in "
        f"{lo.total_seconds():.0f}–{hi.total_seconds():.0f} s; oldest written "
        f"{-old.total_seconds():.0f} s ago)"
        for topic, err, a, n, lo, hi, old in rows
    ] + [
        f"channel {c}: next slot in {nx - now:.0f} s, blocked for {max(0.0, b - now):.0f} s, "
        f"held for {max(0.0, h - now):.0f} s"
        for c, nx, b, h in pace
    ]


def channel_pace(emulator: Any, channel: str) -> str:
    """How the channel's posts went: posts accepted, refused with 429, and the posting
    rate over the span between the first and the last accepted post."""
    posts = [
        c
        for c in emulator.calls
        if c.method == "chat.postMessage" and str(c.params.get("channel")) == channel
    ]
    ok = sorted(c.at for c in posts if c.status == 200)
    refused = sum(1 for c in posts if c.status == 429)
    span = ok[-1] - ok[0] if len(ok) > 1 else 0.0
    rate = (len(ok) - 1) / span if span else 0.0
    return f"{len(ok)} posts accepted, {refused} answered 429; {rate:.2f} posts/s accepted"


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

"""Load: three replicas on PostgreSQL, a burst of mentions through the webhook while 20
people draft and sign off through Slack.

Each replica is ``python app.py serve`` (HTTP, relay, scheduler election, the real PHI
screen) in its own process, on one fresh PostgreSQL database, all pointed at the built-in
Slack Web API emulator (which answers 429 above one message a second per channel, as
Slack does). The bench process sends the burst (signed webhook requests of 10 mentions,
10 at a time, round-robin over the replicas) while 20 simulated users (10 marketing,
10 risk) draft replies with ``/reply M-n <text>`` and sign them off with buttons, each
request to a random replica. It reports, per run:

- ingest throughput and acknowledgement p50/p99 per kind (webhook, command, button);
- time from a mention's acknowledgement to its first appearance in the channel (its own
  message or a digest listing);
- channel posts per second (the most in any one-second window) and the 429s Slack gave;
- resident memory of each replica at the end;
- nothing lost: every mention visible in the channel, every release handed over once.

    .venv/bin/python bench/load_bench.py [--mentions 5000] [--runs 3] [--replicas 3]

Figures are the median over the runs. Needs PostgreSQL at COUNTERSIGN_BENCH_PG_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import socket
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

PG_ADMIN = os.environ.get(
    "COUNTERSIGN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TOKEN = "xoxb-load"  # noqa: S105 - throw-away, for the emulator
SIGNING = "load-signing-secret"
WEBHOOK = "load-webhook-secret"
CHANNEL = "C0LOAD"
TEAM = "T0LOAD"
REVIEWS = (
    "Waited three hours and nobody told us anything. Terrible.",
    "Billing sent me to collections over a bill I already paid. Awful service.",
    "Front desk was rude and hung up on me twice.",
    "Parking garage was full and the shuttle never came. Never again.",
)
REPLY = "We're sorry to hear this. Please call our Patient Relations team at 555-0100."


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Run:
    acks: dict[str, list[float]] = field(
        default_factory=lambda: {"webhook": [], "command": [], "button": []}
    )
    statuses: dict[int, int] = field(default_factory=dict)
    acked_at: dict[int, float] = field(default_factory=dict)  # mention id -> monotonic
    seen_at: dict[int, float] = field(default_factory=dict)
    ingest_seconds: float = 0.0
    released: set[int] = field(default_factory=set)

    def status(self, code: int) -> None:
        self.statuses[code] = self.statuses.get(code, 0) + 1


class Database:
    def __init__(self) -> None:
        from sqlalchemy import create_engine, text

        self.name = f"cs_load_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"

    def drop(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


async def start_replicas(env: dict[str, str], n: int) -> list[tuple[Any, str]]:
    import aiohttp

    out = []
    for i in range(n):
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "app.py"),
            "serve",
            env={**env, "PORT": str(port)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=open(Path(env["BENCH_TMP"]) / f"replica-{i}.log", "wb"),  # noqa: ASYNC230
        )
        out.append((proc, f"http://127.0.0.1:{port}"))
    async with aiohttp.ClientSession() as session:
        for _proc, base in out:
            deadline = time.monotonic() + 60
            while True:
                try:
                    async with session.get(base + "/readyz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("a replica did not become ready in 60 s")
                await asyncio.sleep(0.2)
    return out


async def one_run(mentions: int, replicas: int, tmp: Path) -> dict[str, float]:
    import aiohttp
    from sqlalchemy import text

    from app import Settings, build_container
    from bot.slack.wiring import signed_headers
    from models.audit_keys import AuditKeys
    from models.crypto import Keyring
    from models.migrate import upgrade
    from sandbox.slack_emulator import SlackEmulator, block_actions_body, slash_command_body
    from web.server import webhook_signature
    from workflows.services import roles
    from workflows.types import Actor

    db = Database()
    key = Keyring.generate_key()
    emu = SlackEmulator(token=TOKEN, team_id=TEAM, rate_limit_interval=1.0)
    await emu.start()
    users = [f"U{i:04d}" for i in range(20)]
    for u in users:
        emu.add_user(u, u.lower())
    emu.add_channel(CHANNEL, "reviews", members=users)
    env = {
        **os.environ,
        "BENCH_TMP": str(tmp),
        "DATABASE_URL": db.url,
        "DATA_ENCRYPTION_KEY": key,
        "AUDIT_HMAC_KEY": AuditKeys.generate_key(),
        "AUDIT_CHECKPOINT_PATH": str(tmp / "checkpoints.jsonl"),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_CHANNEL_ID": CHANNEL,
        "SLACK_API_BASE_URL": emu.base_url,
        "SLACK_TEAM_ID": TEAM,
        "WEBHOOK_SECRET": WEBHOOK,
        "LOG_LEVEL": "WARNING",
    }
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, **{k: v for k, v in env.items() if k in Settings.model_fields}
    )
    container = build_container(settings)
    upgrade(container.engine)
    cli = Actor.cli("load-bench")
    for i, u in enumerate(users):
        roles.add_role(container.deps, cli, f"slack:{u}", "marketing" if i < 10 else "risk")
    procs = await start_replicas(env, replicas)
    bases = [base for _p, base in procs]
    run = Run()
    seq = iter(range(10**9))

    def engine_scalar(sql: str) -> Any:
        with container.engine.connect() as conn:
            return conn.execute(text(sql)).scalar()

    async def post(
        session: aiohttp.ClientSession, kind: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Any]:
        base = random.choice(bases)
        t0 = time.perf_counter()
        async with session.post(base + path, data=body, headers=headers) as resp:
            payload = await resp.read()
            run.status(resp.status)
        run.acks[kind].append((time.perf_counter() - t0) * 1000)
        return resp.status, payload

    async def burst(session: aiohttp.ClientSession) -> None:
        batches = [list(range(i, min(i + 10, mentions))) for i in range(0, mentions, 10)]
        queue: asyncio.Queue[list[int]] = asyncio.Queue()
        for b in batches:
            queue.put_nowait(b)

        async def sender() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
                items = [
                    {
                        "source": "load",
                        "external_id": f"x{n}",
                        "platform": "google",
                        "author": f"Reviewer {n}",
                        "text": REVIEWS[n % len(REVIEWS)],
                        "url": f"https://example.org/r/{n}",
                        "rating": 1,
                    }
                    for n in batch
                ]
                body = json.dumps(items).encode()
                headers = {
                    "Content-Type": "application/json",
                    "X-Countersign-Signature": webhook_signature(WEBHOOK, body),
                }
                status, payload = await post(
                    session, "webhook", "/webhooks/mentions", body, headers
                )
                if status == 202:
                    now = time.monotonic()
                    for m in json.loads(payload)["mentions"]:
                        run.acked_at[int(str(m["id"]).removeprefix("M-"))] = now

        t0 = time.monotonic()
        await asyncio.gather(*(sender() for _ in range(10)))
        run.ingest_seconds = time.monotonic() - t0

    async def slack(session: aiohttp.ClientSession, kind: str, body: bytes) -> int:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **signed_headers(SIGNING, body),
        }
        status, _ = await post(session, kind, "/slack/events", body, headers)
        return status

    async def wait_for(sql: str, want: Any, within: float = 60) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if await asyncio.to_thread(engine_scalar, sql) == want:
                return True
            await asyncio.sleep(0.2)
        return False

    async def person(session: aiohttp.ClientSession, w: int, todo: list[int]) -> None:
        drafter, marketing, risk = users[w], users[(w + 1) % 10], users[10 + w]
        for mid in todo:
            while mid not in run.acked_at:  # noqa: ASYNC110 - polling what the burst records
                await asyncio.sleep(0.1)
            body = slash_command_body(
                team=TEAM,
                channel=CHANNEL,
                user=drafter,
                text=f"M-{mid} {REPLY}",
                trigger_id=f"t{next(seq)}",
            )
            await slack(session, "command", body)
            sql = f"SELECT count(*) FROM revisions WHERE mention_id = {mid}"  # noqa: S608
            if not await wait_for(sql, 1):
                continue
            for user, action in (
                (marketing, "reply_signoff_marketing"),
                (risk, "reply_signoff_risk"),
            ):
                body = block_actions_body(
                    team=TEAM,
                    channel=CHANNEL,
                    user=user,
                    action_id=action,
                    value=f"M-{mid}:r1",
                    trigger_id=f"t{next(seq)}",
                )
                await slack(session, "button", body)
            sql = f"SELECT state FROM mentions WHERE id = {mid}"  # noqa: S608
            if await wait_for(sql, "released"):
                run.released.add(mid)

    async def watch(stop: asyncio.Event) -> None:
        pattern = re.compile(r"M-(\d+)")
        while not stop.is_set():
            now = time.monotonic()
            for n in map(int, pattern.findall(emu.raw_channel_payloads(CHANNEL))):
                run.seen_at.setdefault(n, now)
            await asyncio.sleep(0.5)

    stop = asyncio.Event()
    watcher = asyncio.create_task(watch(stop))
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        people_ids = [list(range(1 + w, 1 + 10 * 5, 10)) for w in range(10)]
        await asyncio.gather(
            burst(session), *(person(session, w, ids) for w, ids in enumerate(people_ids))
        )
    drained = await wait_for("SELECT count(*) FROM outbox WHERE status = 'pending'", 0, within=600)
    await asyncio.sleep(1.0)
    stop.set()
    await watcher
    memory = [rss_mb(p.pid) for p, _ in procs]
    for p, _ in procs:
        p.terminate()
    for p, _ in procs:
        await p.wait()
    posts = [c for c in emu.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL]
    limited = sum(1 for c in posts if c.status == 429 or c.response.get("error") == "ratelimited")
    accepted = sorted(c.at for c in posts if c.ok and not c.params.get("thread_ts"))
    per_second = max((sum(1 for t in accepted if a <= t < a + 1.0) for a in accepted), default=0)
    handovers = [
        m
        for m in emu.all_messages(CHANNEL)
        if (m.metadata or {}).get("event_payload", {}).get("key", "").startswith("publish:")
    ]
    dead = engine_scalar("SELECT count(*) FROM outbox WHERE status = 'dead'")
    ids = set(run.acked_at)
    unseen = ids - set(run.seen_at)
    delays = [run.seen_at[i] - run.acked_at[i] for i in ids if i in run.seen_at]
    await emu.stop()
    container.close()
    db.drop()
    every = [v for vs in run.acks.values() for v in vs]
    figures = {
        "mentions acknowledged": len(ids),
        "ingest mentions/s": len(ids) / run.ingest_seconds if run.ingest_seconds else 0,
        **{f"{k} p50 ms": statistics.median(v) if v else float("nan") for k, v in run.acks.items()},
        **{f"{k} p99 ms": pct(v, 0.99) for k, v in run.acks.items()},
        "all p99 ms": pct(every, 0.99),
        "mention to channel p50 s": statistics.median(delays) if delays else float("nan"),
        "mention to channel max s": max(delays) if delays else float("nan"),
        "mentions not in channel": len(unseen),
        "channel posts in busiest second": per_second,
        "Slack 429s": limited,
        "releases": len(run.released),
        "release handovers": len(handovers),
        "dead outbox rows": dead,
        "outbox drained": float(drained),
        "replica RSS max MB": max(memory),
        "HTTP 5xx": sum(n for code, n in run.statuses.items() if code >= 500),
    }
    return figures


async def main(mentions: int, runs: int, replicas: int) -> int:
    results = []
    for i in range(runs):
        tmp = Path(tempfile.mkdtemp(prefix="loadbench-"))
        figures = await one_run(mentions, replicas, tmp)
        results.append(figures)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()), flush=True)
    print(
        f"machine: {platform.platform()} · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · {replicas} replicas, {mentions} mentions, {runs} runs"
    )
    print(f"{'figure':<36}{'median':>12}")
    for k in results[0]:
        print(f"{k:<36}{statistics.median(r[k] for r in results):>12.1f}")
    worst = results[-1]
    lost = any(
        r["mentions not in channel"]
        or r["HTTP 5xx"]
        or r["dead outbox rows"]
        or r["release handovers"] != r["releases"]
        for r in results
    )
    print("nothing lost:", "yes" if not lost else "NO")
    return 1 if lost or not worst else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=3)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.mentions, args.runs, args.replicas)))

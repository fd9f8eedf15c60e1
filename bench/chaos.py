"""Chaos: replicas killed with SIGKILL at random points of the release path, PostgreSQL
connections cut, Slack failing, and afterwards nothing lost, nothing done twice.

Three replicas of ``python app.py serve`` share one PostgreSQL database through a proxy
that can cut every connection (as a restart or failover does). For each of ``--kills``
rounds, 20 simulated people take one mention through the release path (draft, marketing
sign-off, risk sign-off) while, at a random moment of it, one replica is killed with
SIGKILL and started again; every tenth round the database connections are cut for 1–3 s;
every round the Slack emulator is told to fail one call at random (500, 429 with
``Retry-After``, a 20 s stall that times the client out, or a post that succeeds but
answers an error). With ``--pg-restarts N`` the PostgreSQL server itself is restarted N
times, spread over the rounds (``--pg-restart``: the command, by default the Debian
cluster's; the server is this machine's own, so this is off unless asked for). A click
lost with the killed process is clicked again, as a person who saw no confirmation
would. At the end:

- every mention's reply was handed over to the publisher exactly once;
- no mention's parent message was posted twice;
- no outbox row is dead or still pending;
- ``python app.py audit verify`` passes;
- when the scheduler's leader was killed, another replica led within a minute.

    .venv/bin/python bench/chaos.py [--kills 100] [--replicas 3] [--seed 1] [--pg-restarts 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from bench.cluster import (
    CHANNEL,
    PG_ADMIN,
    ROOT,
    TEAM,
    TOKEN,
    Cluster,
    Database,
    PgProxy,
    channel_pace,
    delivery_checks,
    driver,
    pending_breakdown,
    release,
    replica_env,
    scalar,
    seed,
    wait_for,
)

FAULTS = (
    {"method": "chat.postMessage", "status": 500},
    {"method": "chat.postMessage", "error": "ratelimited", "status": 429, "retry_after": 2},
    {"method": "chat.postMessage", "delay": 20.0},
    {"method": "chat.postMessage", "apply": True},
    {"method": "chat.update", "status": 500},
    {"method": "conversations.history", "status": 500},
    {"method": "chat.postEphemeral", "status": 500},
)


def restart_postgres(command: str, within: float = 60.0) -> float:
    """Restart the PostgreSQL server itself (every connection of every replica ends);
    seconds until it accepts connections again."""
    import shlex

    from sqlalchemy import create_engine, text

    started = time.monotonic()
    subprocess.run(shlex.split(command), check=True, capture_output=True)
    probe = create_engine(PG_ADMIN, pool_pre_ping=True)
    try:
        while True:
            try:
                with probe.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return time.monotonic() - started
            except Exception:
                if time.monotonic() - started > within:
                    raise
                time.sleep(0.2)
    finally:
        probe.dispose()


async def main(
    kills: int, replicas: int, seed_value: int, pg_restarts: int = 0, pg_restart: str = ""
) -> int:
    import aiohttp

    from sandbox.slack_emulator import SlackEmulator

    rng = random.Random(seed_value)
    tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
    db = Database()
    proxy = PgProxy()
    await proxy.start()
    emu = SlackEmulator(token=TOKEN, team_id=TEAM, rate_limit_interval=1.0)
    await emu.start()
    users = [f"U{i:04d}" for i in range(20)]
    for u in users:
        emu.add_user(u, u.lower())
    emu.add_channel(CHANNEL, "reviews", members=users)
    env = replica_env(db.via(proxy.port), emu.base_url, tmp)
    checker = seed({**env, "DATABASE_URL": db.url}, users)
    cluster = Cluster(env, tmp)
    await cluster.start(replicas)
    started = time.monotonic()
    redone = cuts = 0
    # rounds after which the server itself restarts, spread over the run
    restart_after = {(i + 1) * kills // (pg_restarts + 1) for i in range(pg_restarts)}
    restarts: list[float] = []
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        d = driver(session, cluster)
        items = [
            {
                "source": "chaos",
                "external_id": f"c{n}",
                "platform": "google",
                "author": f"Reviewer {n}",
                "text": "Waited three hours and nobody told us anything. Terrible.",
                "url": f"https://example.org/c/{n}",
                "rating": 1,
            }
            for n in range(kills)
        ]
        for i in range(0, len(items), 20):
            status, _ = await d.webhook(items[i : i + 20])
            assert status == 202, f"webhook answered {status}"
        for k in range(kills):
            mid = k + 1
            emu.fail(**FAULTS[rng.randrange(len(FAULTS))], channel=None)  # type: ignore[arg-type]
            w = k % (len(users) // 2)
            task = asyncio.create_task(release(d, checker, users, w, mid, within=8))
            await asyncio.sleep(rng.uniform(0.0, 1.5))
            if k % 10 == 9:
                proxy.cut(rng.uniform(1.0, 3.0))
                cuts += 1
            await cluster.kill(rng.randrange(replicas))
            redone += (await task)[1]
            print(f"round {k + 1}/{kills}: redone so far {redone}", flush=True)
            if k + 1 in restart_after:
                restarts.append(await asyncio.to_thread(restart_postgres, pg_restart))
                print(f"  PostgreSQL restarted ({restarts[-1]:.1f} s)", flush=True)
        emu.clear_failures()
        pending = "SELECT count(*) FROM outbox WHERE status = 'pending'"
        backlog = int(scalar(checker, pending) or 0)
        drain_started = time.monotonic()
        drained = await wait_for(checker, pending, 0, within=300)
        drain_took = time.monotonic() - drain_started
    await cluster.stop()
    checks = delivery_checks(checker, emu)
    pace = channel_pace(emu, CHANNEL)
    stuck = [] if drained else pending_breakdown(checker)
    verify = await asyncio.to_thread(
        subprocess.run,  # our own CLI
        [sys.executable, str(ROOT / "app.py"), "audit", "verify"],
        env={**env, "DATABASE_URL": db.url},
        capture_output=True,
        text=True,
        check=False,
    )
    await emu.stop()
    await proxy.stop()
    checker.close()
    db.drop()
    print(
        f"machine: {platform.platform()} · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · {replicas} replicas · seed {seed_value}"
    )
    print(
        f"{kills} SIGKILLs, {cuts} database cuts, {len(restarts)} PostgreSQL restarts, "
        f"{kills} injected Slack faults in {time.monotonic() - started:.0f} s; clicks "
        f"re-done after a kill: {redone}"
    )
    handovers = cluster.leader_handovers()
    slowest = max(handovers, default=0.0)
    print(
        f"  scheduler leader killed {len(handovers)} times; leadership moved within "
        f"{slowest:.1f} s at most (median {statistics.median(handovers or [0.0]):.1f} s)"
    )
    for name, value in checks.items():
        print(f"  {name}: {value}")
    print(f"  channel: {pace}")
    print(f"  outbox rows pending when the rounds ended: {backlog}")
    print(f"  outbox drained: {drained} ({drain_took:.0f} s)")
    for line in stuck[:12]:
        print(f"    pending: {line}")
    print(f"  audit verify: {verify.stdout.strip() or verify.stderr.strip()}")
    ok = (
        drained
        and verify.returncode == 0
        and checks["released"] == kills
        and checks["handed over once"] == kills
        and not checks["handed over twice"]
        and not checks["parents posted twice"]
        and not checks["dead outbox rows"]
        and slowest <= 60.0
    )
    print("nothing lost, nothing twice:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-restarts", type=int, default=0)
    parser.add_argument(
        "--pg-restart",
        default="pg_ctlcluster --skip-systemctl-redirect 15 main restart",
        help="the command that restarts the PostgreSQL server",
    )
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(main(args.kills, args.replicas, args.seed, args.pg_restarts, args.pg_restart))
    )

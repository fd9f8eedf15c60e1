"""Load: three replicas on PostgreSQL, a burst of mentions through the webhook while 20
people draft and sign off, half through Slack and half through Teams.

Each replica is ``python app.py serve`` (HTTP, relay, scheduler election, the real PHI
screen) in its own process, on one fresh PostgreSQL database, all pointed at the built-in
Slack Web API emulator (which answers 429 above one message a second per channel, as
Slack does) and the local Bot Connector fake (Teams, with ``TEAMS_AUTH_DISABLED`` on
loopback: tokens are not checked). The bench sends the burst (signed webhook requests of
10 mentions, 10 at a time, each to a random replica) while 20 simulated users take 50
mentions (``--releases``) through the release path: 10 Slack users (5 marketing, 5 risk;
``/reply M-n <text>``, then both sign-off buttons) and 10 Teams users (5 and 5;
``draft M-n <text>`` in their personal chat with the bot, then both card buttons), and
four readers (``--lookers``) ask for a listed mention's status (``/reply status M-n``)
and open its full text, about once a second while the burst lasts, so that a run has
hundreds of Slack acknowledgements rather than 75 and its p99 is not just its slowest.
Each Slack command and click is sent at the same moment, by the same client, to a bare
slack-bolt ``AsyncApp`` that only acknowledges (its own process, under the same burst):
the floor the Slack acknowledgements are compared with (there is no such floor for
Teams).
Per run it reports:

- ingest throughput and acknowledgement p50/p99 per kind (webhook, Slack command and
  button, Teams message and card button), the bare app's p50/p99 per Slack kind and the
  ratio of the p99s;
- time from a mention's acknowledgement to its first appearance in the Slack channel
  (its own message or a digest listing), and mentions not listed in either channel two
  minutes after the burst's last acknowledgement (the bench keeps watching that long
  whatever ``--drain`` is);
- channel posts in the busiest second and the 429s Slack gave;
- resident memory of the largest replica at the end, and of its largest ingest worker
  process (``INGEST_PROCESSES``);
- nothing lost: every mention visible in both channels, every release handed over once,
  no dead outbox row.

    .venv/bin/python bench/load_bench.py [--mentions 5000] [--runs 3] [--replicas 3]
        [--drain 900] [--timeline] [--lookers 4] [--look-every 1.0]

After the burst it waits until no outbox row is pending, for at most ``--drain``
seconds, and reports how long that took (Slack's pace bounds it: each release posts six
or seven messages, about one a second per channel).

``--timeline`` also prints each run's channel posts per 10 s (listings, other messages,
429s). Figures are the median over the runs. Needs PostgreSQL (COUNTERSIGN_BENCH_PG_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from bench.ack_bench import Server as AckServer
from bench.cluster import (
    CHANNEL,
    TEAM,
    TOKEN,
    Cluster,
    Database,
    delivery_checks,
    driver,
    pct,
    release,
    replica_env,
    scalar,
    seed,
    wait_for,
)
from sandbox.driver import Driver, TeamsSide

# the bound: every mention of a burst visible in the channel within two minutes
LISTED_WITHIN = 120.0
# readers who, while the burst lasts, ask for a listed mention's status and open its
# full text, so each run has enough Slack acknowledgements for a steady p99
LOOKERS = 4
LOOK_EVERY = 1.0
TEAMS_TENANT = "tenant-bench"
TEAMS_TEAM = "19:bench-team@thread.tacv2"
TEAMS_CHANNEL = "19:bench-reviews@thread.tacv2"

REVIEWS = (
    "Waited three hours and nobody told us anything. Terrible.",
    "Billing sent me to collections over a bill I already paid. Awful service.",
    "Front desk was rude and hung up on me twice.",
    "Parking garage was full and the shuttle never came. Never again.",
)


class Mirrored(Driver):
    """A driver that sends every Slack request to Countersign and, concurrently, the same
    body to ``floor`` (the bare app), each recording its own latencies."""

    def __init__(self, base: Driver, floor: Driver) -> None:
        super().__init__(
            base.session,
            base.bases,
            team=base.team,
            channel=base.channel,
            signing_secret=base.signing_secret,
            webhook_secret=base.webhook_secret,
            name=base.name,
        )
        self.floor = floor

    async def _slack(self, kind: str, body: bytes) -> int:
        status, _ = await asyncio.gather(super()._slack(kind, body), self.floor._slack(kind, body))
        return status


@dataclass(frozen=True)
class Plan:
    """What to run (the command line's options, by the same names)."""

    mentions: int = 5000
    releases: int = 50  # replies taken to release
    runs: int = 3
    replicas: int = 3
    drain: float = 900.0  # at most this many seconds to drain
    timeline: bool = False
    lookers: int = LOOKERS
    look_every: float = LOOK_EVERY


async def one_run(plan: Plan, tmp: Path) -> dict[str, float]:
    import aiohttp

    from sandbox.bot_connector import FakeConnector
    from sandbox.slack_emulator import SlackEmulator

    db = Database()
    emu = SlackEmulator(token=TOKEN, team_id=TEAM, rate_limit_interval=1.0)
    await emu.start()
    connector = FakeConnector()
    await connector.start()
    users = [f"U{i:04d}" for i in range(10)]
    teams_users = [f"teams-user-{i:02d}" for i in range(10)]
    for u in users:
        emu.add_user(u, u.lower())
    emu.add_channel(CHANNEL, "reviews", members=users)
    side = TeamsSide(connector.base_url, TEAMS_TENANT, TEAMS_TEAM, TEAMS_CHANNEL)
    connector.members[TEAMS_TEAM] = {f"29:{u}" for u in teams_users}
    connector.members[TEAMS_CHANNEL] = set(connector.members[TEAMS_TEAM])
    env = {
        **replica_env(db.url, emu.base_url, tmp),
        "HOST": "127.0.0.1",
        "TEAMS_AUTH_DISABLED": "true",
        "TEAMS_APP_TENANT_ID": TEAMS_TENANT,
        "TEAMS_CHANNEL_ID": TEAMS_CHANNEL,
    }
    container = seed(env, users, tuple(teams_users))
    cluster = Cluster(env, tmp)
    await cluster.start(plan.replicas)
    bare = AckServer("bare", tmp / "bare-unused.db", "", emu.base_url, None)
    bare_url = f"http://127.0.0.1:{int(await bare.start())}"
    acked_at: dict[int, float] = {}
    seen_at: dict[int, float] = {}
    released: set[int] = set()
    ingest = [0.0]
    burst_over = asyncio.Event()  # the readers stop with the burst

    async def burst(d: Driver) -> None:
        batches = [list(range(i, min(i + 10, plan.mentions))) for i in range(0, plan.mentions, 10)]

        async def sender() -> None:
            while batches:
                batch = batches.pop(0)
                items = [
                    {
                        "source": "bench",
                        "external_id": f"x{n}",
                        "platform": "google",
                        "author": f"Reviewer {n}",
                        "text": REVIEWS[n % len(REVIEWS)],
                        "url": f"https://example.org/r/{n}",
                        "rating": 1,
                    }
                    for n in batch
                ]
                status, answer = await d.webhook(items)
                if status == 202:
                    now = time.monotonic()
                    for m in answer["mentions"]:
                        acked_at[int(str(m["id"]).removeprefix("M-"))] = now

        t0 = time.monotonic()
        await asyncio.gather(*(sender() for _ in range(10)))
        ingest[0] = time.monotonic() - t0
        burst_over.set()

    workers_per_platform = len(users) // 2  # each drafts; the others of its platform sign

    async def person(d: Driver, w: int, todo: list[int]) -> None:
        on_teams = w >= workers_per_platform
        people = teams_users if on_teams else users
        at = w % workers_per_platform
        for mid in todo:
            while mid not in acked_at:  # noqa: ASYNC110 - waits on what the burst records
                await asyncio.sleep(0.1)
            if (await release(d, container, people, at, mid, teams=on_teams))[0]:
                released.add(mid)

    async def watch(stop: asyncio.Event) -> None:
        pattern = re.compile(r"M-(\d+)")
        while not stop.is_set():
            now = time.monotonic()
            for n in map(int, pattern.findall(emu.raw_channel_payloads(CHANNEL))):
                seen_at.setdefault(n, now)
            await asyncio.sleep(0.5)

    async def look(d: Driver, user: str, seed_: int) -> None:
        # a reader during the burst: the status of a listed mention, then its full text
        pick = random.Random(seed_)
        while not burst_over.is_set():
            if acked_at:
                mid = pick.choice(list(acked_at))
                await d.command(user, f"status M-{mid}")
                await d.click(user, "mention_full_text", f"M-{mid}")
            await asyncio.sleep(plan.look_every)

    stop = asyncio.Event()
    watcher = asyncio.create_task(watch(stop))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        floor = driver(session, cluster)
        floor.bases = lambda: [bare_url]
        d = Mirrored(driver(session, cluster), floor)
        d.teams = side
        if await d.teams_install(teams_users[0]) != 200:
            raise SystemExit("the Teams install was not accepted")
        workers = 2 * workers_per_platform
        work = [list(range(1 + w, 1 + plan.releases, workers)) for w in range(workers)]
        await asyncio.gather(
            burst(d),
            *(person(d, w, ids) for w, ids in enumerate(work)),
            *(look(d, users[i % len(users)], i) for i in range(plan.lookers)),
        )
    pending = "SELECT count(*) FROM outbox WHERE status = 'pending'"
    burst_done = time.monotonic()
    await wait_for(container, pending, 0, within=plan.drain)
    drained_in = time.monotonic() - burst_done
    waiting = "SELECT count(*) FROM outbox WHERE status = 'pending' AND topic = '{}'"
    left_publish = await asyncio.to_thread(scalar, container, waiting.format("publish"))

    def listed_on_teams() -> set[int]:
        sent = "".join(
            s.dump for s in connector.sent if s.conversation_id.startswith(TEAMS_CHANNEL)
        )
        return {int(n) for n in re.findall(r"M-(\d+)", sent)}

    # a mention must be listed within LISTED_WITHIN of its acknowledgement, however
    # short --drain is: keep watching until both channels list every mention or that
    # time has passed since the burst's last acknowledgement
    listing_deadline = max(acked_at.values(), default=time.monotonic()) + LISTED_WITHIN
    while time.monotonic() < listing_deadline and (  # noqa: ASYNC110 - polls two fakes
        set(acked_at) - set(seen_at) or set(acked_at) - listed_on_teams()
    ):
        await asyncio.sleep(1.0)
    await asyncio.sleep(1.0)
    stop.set()
    await watcher
    teams_listed = listed_on_teams()
    memory = cluster.memory()
    worker_memory = cluster.worker_memory()
    await cluster.stop()
    await bare.__aexit__(None, None, None)
    await connector.stop()
    posts = [c for c in emu.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL]
    limited = sum(1 for c in posts if c.status == 429 or c.response.get("error") == "ratelimited")
    if plan.timeline:
        print(channel_timeline(posts, min(acked_at.values(), default=0.0)), flush=True)
    accepted = sorted(c.at for c in posts if c.ok)
    busiest = max((sum(1 for t in accepted if a <= t < a + 1.0) for a in accepted), default=0)
    checks = delivery_checks(container, emu)
    await emu.stop()
    container.close()
    db.drop()
    delays = [seen_at[i] - acked_at[i] for i in acked_at if i in seen_at]
    unlisted = sorted(set(acked_at) - set(seen_at))
    if unlisted:
        print(f"  not listed in the Slack channel: {unlisted[:20]}", flush=True)
    every = [v for vs in d.acks.values() for v in vs]
    return {
        "mentions acknowledged": len(acked_at),
        "ingest mentions/s": len(acked_at) / ingest[0] if ingest[0] else 0.0,
        **{f"{k} acks": float(len(v)) for k, v in d.acks.items()},
        **{f"{k} ack p50 ms": pct(v, 0.5) for k, v in d.acks.items()},
        **{f"{k} ack p99 ms": pct(v, 0.99) for k, v in d.acks.items()},
        "all ack p99 ms": pct(every, 0.99),
        **{f"bare app {k} ack p50 ms": pct(floor.acks[k], 0.5) for k in ("command", "button")},
        **{f"bare app {k} ack p99 ms": pct(floor.acks[k], 0.99) for k in ("command", "button")},
        **{
            f"{k} p99 ratio to bare app": pct(d.acks[k], 0.99) / pct(floor.acks[k], 0.99)
            for k in ("command", "button")
        },
        "mention to channel p50 s": pct(delays, 0.5),
        "mention to channel max s": max(delays, default=float("nan")),
        "mentions not in channel": len(unlisted),
        # mentions the 20 people drafted and released (ids 1..releases) get their own
        # thread when someone acts on them; the others only ever appear in a listing
        "of them acted on": sum(1 for n in unlisted if n <= plan.releases),
        "mentions not in Teams channel": len(set(acked_at) - teams_listed),
        "channel posts in busiest second": busiest,
        "Slack 429s": limited,
        "releases seen": len(released),
        **{k: float(v) for k, v in checks.items()},
        "pending publish rows": float(left_publish or 0),
        "drained in s (or the drain limit)": drained_in,
        "largest replica RSS MB": max(memory),
        "ingest workers": len(worker_memory),
        "largest ingest worker RSS MB": max(worker_memory, default=0.0),
        "HTTP 5xx": sum(n for code, n in d.statuses.items() if code >= 500),
    }


def channel_timeline(posts: list[Any], start: float, step: float = 10.0) -> str:
    """The channel's posts per ``step`` seconds from the burst's first acknowledgement:
    listings and other messages accepted, and posts refused with 429."""
    buckets: dict[int, list[int]] = {}
    for c in posts:
        n = buckets.setdefault(int((c.at - start) // step), [0, 0, 0])
        if not c.ok:
            n[2] += c.status == 429 or c.response.get("error") == "ratelimited"
        elif "listing:" in json.dumps(c.params.get("metadata") or {}):
            n[0] += 1
        else:
            n[1] += 1
    lines = ["channel posts from the first acknowledgement (listings / other / 429):"]
    lines += [
        f"  {b * step:>5.0f}-{(b + 1) * step:<5.0f}s  {n[0]:>3} / {n[1]:>3} / {n[2]:>3}"
        for b, n in sorted(buckets.items())
    ]
    return "\n".join(lines)


async def main(plan: Plan) -> int:
    results = []
    for i in range(plan.runs):
        tmp = Path(tempfile.mkdtemp(prefix="loadbench-"))
        figures = await one_run(plan, tmp)
        results.append(figures)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()))
    print(
        f"machine: {platform.platform()} · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · {plan.replicas} replicas, {plan.mentions} mentions, "
        f"{plan.runs} runs"
    )
    print(f"{'figure (median of runs)':<36}{'value':>12}")
    for k in results[0]:
        print(f"{k:<36}{statistics.median(r[k] for r in results):>12.1f}")
    lost = any(
        r["mentions not in channel"]
        or r["mentions not in Teams channel"]
        or r["HTTP 5xx"]
        or r["dead outbox rows"]
        or r["pending outbox rows"]
        or r["handed over twice"]
        or r["parents posted twice"]
        or r["handed over once"] != r["released"]
        for r in results
    )
    print("nothing lost, nothing twice:", "yes" if not lost else "NO")
    return 1 if lost else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=Plan.mentions)
    parser.add_argument(
        "--releases", type=int, default=Plan.releases, help="replies taken to release"
    )
    parser.add_argument("--runs", type=int, default=Plan.runs)
    parser.add_argument("--replicas", type=int, default=Plan.replicas)
    # 50 releases post about 350 thread messages at Slack's one a second per channel
    parser.add_argument(
        "--drain", type=float, default=Plan.drain, help="at most this many seconds to drain"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="print each run's channel posts per 10 s"
    )
    parser.add_argument(
        "--lookers",
        type=int,
        default=Plan.lookers,
        help="Slack users reading mentions' status and full text while the burst lasts",
    )
    parser.add_argument(
        "--look-every", type=float, default=Plan.look_every, help="seconds between a reader's looks"
    )
    raise SystemExit(asyncio.run(main(Plan(**vars(parser.parse_args())))))

"""The serve loop survives database errors, and /healthz says when it is stuck or gone."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from runtime.serve import Heartbeat, both, election_loop, relay_loop
from web.metrics import Metrics
from web.server import WebConfig, build_web_app


class FlakyRelay:
    """Fails its first ``failures`` rounds the way a restarting PostgreSQL does."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.delivered = 0

    def deliver_due(self) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("server closed the connection unexpectedly")
        self.delivered += 1
        return 0


class FakeScheduler:
    def __init__(self) -> None:
        self.ticks = 0
        self.stopped = False

    def tick(self) -> None:
        self.ticks += 1

    def stop(self) -> None:
        self.stopped = True


async def _run(relay: Any, heartbeat: Heartbeat, until: Any, claimers: int = 1) -> FakeScheduler:
    container = SimpleNamespace(deps=SimpleNamespace(after_commit=None), relay=relay)
    scheduler = FakeScheduler()
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            relay_loop(
                container,  # type: ignore[arg-type]
                stop,
                heartbeat,
                idle=0.001,
                max_backoff=0.01,
                claimers=claimers,
            )
        ),
        asyncio.create_task(election_loop(scheduler, stop, Heartbeat(), every=0.01)),
    ]
    for _ in range(2000):
        if until(scheduler):
            break
        await asyncio.sleep(0.005)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    return scheduler


async def test_database_errors_fail_rounds_not_the_loop() -> None:
    relay = FlakyRelay(failures=5)
    heartbeat = Heartbeat()
    scheduler = await _run(relay, heartbeat, lambda _s: relay.delivered >= 3)
    assert relay.calls >= 8 and relay.delivered >= 3
    assert heartbeat.failures == 0  # a good round resets the count
    assert scheduler.ticks >= 1 and scheduler.stopped
    assert heartbeat.health() == (False, "background loop has stopped")


class StuckRelay:
    """A relay round that takes as long as Slack makes it (paced posts, a stalled call)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def deliver_due(self) -> int:
        self.release.wait(10)
        return 0


async def test_leadership_is_sought_while_a_relay_round_is_slow() -> None:
    relay = StuckRelay()

    def five_ticks_during_one_round(s: FakeScheduler) -> bool:
        if s.ticks < 5:
            return False
        relay.release.set()  # only now may the relay round end
        return True

    scheduler = await _run(relay, Heartbeat(), five_ticks_during_one_round)
    assert scheduler.ticks >= 5, "the election waited for the relay"
    assert scheduler.stopped


class OneStuckClaimer:
    """The first claimer's round stalls (a lister's run, a slow platform); others return."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.stuck: int | None = None
        self.others = 0
        self.lock = threading.Lock()

    def deliver_due(self) -> int:
        with self.lock:
            if self.stuck is None:
                self.stuck = threading.get_ident()
            me_stuck = self.stuck == threading.get_ident()
            if not me_stuck:
                self.others += 1
        if me_stuck:
            self.release.wait(10)
        return 0


async def test_one_slow_claimer_never_holds_up_the_others() -> None:
    relay = OneStuckClaimer()

    def others_ran_rounds(_s: FakeScheduler) -> bool:
        if relay.others < 20:
            return False
        relay.release.set()
        return True

    await _run(relay, Heartbeat(), others_ran_rounds, claimers=3)
    assert relay.others >= 20, "the other claimers waited for the stuck one's round"


def test_healthy_only_when_every_loop_is() -> None:
    relay, election = Heartbeat(), Heartbeat()
    assert both(relay, election) == (True, "ok")
    election.stopped = True
    assert both(relay, election) == (False, "background loop has stopped")


def test_heartbeat_goes_stale_after_failed_rounds() -> None:
    now = [1000.0]
    heartbeat = Heartbeat(clock=lambda: now[0], stale=120)
    assert heartbeat.health() == (True, "ok")
    for _ in range(4):
        heartbeat.failed()
    now[0] += 121
    ok, detail = heartbeat.health()
    assert not ok and "121 s" in detail and "4 failed" in detail
    heartbeat.beat()
    assert heartbeat.health() == (True, "ok")


async def test_healthz_answers_503_while_the_loop_is_unhealthy() -> None:
    state = {"ok": True}

    def liveness() -> tuple[bool, str]:
        return (True, "ok") if state["ok"] else (False, "background loop has stopped")

    app = build_web_app(
        SimpleNamespace(),  # type: ignore[arg-type]
        Metrics(),
        WebConfig(webhook_secret=None, readiness=lambda: (True, "ok"), liveness=liveness),
    )
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        state["ok"] = False
        resp = await client.get("/healthz")
        assert resp.status == 503
        assert (await resp.json())["detail"] == "background loop has stopped"

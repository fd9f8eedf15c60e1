"""``python app.py serve``: the HTTP server (every route), the outbox relay loop woken after
each commit, and the scheduler's leader election, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from runtime.scheduler import LEADER_CHECK_SECONDS, Scheduler

if TYPE_CHECKING:
    from app import Container


# /healthz fails when the background loop has not completed a round for this long
STALE_SECONDS = 120.0
MAX_BACKOFF_SECONDS = 30.0


class Heartbeat:
    """When the background loop (outbox relay, scheduler election) last completed a round.

    A database error fails one round, never the loop; ``health`` is what ``/healthz``
    answers, so an orchestrator restarts a process whose loop is stuck or gone."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, stale: float = STALE_SECONDS
    ) -> None:
        self.clock = clock
        self.stale = stale
        self.last = clock()
        self.failures = 0
        self.stopped = False

    def beat(self) -> None:
        self.last = self.clock()
        self.failures = 0

    def failed(self) -> None:
        self.failures += 1

    def health(self) -> tuple[bool, str]:
        if self.stopped:
            return False, "background loop has stopped"
        age = self.clock() - self.last
        if age > self.stale:
            return False, (
                f"background loop has not completed a round for {int(age)} s "
                f"({self.failures} failed in a row)"
            )
        return True, "ok"


def settle_heap() -> None:
    """Move everything built at start-up (models, vocabularies, the app) out of the
    garbage collector's reach: a full collection walking it paused the event loop for
    about 125 ms, every acknowledgement waiting behind it (``bench/ack_bench.py``)."""
    gc.collect()
    gc.freeze()


async def serve_forever(container: Container) -> None:
    from aiohttp import web

    from app import build_http_app

    log = logging.getLogger("countersign")
    heartbeat = Heartbeat()
    election = Heartbeat()
    app = build_http_app(
        container, liveness=lambda: both(heartbeat, election), ingest_lane=ingest_lane(container)
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, container.settings.HOST, container.settings.PORT)
    settle_heap()
    await site.start()
    log.info("listening", extra={"host": container.settings.HOST, "port": container.settings.PORT})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiting = await asyncio.to_thread(container.relay.undeliverable_topics)
    if waiting:
        log.warning(
            "outbox rows wait for a surface that is not configured here; they are delivered "
            "once it is",
            extra={"topics": ",".join(waiting)},
        )
    from models.leader import ClaimerLock

    claimer = ClaimerLock(container.engine)
    container.relay.claimer = claimer.current
    # SQLite has one writer: one claimer
    postgres = container.engine.dialect.name == "postgresql"
    claimers = container.settings.RELAY_WORKERS if postgres else 1
    tasks = [
        asyncio.create_task(relay_loop(container, stop, heartbeat, claimers=claimers)),
        asyncio.create_task(election_loop(Scheduler(container), stop, election)),
    ]
    await stop.wait()
    container.relay.stopping.set()  # a lister mid-burst ends at its next step
    for task in tasks:
        task.cancel()
    await runner.cleanup()
    claimer.close()
    container.close()


def ingest_lane(container: Container) -> Any:
    """Worker processes for webhook ingest on PostgreSQL (``INGEST_PROCESSES``); None
    (threads of this process) on SQLite, whose one writer gains nothing from them."""
    processes = container.settings.INGEST_PROCESSES
    if container.engine.dialect.name != "postgresql" or processes < 1:
        return None
    from runtime.ingest_workers import ProcessIngestLane

    return ProcessIngestLane(container.settings, processes)


def both(*heartbeats: Heartbeat) -> tuple[bool, str]:
    """Healthy when every background loop is."""
    for h in heartbeats:
        ok, detail = h.health()
        if not ok:
            return ok, detail
    return True, "ok"


async def relay_loop(
    container: Container,
    stop: asyncio.Event,
    heartbeat: Heartbeat,
    *,
    idle: float = 2.0,
    max_backoff: float = MAX_BACKOFF_SECONDS,
    claimers: int = 1,
) -> None:
    """Deliver outbox rows soon after each commit, and every few seconds anyway. A failed
    round (PostgreSQL restarting, a network blip) is logged by its error class and
    retried with backoff; the loop itself never ends early. ``claimers`` loops run side
    by side, each on a thread of its own and woken by every commit: one held up by a slow
    row (a note waiting for its channel's slot, the burst's lister) never holds up the
    others, and none waits for another to finish a round."""
    wakes = [threading.Event() for _ in range(max(1, claimers))]

    def wake_all() -> None:
        for wake in wakes:
            wake.set()

    container.deps.after_commit = wake_all
    pool = ThreadPoolExecutor(len(wakes), thread_name_prefix="relay")
    try:
        await asyncio.gather(
            *(_claim_loop(container, stop, heartbeat, w, pool, idle, max_backoff) for w in wakes)
        )
    finally:
        heartbeat.stopped = True
        pool.shutdown(wait=False, cancel_futures=True)


async def _claim_loop(
    container: Container,
    stop: asyncio.Event,
    heartbeat: Heartbeat,
    wake: threading.Event,
    pool: ThreadPoolExecutor,
    idle: float,
    max_backoff: float,
) -> None:
    log = logging.getLogger("countersign.relay")
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        delay = idle
        try:
            await loop.run_in_executor(pool, container.relay.deliver_due)
            heartbeat.beat()
        except Exception as exc:
            heartbeat.failed()
            delay = min(idle * 2**heartbeat.failures, max_backoff)
            log.warning(
                "background round failed; retrying",
                extra={"error": type(exc).__name__, "retry_in_s": delay},
            )
        await loop.run_in_executor(pool, wake.wait, delay)
        wake.clear()


async def election_loop(
    scheduler: Any,
    stop: asyncio.Event,
    heartbeat: Heartbeat,
    *,
    every: float = LEADER_CHECK_SECONDS,
) -> None:
    """Hold or seek the scheduler's leadership every ``every`` seconds, on its own timer:
    a relay round slowed by Slack (paced posts, a stalled call) never delays it, so
    leadership moves soon after a leader dies."""
    log = logging.getLogger("countersign.scheduler")
    try:
        while not stop.is_set():
            try:
                await asyncio.to_thread(scheduler.tick)
                heartbeat.beat()
            except Exception as exc:
                heartbeat.failed()
                log.warning("leader election failed; retrying", extra={"error": type(exc).__name__})
            try:
                await asyncio.wait_for(stop.wait(), every)
            except TimeoutError:
                pass
    finally:
        heartbeat.stopped = True
        scheduler.stop()

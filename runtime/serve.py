"""``python app.py serve``: the HTTP server (every route), the outbox relay loop woken after
each commit, and the scheduler's leader election, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import TYPE_CHECKING

from runtime.scheduler import LEADER_CHECK_SECONDS, Scheduler

if TYPE_CHECKING:
    from app import Container


async def serve_forever(container: Container) -> None:
    from aiohttp import web

    from app import build_http_app

    log = logging.getLogger("countersign")
    app = build_http_app(container)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, container.settings.HOST, container.settings.PORT)
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
    relay_task = asyncio.create_task(_relay_loop(container, stop))
    await stop.wait()
    relay_task.cancel()
    await runner.cleanup()
    container.close()


async def _relay_loop(container: Container, stop: asyncio.Event) -> None:
    """Deliver outbox rows soon after each commit, and every few seconds anyway."""
    wake = threading.Event()
    container.deps.after_commit = wake.set
    scheduler = Scheduler(container)
    loop = asyncio.get_running_loop()
    last_election = -LEADER_CHECK_SECONDS
    try:
        while not stop.is_set():
            await asyncio.to_thread(container.relay.deliver_due)
            if loop.time() - last_election >= LEADER_CHECK_SECONDS:
                await asyncio.to_thread(scheduler.tick)
                last_election = loop.time()
            await asyncio.to_thread(wake.wait, 2.0)
            wake.clear()
    finally:
        scheduler.stop()

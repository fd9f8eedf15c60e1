"""Webhook ingest in worker processes of its own (``INGEST_PROCESSES``, PostgreSQL).

Storing a batch of mentions is CPU work in Python (sentiment, encryption, the audit
chain's MACs, the ORM). On threads of the serving process it held the interpreter lock
while people's commands and clicks waited to be acknowledged; in worker processes it
competes with them only for a CPU. Each worker builds its own container (its own
connection pool, no PHI screen: ingest never screens) once, at start.

A worker that dies (killed, out of memory) fails the batch it held: the webhook answers
503 and the sender retries (a batch is one transaction, and a mention stored before the
crash comes back as a duplicate). The pool is rebuilt for the next batch. A worker
whose serving process is gone (SIGKILL) exits within a second.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from web.server import IngestUnavailable
from workflows.types import MentionInput
from workflows.views import IngestResult

if TYPE_CHECKING:
    from aiohttp import web

    from app import Settings
    from workflows.services.shared import Deps

log = logging.getLogger("countersign.ingest")

ORPHAN_CHECK_SECONDS = 1.0

# the worker's own container's services (set by its initializer)
_DEPS: Any = None


class IngestFailed(Exception):
    """A batch failed in a worker; only the error's class crosses the process boundary
    (its message could quote mention text, and not every exception pickles)."""


class _NoScreen:
    """Ingest never screens a draft; a worker does not load the PHI model."""

    def screen(self, reply: str, mention: Any, org: Any = None) -> Any:
        raise RuntimeError("the ingest worker has no PHI screen")


def exit_when_orphaned(
    parent: int,
    getppid: Callable[[], int] = os.getppid,
    leave: Callable[[int], None] = os._exit,
    every: float = ORPHAN_CHECK_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Until the serving process that started this worker is gone; then leave."""
    while getppid() == parent:
        sleep(every)
    leave(0)


def _start_worker(settings: Settings, parent: int) -> None:
    global _DEPS
    from app import build_container, configure_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the serving process handles Ctrl-C
    configure_logging(settings.LOG_LEVEL)
    threading.Thread(
        target=exit_when_orphaned, args=(parent,), name="orphan-check", daemon=True
    ).start()
    _DEPS = build_container(settings, screen=_NoScreen()).deps
    _DEPS.after_commit = None  # the serving process wakes its relay


def _ready() -> int:
    return os.getpid()


def _ingest(inputs: Sequence[MentionInput]) -> list[IngestResult]:
    from workflows.services import mentions

    try:
        return mentions.ingest(_DEPS, inputs)
    except Exception as exc:
        raise IngestFailed(type(exc).__name__) from None


class ProcessIngestLane:
    """The webhook's ingest lane (``web.server.IngestLane``'s interface) on ``processes``
    worker processes, started with the application and stopped with it."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self._settings = settings
        self._processes = max(1, processes)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = asyncio.Lock()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._settings, os.getpid()),
        )

    async def _warm(self, pool: ProcessPoolExecutor) -> list[int]:
        """Start every worker now (the first batch should not wait for it)."""
        loop = asyncio.get_running_loop()
        jobs = [loop.run_in_executor(pool, _ready) for _ in range(self._processes)]
        return list(await asyncio.gather(*jobs))

    def worker_pids(self) -> list[int]:
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    async def ingest(self, deps: Deps, inputs: Sequence[MentionInput]) -> list[IngestResult]:
        pool = self._pool
        if pool is None:
            raise RuntimeError("the ingest lane is closed: open it with the application")
        try:
            results: list[IngestResult] = await asyncio.get_running_loop().run_in_executor(
                pool, _ingest, list(inputs)
            )
        except BrokenProcessPool:
            log.warning("an ingest worker died; starting new ones")
            await self._replace(pool)
            raise IngestUnavailable("an ingest worker stopped; send the batch again") from None
        if deps.after_commit is not None and any(r.negative and not r.duplicate for r in results):
            deps.after_commit()  # new mentions to post: wake this process's relay
        return results

    async def _replace(self, broken: ProcessPoolExecutor) -> None:
        async with self._lock:
            if self._pool is not broken:
                return  # another request replaced it already
            broken.shutdown(wait=False, cancel_futures=True)
            fresh = self._new_pool()
            self._pool = fresh
        try:
            await self._warm(fresh)
        except BrokenProcessPool:
            log.warning("new ingest workers did not start")

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        pool = self._new_pool()
        try:
            await self._warm(pool)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        self._pool = pool
        try:
            yield
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                await asyncio.to_thread(pool.shutdown, True)

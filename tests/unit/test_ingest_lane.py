"""The webhook's ingest lane: a burst of mentions waits on threads of its own, never
ahead of people's work on the default pool."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp import web

from web.server import IngestLane

# More than the default pool ever has (min(32, CPUs + 4)): if the lane used it, people's
# work below would wait for the blocked ingest jobs.
BLOCKED_JOBS = 40


async def test_people_work_is_not_queued_behind_a_blocked_burst() -> None:
    lane = IngestLane(threads=2)
    release = threading.Event()
    seen: set[str] = set()

    def ingest_job() -> None:
        seen.add(threading.current_thread().name)
        release.wait(10)

    lifecycle = lane.context(web.Application())
    await lifecycle.__anext__()
    try:
        burst = [asyncio.ensure_future(lane.run(ingest_job)) for _ in range(BLOCKED_JOBS)]
        await asyncio.sleep(0.05)
        answer = await asyncio.wait_for(asyncio.to_thread(lambda: "signed off"), timeout=5)
        assert answer == "signed off"
        assert not any(job.done() for job in burst)
        release.set()
        await asyncio.wait_for(asyncio.gather(*burst), timeout=10)
        assert seen and all(name.startswith("ingest") for name in seen)
        assert len(seen) <= 2
    finally:
        release.set()
        await lifecycle.aclose()


async def test_the_lane_runs_work_only_while_the_application_is_open() -> None:
    lane = IngestLane()
    with pytest.raises(RuntimeError, match="closed"):
        await lane.run(lambda a, b: a + b, 2, 3)
    lifecycle = lane.context(web.Application())
    await lifecycle.__anext__()
    assert await lane.run(lambda a, b: a + b, 2, 3) == 5
    await lifecycle.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await lane.run(lambda a, b: a + b, 2, 3)


def test_a_worker_leaves_once_its_serving_process_is_gone() -> None:
    from runtime.ingest_workers import exit_when_orphaned

    parents = iter([41, 41, 41, 1])  # reparented to init after the third check
    left: list[int] = []
    naps: list[float] = []
    exit_when_orphaned(41, getppid=lambda: next(parents), leave=left.append, sleep=naps.append)
    assert left == [0]
    assert len(naps) == 3

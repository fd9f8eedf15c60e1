"""Webhook ingest in worker processes (``runtime.ingest_workers``): a batch is stored by
another process and wakes this one's relay; a worker that dies fails its batch with a
503 and the next batch is stored; workers leave when their serving process is killed;
through the HTTP app the webhook answers as it does on threads."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from models.tables import Mention, OutboxMessage
from runtime.ingest_workers import ProcessIngestLane
from tests.conftest import make_settings
from tests.integration.test_webhook import mention, sign
from web.server import IngestUnavailable
from workflows.types import MentionInput

ROOT = Path(__file__).resolve().parents[2]


def _inputs(*ids: str) -> list[MentionInput]:
    return [
        MentionInput(
            source="google",
            external_id=i,
            platform="google",
            author="A reviewer",
            text="Waited three hours and nobody called us back. Terrible.",
            rating=1,
        )
        for i in ids
    ]


def _count(container: Any, model: Any) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


async def test_a_batch_is_stored_by_a_worker_and_wakes_this_process_s_relay(
    container: Any, db_url: str
) -> None:
    woken: list[int] = []
    container.deps.after_commit = lambda: woken.append(1)
    lane = ProcessIngestLane(make_settings(db_url), processes=1)
    lifecycle = lane.context(web.Application())
    await lifecycle.__anext__()
    try:
        (worker,) = lane.worker_pids()
        assert worker != os.getpid()
        results = await lane.ingest(container.deps, _inputs("g-1", "g-2"))
        assert [r.external_id for r in results] == ["g-1", "g-2"]
        assert all(r.negative and not r.duplicate for r in results)
        assert woken == [1]
        assert _count(container, Mention) == 2
        assert _count(container, OutboxMessage) >= 2
        # the same batch again: duplicates, nothing new to post, no wake
        again = await lane.ingest(container.deps, _inputs("g-1", "g-2"))
        assert all(r.duplicate for r in again)
        assert [r.id for r in again] == [r.id for r in results]
        assert woken == [1]
    finally:
        await lifecycle.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await lane.ingest(container.deps, _inputs("g-3"))


async def test_a_worker_that_dies_fails_its_batch_and_the_next_batch_is_stored(
    container: Any, db_url: str
) -> None:
    lane = ProcessIngestLane(make_settings(db_url), processes=1)
    lifecycle = lane.context(web.Application())
    await lifecycle.__anext__()
    try:
        (worker,) = lane.worker_pids()
        os.kill(worker, signal.SIGKILL)
        with pytest.raises(IngestUnavailable, match="send the batch again"):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # until the pool has noticed the death
                await lane.ingest(container.deps, _inputs(f"k-{time.monotonic_ns()}"))
                await asyncio.sleep(0.05)
        stored = await lane.ingest(container.deps, _inputs("after-the-crash"))
        assert not stored[0].duplicate
        assert lane.worker_pids() and worker not in lane.worker_pids()
    finally:
        await lifecycle.aclose()


async def test_the_webhook_answers_through_worker_processes(container: Any, db_url: str) -> None:
    from app import build_http_app

    lane = ProcessIngestLane(make_settings(db_url), processes=1)
    client = TestClient(TestServer(build_http_app(container, ingest_lane=lane)))
    await client.start_server()
    try:
        body = json.dumps([mention(1, external_id="w-1")]).encode()
        resp = await client.post(
            "/webhooks/mentions",
            data=body,
            headers={"Content-Type": "application/json", "X-Countersign-Signature": sign(body)},
        )
        assert resp.status == 202
        answer = await resp.json()
        assert answer["mentions"][0]["external_id"] == "w-1"
        assert answer["mentions"][0]["duplicate"] is False
        bad = await client.post(
            "/webhooks/mentions",
            data=body,
            headers={"Content-Type": "application/json", "X-Countersign-Signature": "sha256=0"},
        )
        assert bad.status == 401
    finally:
        await client.close()
    assert _count(container, Mention) == 1


async def test_the_webhook_answers_503_with_retry_after_when_the_lane_cannot_take_a_batch(
    container: Any,
) -> None:
    from app import build_http_app

    class Unavailable:
        async def ingest(self, deps: Any, inputs: Any) -> Any:
            raise IngestUnavailable("an ingest worker stopped; send the batch again")

        async def context(self, _app: Any) -> AsyncIterator[None]:
            yield

    client = TestClient(TestServer(build_http_app(container, ingest_lane=Unavailable())))
    await client.start_server()
    try:
        body = json.dumps([mention(2)]).encode()
        resp = await client.post(
            "/webhooks/mentions",
            data=body,
            headers={"Content-Type": "application/json", "X-Countersign-Signature": sign(body)},
        )
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "1"
        assert "send the batch again" in (await resp.json())["error"]
    finally:
        await client.close()
    assert _count(container, Mention) == 0


def test_workers_leave_when_their_serving_process_is_killed(sqlite_url: str) -> None:
    """A serving process SIGKILLed (the chaos bench does it a hundred times) must not
    leave its workers behind holding database connections."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        sys.path.insert(0, {str(ROOT)!r})
        from aiohttp import web
        from runtime.ingest_workers import ProcessIngestLane
        from tests.conftest import make_settings

        async def main():
            lane = ProcessIngestLane(make_settings({sqlite_url!r}), processes=2)
            lifecycle = lane.context(web.Application())
            await lifecycle.__anext__()
            print(" ".join(map(str, lane.worker_pids())), flush=True)
            await asyncio.sleep(120)

        asyncio.run(main())
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert parent.stdout is not None
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert len(workers) == 2
        assert all(_alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers)
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"

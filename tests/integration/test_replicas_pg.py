"""Two real app processes on one PostgreSQL database and one fake Slack Web API: a
signed Slack request accepted by one is refused as a replay by the other, and a burst of
new mentions delivered by both relays at once keeps the channel to one post a second,
with the rest of the burst listed in one message, nothing lost and nothing posted
twice."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.slack.wiring import signed_headers
from models.tables import OutboxMessage
from sandbox.slack_emulator import SlackEmulator, slash_command_body
from tests.conftest import TEST_KEY, make_settings
from tests.support.fakes import FakeScreen, FixedSentiment
from workflows.services import mentions
from workflows.types import MentionInput

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "xoxb-replica-token"
SECRET = "replica-signing-secret"
TEAM = "T1"
CH = "C0REVIEWS"
BURST = 8  # over the digest threshold (5): five parents, three listed in one message


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _refusals(port: int) -> float:
    """Slack requests this replica refused for their signature (its /metrics)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    found = re.search(r'^countersign_auth_failures_total\{surface="slack"\} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def _wait_for_refusals(port: int, want: float, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while _refusals(port) != want and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _refusals(port) == want


def _wait_ready(port: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"replica on port {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"replica on port {port} did not become ready")


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    emu = SlackEmulator(token=TOKEN, team_id=TEAM)
    emu.add_user("U0AUTHOR", "ann")
    emu.add_channel(CH, "reviews", members=["U0AUTHOR"])
    emu.start_background()
    yield emu
    emu.stop_background()


@pytest.fixture
def replicas(pg_url: str, emulator: SlackEmulator, tmp_path: Path) -> Iterator[list[Any]]:
    """Two replicas: (port, trace file) each."""
    started: list[tuple[subprocess.Popen[bytes], Any]] = []
    out: list[Any] = []
    for n in (1, 2):
        port = _free_port()
        trace = tmp_path / f"replica{n}.trace"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATABASE_URL": pg_url,
            "DATA_ENCRYPTION_KEY": TEST_KEY,
            "LOG_LEVEL": "WARNING",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL_ID": CH,
            "SLACK_TEAM_ID": TEAM,
            "SLACK_API_BASE_URL": emulator.base_url,
            "AUDIT_CHECKPOINT_PATH": str(tmp_path / f"checkpoints{n}.jsonl"),
            "REPLICA_TRACE": str(trace),
            # one claim loop each, so neither replica's loops take the whole burst
            # before the other's wakes: the test shows that both deliver it
            "RELAY_WORKERS": "1",
        }
        log = (tmp_path / f"replica{n}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.replica_process"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((proc, log))
        out.append((port, trace))
    try:
        deadline = time.monotonic() + 30
        for (proc, _log), (port, _trace) in zip(started, out, strict=True):
            _wait_ready(port, proc, deadline)
        yield out
    finally:
        for proc, _log in started:
            proc.send_signal(signal.SIGTERM)
        for proc, log in started:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def _slash(text: str) -> bytes:
    return slash_command_body(
        team=TEAM, channel=CH, user="U0AUTHOR", text=text, trigger_id=f"trig-{time.time_ns()}"
    )


def test_replay_refused_by_the_other_replica_and_channel_pace_shared(
    pg_url: str, emulator: SlackEmulator, replicas: list[Any]
) -> None:
    (port1, trace1), (port2, trace2) = replicas

    # A signed request accepted by replica 1 is a replay for replica 2: a command is
    # acknowledged before its replay check, and its work dropped and counted as refused
    body = _slash("help")
    headers = signed_headers(SECRET, body)
    assert _post(port1, body, headers) == 200
    assert _post(port2, body, headers) == 200
    assert _post(port1, body, headers) == 200
    _wait_for_refusals(port2, 1)
    _wait_for_refusals(port1, 1)
    fresh = _slash("help")
    assert _post(port2, fresh, signed_headers(SECRET, fresh)) == 200
    time.sleep(0.5)
    assert _refusals(port2) == 1

    # A burst of new mentions, delivered by both relays at once.
    container = build_writer(pg_url)
    try:
        burst = [
            MentionInput("webhook", f"burst-{i}", "google", "Pat Q", "Rude staff", rating=1)
            for i in range(BURST)
        ]
        ids = [r.id for r in mentions.ingest(container.deps, burst)]
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and _pending(container):
            time.sleep(0.5)
        assert not _pending(container), "the burst was not delivered in time"
    finally:
        container.close()

    posts = sorted(
        (c for c in emulator.calls_to("chat.postMessage") if c.params.get("channel") == CH),
        key=lambda c: c.at,
    )
    assert all(c.ok for c in posts), [c.response for c in posts if not c.ok]
    gaps = [b.at - a.at for a, b in itertools.pairwise(posts)]
    assert len(posts) == 5 + 1  # five parents of their own, then one burst listing
    assert min(gaps) >= 0.9, gaps

    keys = [str((m.metadata or {}).get("event_payload", {}).get("key")) for m in _ours(emulator)]
    own = [int(k.split(":")[1]) for k in keys if re.fullmatch(r"mention:\d+", k)]
    assert len(own) == len(set(own)) == 5, keys
    listings = [m for m in emulator.messages(CH) if "arrived together" in m.text]
    assert len(listings) == 1
    listed = {int(n) for n in re.findall(r"\*M-(\d+)\*", json.dumps(listings[0].blocks))}
    assert listed == set(ids) - set(own), "the rest of the burst is listed, once"
    # both replicas delivered part of the burst
    assert trace1.exists() and trace2.exists()
    assert trace1.read_text().split() and trace2.read_text().split()


def build_writer(pg_url: str) -> Any:
    """A third process's view of the database (no chat wiring) to queue the mentions."""
    from app import build_container

    return build_container(make_settings(pg_url), screen=FakeScreen(), sentiment=FixedSentiment())


def _pending(container: Any) -> bool:
    with container.deps.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.status).where(OutboxMessage.topic == "chat.mention_new")
        ).scalars()
        return any(status != "done" for status in rows)


def _ours(emulator: SlackEmulator) -> list[Any]:
    return [m for m in emulator.all_messages(CH) if m.metadata]

"""`POST /slack/events` acts only on correctly signed, fresh, first-time requests. Bad,
missing and expired signatures get 401; a replayed command or click is acknowledged (its
replay check runs after the answer) and does nothing; a replayed form or event gets 401.
Every refusal changes nothing and is counted."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.modals import CB_INFO
from bot.slack.wiring import SLACK_VERIFIER_KEY, SignatureVerifier, signed_headers
from sandbox.slack_emulator import SlackEmulator
from tests.slack.conftest import AUTHOR, SECRET, TEAM, Slack, ingest
from tests.support.fakes import MemorySharedState
from tests.support.hostile import settle


def _failures(slack: Any) -> float:
    return float(
        slack.container.metrics.registry.get_sample_value(
            "countersign_auth_failures_total", {"surface": "slack"}
        )
        or 0.0
    )


def _tampered(signature: str) -> str:
    """The signature with its last hex digit changed, never equal to the original (a
    fixed "00" ending matched the genuine one by chance, 1 run in 256)."""
    return signature[:-1] + ("1" if signature[-1] != "1" else "2")


def _verifier(slack: Any) -> SignatureVerifier:
    return slack.client.server.app[SLACK_VERIFIER_KEY]


def _revisions(slack: Any, mid: int) -> int:
    from workflows.services import reporting
    from workflows.types import Actor

    return len(reporting.status(slack.container.deps, Actor.cli(), mid).revisions)


CT = "application/x-www-form-urlencoded"


async def test_good_signature_is_accepted(slack: Any) -> None:
    resp = await slack.command(AUTHOR, "help")
    assert resp.status == 200
    assert _failures(slack) == 0


async def test_missing_bad_expired_and_replayed_are_refused(slack: Any) -> None:
    mid = ingest(slack.container)
    body = slack.command_body(AUTHOR, f"M-{mid} Thank you for the feedback")
    good = signed_headers(SECRET, body)
    cases = {
        "missing": ({}, False),
        "missing timestamp": ({"X-Slack-Signature": good["X-Slack-Signature"]}, False),
        "wrong secret": (signed_headers("not-the-secret", body), False),
        "tampered": ({**good, "X-Slack-Signature": _tampered(good["X-Slack-Signature"])}, False),
        "expired": (signed_headers(SECRET, body, int(time.time()) - 301), False),
        "future": (signed_headers(SECRET, body, int(time.time()) + 400), False),
        "junk timestamp": ({**good, "X-Slack-Request-Timestamp": "soon"}, False),
    }
    for n, (name, (headers, _)) in enumerate(cases.items(), start=1):
        resp = await slack.post(body, CT, headers=headers, sign=False)
        assert resp.status == 401, name
        assert _failures(slack) == n, name
    assert _revisions(slack, mid) == 0

    # the genuine request goes through once; the same bytes again are a replay: answered
    # with the same empty acknowledgement, then dropped by the work it would have started
    resp = await slack.post(body, CT, headers=good, sign=False)
    assert resp.status == 200
    await slack.answer(AUTHOR)
    assert _revisions(slack, mid) == 1
    answers = len(slack.ephemerals(AUTHOR))
    resp = await slack.post(body, CT, headers=good, sign=False)
    assert resp.status == 200
    assert await resp.text() == ""
    await settle()
    assert _failures(slack) == len(cases) + 1
    assert _revisions(slack, mid) == 1
    assert len(slack.ephemerals(AUTHOR)) == answers  # not even an answer


async def test_a_replayed_form_is_refused_before_it_is_handled(slack: Any) -> None:
    """A form's answer can depend on its work (errors shown in the form), so its replay
    check runs before dispatch and a replay gets 401."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": AUTHOR, "team_id": TEAM},
        "api_app_id": "A0COUNTERSIGN",
        "trigger_id": "trig-form",
        "view": {"id": "V1", "type": "modal", "callback_id": CB_INFO, "state": {"values": {}}},
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    good = signed_headers(SECRET, body)
    first = await slack.post(body, CT, headers=good, sign=False)
    assert first.status == 200
    again = await slack.post(body, CT, headers=good, sign=False)
    assert again.status == 401
    assert _failures(slack) == 1


async def test_the_replay_check_of_a_command_runs_after_its_answer(slack: Any) -> None:
    """The acknowledgement does not wait for the replay check (a database statement on
    PostgreSQL); the work does, and a check that fails drops it with an apology."""
    mid = ingest(slack.container)
    gate = asyncio.Event()
    shared = slack.container.deps.shared
    claim = shared.claim_request_signature

    def held(signature: str, expires: float) -> bool:
        # runs on a thread (or the loop): wait until the answer has been read
        deadline = time.monotonic() + 5
        while not gate.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        return claim(signature, expires)

    verifier = _verifier(slack)
    verifier._claim, verifier._claim_async, verifier._in_process = held, None, False
    resp = await slack.command(AUTHOR, f"M-{mid} Thank you for the feedback")
    assert resp.status == 200
    assert _revisions(slack, mid) == 0  # answered before the check, nothing done yet
    gate.set()
    await slack.answer(AUTHOR)
    assert _revisions(slack, mid) == 1

    def broken(signature: str, expires: float) -> bool:
        raise ConnectionError("database unreachable")

    verifier._claim = broken
    before = len(slack.ephemerals(AUTHOR))
    resp = await slack.command(AUTHOR, f"M-{mid} Thank you again")
    assert resp.status == 200
    await settle()
    assert _revisions(slack, mid) == 1
    assert "went wrong" in slack.ephemerals(AUTHOR)[before]


async def test_signed_for_other_body_is_refused(slack: Any) -> None:
    body = slack.command_body(AUTHOR, "queue")
    other = slack.command_body(AUTHOR, "help")
    resp = await slack.post(body, CT, headers=signed_headers(SECRET, other), sign=False)
    assert resp.status == 401


async def test_url_verification_challenge(slack: Any) -> None:
    import json

    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    resp = await slack.post(body, "application/json")
    assert resp.status == 200
    assert "abc123" in await resp.text()
    resp = await slack.post(body, "application/json", sign=False)
    assert resp.status == 401


@pytest.mark.parametrize("in_process", [False, True])
async def test_verifier_unit(in_process: bool) -> None:
    now = [1_700_000_000.0]
    shared = MemorySharedState()
    v = SignatureVerifier(
        SECRET, shared.claim_request_signature, clock=lambda: now[0], in_process=in_process
    )
    body = b"a=1"
    h = signed_headers(SECRET, body, int(now[0]))
    ts, sig = h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"]
    assert await v.refusal(body, ts, sig) is None
    assert shared.signatures == {sig: now[0] + 301}
    assert await v.refusal(body, ts, sig) == "replayed"
    # another replica sharing the store refuses it too
    other = SignatureVerifier(SECRET, shared.claim_request_signature, clock=lambda: now[0])
    assert await other.refusal(body, ts, sig) == "replayed"
    assert await v.refusal(body, None, sig) == "missing"
    now[0] += 301
    h2 = signed_headers(SECRET, b"b=2", int(now[0]) - 301)
    assert await v.refusal(b"b=2", h2["X-Slack-Request-Timestamp"], h2["X-Slack-Signature"]) == (
        "expired"
    )
    assert shared.purge(now[0] + 1) == 1
    unset = SignatureVerifier(None, shared.claim_request_signature)
    assert await unset.refusal(body, ts, sig) == "not_configured"
    # slack_sdk's own verifier agrees on what a valid signature is
    from slack_sdk.signature import SignatureVerifier as SdkVerifier

    fresh = signed_headers(SECRET, body)
    assert SdkVerifier(SECRET).is_valid(
        body, fresh["X-Slack-Request-Timestamp"], fresh["X-Slack-Signature"]
    )


async def test_ssl_check_and_odd_bodies_are_answered_not_500(slack: Any) -> None:
    import json

    resp = await slack.post(b"ssl_check=1&token=legacy", CT)
    assert resp.status == 200
    for body in (b"[]", b"[1, 2]", b'"text"', b"{not json"):
        resp = await slack.post(body, "application/json")
        assert resp.status == 400, body
    # an event wrapper that is a list inside an object still dispatches normally
    ok = json.dumps({"type": "url_verification", "challenge": "c1", "token": "x"}).encode()
    assert (await slack.post(ok, "application/json")).status == 200


async def test_the_replay_check_starts_no_thread_and_closes_with_the_app(
    slack_container: Any, emulator: SlackEmulator
) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from app import build_http_app

    before = set(threading.enumerate())
    client = TestClient(TestServer(build_http_app(slack_container)))
    await client.start_server()
    try:
        slack = Slack(client, emulator, slack_container)
        assert (await slack.command(AUTHOR, "help")).status == 200
        started = [
            t
            for t in threading.enumerate()
            if t not in before and t.name.startswith("replay-check")
        ]
        # SQLite: a lookup in memory; PostgreSQL: the event loop's own connections
        assert not started
    finally:
        await client.close()  # the app's clean-up
    engine = slack_container.engine
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        from models.shared_state import LEDGER_APPLICATION_NAME

        with engine.connect() as conn:
            left = conn.execute(
                # this test's own database: other test runs may share the server
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :n"
                ),
                {"n": LEDGER_APPLICATION_NAME},
            ).scalar()
        assert left == 0, "the app's clean-up closes the replay check's connections"

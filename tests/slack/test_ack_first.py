"""The acknowledgement is written before the work after it: a slash command's and a
button's HTTP answer does not wait for the service, the work after it runs a few at a
time, and a listener's failure before or after ``ack()`` is handled as Bolt would."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.handlers import SlackHandlers, answer_at_ack
from tests.slack.conftest import AUTHOR, MARKETING, ingest


def hold(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> threading.Event:
    """``module.name`` (a service) waits in its worker thread until the event is set."""
    release = threading.Event()
    real = getattr(module, name)

    def held(*args: Any) -> Any:
        assert release.wait(10)
        return real(*args)

    monkeypatch.setattr(module, name, held)
    return release


async def test_command_is_answered_before_its_service_runs(
    slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflows.services import reporting

    release = hold(monkeypatch, reporting, "queue")
    resp = await asyncio.wait_for(slack.command(AUTHOR, "queue"), 5)
    assert resp.status == 200
    assert slack.ephemerals(AUTHOR) == []  # the service is still waiting
    release.set()
    assert "waiting" in await slack.answer(AUTHOR)


async def test_button_is_answered_before_its_service_runs(
    slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflows import perform

    mid = ingest(slack.container)
    release = hold(monkeypatch, perform, "perform")
    resp = await asyncio.wait_for(slack.click(MARKETING, "mention_assign", f"M-{mid}"), 5)
    assert resp.status == 200
    assert slack.ephemerals(MARKETING) == []
    release.set()
    assert await slack.answer(MARKETING)


async def test_work_after_acks_runs_a_few_at_a_time() -> None:
    handlers = SlackHandlers(deps=None, channel_id=None, after_ack_slots=2)
    running, most = 0, 0
    gate = asyncio.Event()

    async def job() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await gate.wait()
        running -= 1

    for _ in range(5):
        handlers.after_ack(job())
    await asyncio.sleep(0.05)
    assert running == 2
    gate.set()
    await asyncio.gather(*handlers._tasks)
    assert most == 2 and running == 0


def _app(listener: Any, spawn: Any) -> AsyncApp:
    async def authorize(**_kwargs: Any) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test")

    app = AsyncApp(
        signing_secret="unused",
        authorize=authorize,
        request_verification_enabled=False,
        process_before_response=True,
    )
    app.command("/reply")(answer_at_ack(spawn, listener))
    return app


def _command() -> AsyncBoltRequest:
    return AsyncBoltRequest(
        body="command=%2Freply&text=x&team_id=T1&user_id=U1&channel_id=C1",
        headers={"content-type": ["application/x-www-form-urlencoded"]},
    )


async def test_answer_at_ack_answers_before_the_listener_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handlers = SlackHandlers(deps=None, channel_id=None)
    finish = asyncio.Event()
    after: list[str] = []

    async def listener(ack: Any) -> None:
        await ack(text="on it")
        await finish.wait()
        after.append("done")
        raise RuntimeError("secret reply text")

    resp = await asyncio.wait_for(_app(listener, handlers.spawn).async_dispatch(_command()), 2)
    assert (resp.status, resp.body) == (200, "on it")
    assert after == []
    with caplog.at_level(logging.ERROR, logger="countersign.slack"):
        finish.set()
        await asyncio.gather(*handlers._tasks, return_exceptions=True)
        await asyncio.sleep(0)  # the done callbacks
    assert after == ["done"]
    # a failure after the acknowledgement is logged by its class only
    errors = [r for r in caplog.records if r.getMessage() == "slack listener error"]
    assert [getattr(r, "error", None) for r in errors] == ["RuntimeError"]
    assert "secret" not in repr([vars(r) for r in caplog.records])


async def test_answer_at_ack_failure_before_ack_is_a_500() -> None:
    handlers = SlackHandlers(deps=None, channel_id=None)

    async def listener(ack: Any) -> None:
        raise RuntimeError("before the acknowledgement")

    resp = await _app(listener, handlers.spawn).async_dispatch(_command())
    assert resp.status == 500

"""The acknowledgement is written before the work after it: a slash command's and a
button's HTTP answer does not wait for the service, the work after it runs a few at a
time, and a listener's failure before or after ``ack()`` is handled as Bolt would."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.handlers import BUSY, NOT_DONE, SlackHandlers, answer_at_ack
from bot.slack.wiring import SLACK_HANDLERS_KEY
from tests.slack.conftest import AUTHOR, MARKETING, RISK, ingest, until


def hold(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, entered: list[int] | None = None
) -> threading.Event:
    """``module.name`` (a service) waits in its worker thread until the event is set;
    ``entered`` counts the calls that reached it."""
    release = threading.Event()
    real = getattr(module, name)

    def held(*args: Any) -> Any:
        if entered is not None:
            entered.append(1)
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


async def fill_the_slots(slack: Any, monkeypatch: pytest.MonkeyPatch, jobs: int) -> Any:
    """``jobs`` ``/reply queue`` commands acknowledged, the first four (every slot) held
    in their service until the returned event is set, the rest waiting."""
    from workflows.services import reporting

    entered: list[int] = []
    release = hold(monkeypatch, reporting, "queue", entered)
    for _ in range(jobs):
        assert (await slack.command(AUTHOR, "queue")).status == 200
    await until(lambda: len(entered) == 4, 5)
    return release, entered


async def test_forms_open_at_once_while_every_slot_is_busy(
    slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trigger_id expires three seconds after the click: the jobs that open a form do
    not wait for a slot (nor for a worker thread) behind the other work."""
    mid = ingest(slack.container)
    release, entered = await fill_the_slots(slack, monkeypatch, 7)
    try:
        start = time.monotonic()
        await slack.command(AUTHOR, f"M-{mid}")  # the drafting form, after a service read
        await slack.click(MARKETING, "mention_draft", f"M-{mid}")  # the same, from a button
        await slack.click(RISK, "mention_dismiss", f"M-{mid}")  # a reason form, no service
        await until(lambda: len(slack.opened_views()) == 3, 1.5)
        opened = [c.at for c in slack.emulator.calls_to("views.open")]
        assert all(c.ok for c in slack.emulator.calls_to("views.open"))
        assert time.monotonic() - start < 1.5  # three forms; about 0.1 s here
        assert len(entered) == 4  # the ordinary jobs are still held and waiting
        assert slack.ephemerals(AUTHOR) == []
        assert len(opened) == 3
    finally:
        release.set()
    await until(lambda: len(slack.ephemerals(AUTHOR)) == 7)


async def test_a_burst_past_the_waiting_room_is_answered_busy(
    slack: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    handlers = slack.client.server.app[SLACK_HANDLERS_KEY]
    handlers.after_ack_waiting = 2
    mid = ingest(slack.container)
    release, _ = await fill_the_slots(slack, monkeypatch, 6)  # four running, two waiting
    try:
        with caplog.at_level(logging.WARNING, logger="countersign.slack"):
            resp = await slack.command(AUTHOR, "check secret words")
            assert resp.status == 200
            assert BUSY in (await resp.json())["text"]
            assert (await slack.click(MARKETING, "mention_assign", f"M-{mid}")).status == 200
            assert BUSY in await slack.answer(MARKETING, wait=5)
            # a form is refused too: the total of admitted jobs is bounded
            assert (await slack.click(RISK, "mention_dismiss", f"M-{mid}")).status == 200
            assert BUSY in await slack.answer(RISK, wait=5)
        busy = [r for r in caplog.records if r.getMessage() == "slack work refused: busy"]
        assert len(busy) == 3
        assert "secret" not in repr([vars(r) for r in caplog.records])
        assert slack.opened_views() == []
    finally:
        release.set()
    # the six admitted jobs are all done, none was lost
    await until(lambda: len(slack.ephemerals(AUTHOR)) == 6)
    assert handlers.has_room()


async def test_a_replica_shutting_down_tells_the_people_whose_jobs_never_ran(
    slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = slack.client.server.app[SLACK_HANDLERS_KEY]
    handlers.drain_seconds = 0.2
    release, entered = await fill_the_slots(slack, monkeypatch, 6)  # four running, two waiting
    try:
        await slack.client.server.app.shutdown()  # what the runner's cleanup calls first
        assert not handlers.has_room()
        # the two that waited did nothing and are told so; the four running were past
        # their start (their service is still held in its thread)
        assert [a for a in slack.ephemerals(AUTHOR) if NOT_DONE in a] == [NOT_DONE] * 2
        assert len(entered) == 4
    finally:
        release.set()


class Jobs:
    """One slot; jobs that wait for ``gate`` and say they ran; what people were told."""

    def __init__(self) -> None:
        self.handlers = SlackHandlers(deps=None, channel_id=None, after_ack_slots=1)
        self.gate = asyncio.Event()
        self.told: list[str] = []
        self.done: list[int] = []

    async def job(self, n: int) -> None:
        await self.gate.wait()
        self.done.append(n)

    async def notify(self, text: str) -> None:
        self.told.append(text)

    def add(self, n: int) -> bool:
        return self.handlers.after_ack(self.job(n), self.notify)


async def test_shutdown_finishes_the_jobs_it_can_and_tells_the_rest() -> None:
    jobs = Jobs()
    handlers = jobs.handlers
    assert jobs.add(1) and jobs.add(2)
    await asyncio.sleep(0.01)  # job 1 holds the slot, job 2 waits
    asyncio.get_running_loop().call_later(0.05, jobs.gate.set)
    await handlers.drain(grace=5)  # both finish within the grace
    assert jobs.done == [1, 2] and jobs.told == []
    # once draining, nothing more is taken
    assert not handlers.has_room()
    assert not jobs.add(3)


async def test_shutdown_past_its_grace_cancels_and_tells_the_waiting() -> None:
    jobs = Jobs()
    handlers = jobs.handlers
    assert jobs.add(1) and jobs.add(2) and jobs.add(3)
    await asyncio.sleep(0.01)
    await handlers.drain(grace=0.05)
    # job 1 was running (its person is not told "not done": it may have been); jobs 2
    # and 3 had not started, did nothing, and their people are told to try again
    assert jobs.done == [] and jobs.told == [NOT_DONE, NOT_DONE]
    assert handlers._jobs == {} and handlers._tasks == set()


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

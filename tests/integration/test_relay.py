"""The outbox relay delivers after commit, outside any transaction, with retries."""

from __future__ import annotations

from sqlalchemy import select

from models.tables import OutboxMessage
from workflows.relay import OutboxItem, Relay, Retry
from workflows.services import chat, drafting, mentions, roles, signoff, viewing
from workflows.types import MentionInput


def rows(deps):  # type: ignore[no-untyped-def]
    with deps.uow() as uow:
        return [
            (r.topic, r.status, r.attempts, r.last_error)
            for r in uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        ]


def ingest(deps, n: int = 1) -> None:  # type: ignore[no-untyped-def]
    mentions.ingest(
        deps, [MentionInput("h", str(i), "google", "A", "bad", rating=1) for i in range(n)]
    )


def test_handler_may_open_its_own_unit_of_work(deps) -> None:  # type: ignore[no-untyped-def]
    ingest(deps, 2)
    seen: list[str] = []

    def handler(item: OutboxItem) -> None:
        # Reading (and writing) from inside a handler must not deadlock on SQLite.
        seen.append(viewing.mention_view(deps, item.mention_id or 0).ref)
        chat.save_thread(deps, item.mention_id or 0, "slack", "C1", ts="1.0")

    relay = Relay(deps)
    relay.register("chat", handler)
    assert relay.deliver_due() == 2
    assert seen == ["M-1", "M-2"]
    assert [r[1] for r in rows(deps)] == ["done", "done"]
    assert relay.deliver_due() == 0


def test_retry_after_and_dead_letter(deps, clock) -> None:  # type: ignore[no-untyped-def]
    ingest(deps)
    calls: list[int] = []

    def flaky(item: OutboxItem) -> None:
        calls.append(item.attempts)
        raise Retry("ratelimited", after=30)

    relay = Relay(deps, max_attempts=3)
    relay.register("chat.mention_new", flaky)
    assert relay.deliver_due() == 0
    assert rows(deps) == [("chat.mention_new", "pending", 1, "ratelimited")]
    assert relay.deliver_due() == 0 and calls == [0], "not due before Retry-After"
    clock.advance(seconds=31)
    relay.deliver_due()
    clock.advance(seconds=31)
    relay.deliver_due()
    assert calls == [0, 1, 2]
    assert rows(deps)[0][1] == "dead"


def test_waiting_is_not_an_attempt_until_the_row_is_an_hour_old(deps, clock) -> None:  # type: ignore[no-untyped-def]
    ingest(deps)
    seen: list[int] = []

    def rate_limited(item: OutboxItem) -> None:
        seen.append(item.attempts)
        raise Retry("slack_ratelimited", after=30, waiting=True)

    relay = Relay(deps, max_attempts=3)
    relay.register("chat.mention_new", rate_limited)
    for _ in range(10):  # far more waits than max_attempts: still pending, never dead
        relay.deliver_due()
        clock.advance(seconds=31)
    assert len(seen) == 10 and set(seen) == {0}, "a wait never counts as a send"
    assert rows(deps) == [("chat.mention_new", "pending", 0, "slack_ratelimited")]
    clock.advance(hours=1)
    for _ in range(3):
        relay.deliver_due()
        clock.advance(seconds=31)
    assert rows(deps)[0][1] == "dead", "after an hour of waiting, waits count again"


def test_a_crashing_handler_does_not_stop_the_others(deps, clock) -> None:  # type: ignore[no-untyped-def]
    ingest(deps, 2)

    def boom(item: OutboxItem) -> None:
        if item.mention_id == 1:
            raise RuntimeError("bug")

    relay = Relay(deps)
    relay.register("chat", boom)
    assert relay.deliver_due() == 1
    assert [r[1:] for r in rows(deps)] == [("pending", 1, "RuntimeError"), ("done", 1, None)]


def test_unhandled_topics_wait_for_a_surface(deps) -> None:  # type: ignore[no-untyped-def]
    """With no chat surface configured a new mention's row stays pending (not closed
    undelivered), and is delivered once a surface is."""
    ingest(deps)
    idle = Relay(deps)
    assert idle.deliver_due() == 0
    assert rows(deps) == [("chat.mention_new", "pending", 0, None)]
    assert idle.undeliverable_topics() == ["chat.mention_new"]
    seen: list[str] = []
    later = Relay(deps)
    later.register("chat", lambda item: seen.append(item.topic))
    assert later.deliver_due() == 1
    assert seen == ["chat.mention_new"]
    assert rows(deps) == [("chat.mention_new", "done", 1, None)]


def test_two_adapters_on_one_prefix_both_deliver(deps) -> None:  # type: ignore[no-untyped-def]
    ingest(deps)
    seen: list[str] = []
    fail_once = {"teams": True}

    def slack(item: OutboxItem) -> None:
        seen.append("slack")

    def teams(item: OutboxItem) -> None:
        seen.append("teams")
        if fail_once["teams"]:
            fail_once["teams"] = False
            raise Retry("teams_down", after=0)

    relay = Relay(deps)
    relay.register("chat", slack, adapter="slack")
    relay.register("chat", teams, adapter="teams")
    relay.deliver_due()
    assert seen == ["slack", "teams", "slack", "teams"]
    assert [r[1] for r in rows(deps)] == ["done"]


def _approved(deps) -> None:  # type: ignore[no-untyped-def]
    from workflows.types import Actor

    cli = Actor.cli()
    roles.add_role(deps, cli, "slack:UMKT", "marketing")
    roles.add_role(deps, cli, "slack:URISK", "risk")
    ingest(deps)
    author = Actor("slack", "UAUTH", channel_member=True)
    drafting.create_revision(deps, author, "M-1", "Thank you. Please call our office at 555-0100.")
    signoff.sign_off(deps, Actor("slack", "UMKT"), "M-1", 1, "marketing")
    signoff.sign_off(deps, Actor("slack", "URISK"), "M-1", 1, "risk")


def test_a_refused_publish_moves_the_mention_to_publish_failed(deps) -> None:  # type: ignore[no-untyped-def]
    from workflows.relay import Refused

    _approved(deps)

    def refuse(item: OutboxItem) -> None:
        raise Refused("platform_refused")

    relay = Relay(deps)
    relay.register("publish", refuse)
    relay.register("chat", lambda item: None)
    relay.deliver_due()
    assert viewing.mention_view(deps, 1).state == "publish_failed"
    publish = [r for r in rows(deps) if r[0] == "publish"]
    assert publish == [("publish", "dead", 1, "platform_refused")]
    assert any(r[0] == "chat.publish_failed" for r in rows(deps))  # the thread is told


def test_a_publish_whose_retries_run_out_moves_to_publish_failed(deps, clock) -> None:  # type: ignore[no-untyped-def]
    _approved(deps)

    def flaky(item: OutboxItem) -> None:
        raise Retry("platform_503")

    relay = Relay(deps, max_attempts=3)
    relay.register("publish", flaky)
    relay.register("chat", lambda item: None)
    for _ in range(4):
        relay.deliver_due()
        clock.advance(seconds=600)
    assert viewing.mention_view(deps, 1).state == "publish_failed"


def test_a_dead_chat_row_tells_the_thread_once_and_the_alert_is_not_realerted(deps, clock) -> None:  # type: ignore[no-untyped-def]
    ingest(deps)
    seen: list[tuple[str, dict[str, object]]] = []

    def always_failing(item: OutboxItem) -> None:
        seen.append((item.topic, item.payload))
        raise Retry("slack_down", after=1)

    relay = Relay(deps, max_attempts=2)
    relay.register("chat", always_failing)
    for _ in range(6):
        relay.deliver_due()
        clock.advance(seconds=5)
    states = rows(deps)
    assert [(t, s) for t, s, _a, _e in states] == [
        ("chat.mention_new", "dead"),
        ("chat.delivery_failed", "dead"),  # Slack is down for the alert too: no third row
    ]
    assert ("chat.delivery_failed", {"topic": "chat.mention_new"}) in seen


class ProcessKilled(BaseException):
    """Stands for SIGKILL inside a handler: nothing after it runs in that process."""


def _killed_mid_send(deps, claimer):  # type: ignore[no-untyped-def]
    def dies(item: OutboxItem) -> None:
        raise ProcessKilled

    relay = Relay(deps, claimer=claimer)
    relay.register("chat", dies)
    try:
        relay.deliver_due()
    except ProcessKilled:
        pass


def test_a_dead_processs_claim_is_taken_before_its_lease_runs_out(container, deps, clock) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from models.leader import ClaimerLock

    if container.engine.dialect.name != "postgresql":
        pytest.skip("claimer locks are PostgreSQL advisory locks")
    ingest(deps)
    dead, alive = ClaimerLock(container.engine), ClaimerLock(container.engine)
    _killed_mid_send(deps, dead.current)
    seen: list[int] = []
    survivor = Relay(deps, claimer=alive.current)
    survivor.register("chat", lambda item: seen.append(item.attempts))
    clock.advance(seconds=61)
    assert survivor.deliver_due() == 0, "its claimer is alive: the lease holds"
    dead.close()  # the process is gone, and with it its lock
    clock.advance(seconds=-30)
    assert survivor.deliver_due() == 0, "claimed 31 s ago: its call may still be landing"
    clock.advance(seconds=30)
    assert survivor.deliver_due() == 1
    assert seen == [1], "the taker knows a claim came before (reads back before sending)"
    assert rows(deps)[0][1] == "done"
    alive.close()


def test_without_a_claimer_a_dead_processs_row_waits_for_its_lease(deps, clock) -> None:  # type: ignore[no-untyped-def]
    ingest(deps)
    _killed_mid_send(deps, lambda: None)
    survivor = Relay(deps)
    survivor.register("chat", lambda item: None)
    clock.advance(seconds=100)
    assert survivor.deliver_due() == 0
    clock.advance(seconds=21)
    assert survivor.deliver_due() == 1


def test_a_row_waiting_for_its_slot_holds_up_one_worker_not_the_queue(container, deps) -> None:  # type: ignore[no-untyped-def]
    import threading

    import pytest

    from models.leader import ClaimerLock

    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: its relay runs one claimer")
    ingest(deps, 12)
    first_claimed, release_first = threading.Event(), threading.Event()
    delivered: list[int] = []
    lock = threading.Lock()

    def handler(item: OutboxItem) -> None:
        if item.mention_id == 1:  # the slow one: waits for a slot (or a slow platform)
            first_claimed.set()
            assert release_first.wait(10), "the other rows never finished"
        with lock:
            delivered.append(item.mention_id or 0)
        if len(delivered) == 11:
            release_first.set()

    claimer = ClaimerLock(container.engine)
    relay = Relay(deps, claimer=claimer.current)
    relay.register("chat", handler)
    counts: list[int] = []
    claimers = [  # three claim loops of one process, as `serve` runs them
        threading.Thread(target=lambda: counts.append(relay.deliver_due())) for _ in range(3)
    ]
    for t in claimers:
        t.start()
    for t in claimers:
        t.join()
    assert sum(counts) == 12
    claimer.close()
    assert first_claimed.is_set()
    assert sorted(delivered) == list(range(1, 13)), "each row delivered once"
    assert delivered[-1] == 1, "the eleven others went while the first one waited"
    assert {r[1] for r in rows(deps)} == {"done"}


def test_one_claimer_delivers_in_order(deps) -> None:  # type: ignore[no-untyped-def]
    ingest(deps, 3)
    seen: list[int] = []
    relay = Relay(deps)
    relay.register("chat", lambda item: seen.append(item.mention_id or 0))
    assert relay.deliver_due() == 3 and seen == [1, 2, 3]

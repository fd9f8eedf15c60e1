"""The state replicas share (``models.shared_state``: ``SqlSharedState`` on PostgreSQL,
``InProcessSharedState`` on SQLite): signatures claimed once, channel slots reserved
atomically, the burst state locked, written back only on success; and a blocked attempt
found from the database."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from workflows.services import drafting, mentions
from workflows.types import Actor, MentionInput

AUTHOR = Actor("slack", "UAUTH", channel_member=True)
OTHER = Actor("slack", "UOTHER", channel_member=True)
BLOCKED = "We reviewed your chart."


def test_a_signature_is_claimed_once_and_purged_after_expiry(deps: Any) -> None:
    shared = deps.shared
    # only SQLite's claims stay in the process (the Slack route then skips the thread)
    assert shared.claims_in_process == (shared.engine.dialect.name == "sqlite")
    assert shared.claim_request_signature("v0=aa", 100.0)
    assert not shared.claim_request_signature("v0=aa", 100.0)
    assert shared.claim_request_signature("v0=bb", 200.0)
    assert shared.purge(150.0) == 1
    assert not shared.claim_request_signature("v0=bb", 200.0)
    assert shared.claim_request_signature("v0=aa", 300.0)  # forgotten (stale anyway)


async def test_the_route_claims_on_its_own_connections_once_across_replicas(
    deps: Any, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite's claims stay in the process")
    from sqlalchemy import text

    from models.shared_state import LEDGER_APPLICATION_NAME, SqlSharedState

    shared, other = deps.shared, SqlSharedState(deps.shared.engine)  # a second replica
    try:
        assert await shared.claim_request_signature_async("v0=dd", 100.0)
        assert not await other.claim_request_signature_async("v0=dd", 100.0)
        assert not shared.claim_request_signature("v0=dd", 100.0)  # one table for both
        claims = [shared.claim_request_signature_async("v0=ee", 100.0) for _ in range(6)]
        assert sum(await asyncio.gather(*claims)) == 1
        # the server drops the idle connections (a restart): the next claim reconnects
        with shared.engine.begin() as conn:
            dropped = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :n"
                ),
                {"n": LEDGER_APPLICATION_NAME},
            ).scalar()
        assert dropped and dropped >= 2
        assert await shared.claim_request_signature_async("v0=ff", 100.0)
        assert not await other.claim_request_signature_async("v0=ff", 100.0)
    finally:
        await shared.close_async()
        await other.close_async()


async def test_claims_wait_their_turn_for_the_ledgers_one_connection(
    deps: Any, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from models.shared_state import SignatureLedger

    ledger = SignatureLedger(db_url, size=1)
    try:
        claims = [ledger.claim(f"v0={i % 4}", 100.0) for i in range(12)]
        assert sum(await asyncio.gather(*claims)) == 4  # four signatures, each once
    finally:
        await ledger.close()


def test_the_store_fits_the_database(deps: Any, db_url: str) -> None:
    from sqlalchemy import create_engine, func, select

    from models.shared_state import InProcessSharedState, SqlSharedState
    from models.tables import SeenSignature

    postgres = db_url.startswith("postgresql")
    assert type(deps.shared) is (SqlSharedState if postgres else InProcessSharedState)
    assert deps.shared.claim_request_signature("v0=cc", 100.0)
    with deps.shared.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(SeenSignature)).scalar()
    assert stored == (1 if postgres else 0)  # SQLite serves one process: kept in it
    if not postgres:
        with pytest.raises(ValueError, match="PostgreSQL"):
            SqlSharedState(create_engine(db_url))


def test_slots_are_spaced_blocked_and_refused_beyond_max_wait(deps: Any) -> None:
    shared = deps.shared

    def take(now: float, max_wait: float = 5.0) -> Any:
        return shared.reserve_channel_slot("C1", now=now, interval=1.0, burst=1, max_wait=max_wait)

    assert [take(1000.0).wait for _ in range(3)] == [0.0, 1.0, 2.0]
    too_long = take(1000.0, max_wait=2.5)
    assert not too_long.reserved and too_long.wait == 3.0
    assert take(1000.0).wait == 3.0  # the refused one took nothing
    assert take(1000.0, max_wait=0.0).wait == 4.0 and not take(1000.0, 0.0).reserved
    assert shared.reserve_channel_slot(
        "C2", now=1000.0, interval=1.0, burst=1, max_wait=0
    ).reserved  # channels are independent
    shared.block_channel("C2", 1010.0)
    blocked = shared.reserve_channel_slot("C2", now=1005.0, interval=1.0, burst=1, max_wait=9)
    assert blocked.blocked and not blocked.reserved and blocked.wait == 5.0
    after = shared.reserve_channel_slot("C2", now=1010.0, interval=1.0, burst=1, max_wait=9)
    assert after.reserved and after.wait == 0.0


def test_concurrent_reservations_never_share_a_slot(deps: Any) -> None:
    shared = deps.shared
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            slot = shared.reserve_channel_slot(
                "C1", now=1000.0, interval=1.0, burst=1, max_wait=100.0
            )
            with lock:
                waits.append(slot.wait)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [float(i) for i in range(20)]


def test_burst_state_is_locked_and_saved_only_on_success(deps: Any) -> None:
    shared = deps.shared
    with shared.burst("C1") as state:
        assert state.last == 0.0 and state.recent == []
        state.recent.append(1.5)
        state.last = 3.0
    with pytest.raises(RuntimeError), shared.burst("C1") as state:
        state.recent.append(8.0)
        raise RuntimeError("the listing claim failed")
    with shared.burst("C1") as state:
        assert (state.recent, state.last) == ([1.5], 3.0)

    # Read-modify-write under the lock from several threads loses nothing.
    def add(n: int) -> None:
        with shared.burst("C2") as state:
            time.sleep(0.01)
            state.recent.append(float(n))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with shared.burst("C2") as state:
        assert sorted(state.recent) == [float(n) for n in range(8)]


@contextlib.contextmanager
def held_elsewhere(shared: Any, channel: str, last: float | None = None) -> Iterator[None]:
    """The channel's burst lock held by another thread (another replica's row) meanwhile."""
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with shared.burst(channel) as state:
            if last is not None:
                state.last = last
            held.set()
            done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    try:
        yield
    finally:
        done.set()
        holder.join()


def test_a_busy_burst_lock_is_refused_at_once_without_waiting(deps: Any) -> None:
    from workflows.shared_state import BurstBusy

    shared = deps.shared
    with held_elsewhere(shared, "C3", last=7.0):
        t0 = time.monotonic()
        with pytest.raises(BurstBusy), shared.burst("C3", wait=False):
            pytest.fail("entered a lock another holder has")
        assert time.monotonic() - t0 < 1.0, "refused at once, not after the lock timeout"
        with shared.burst("C4", wait=False) as other:  # another channel's lock is free
            other.last = 1.0
    with shared.burst("C3", wait=False) as state:  # free again; the holder's write kept
        assert state.last == 7.0


def test_a_row_that_finds_the_burst_lock_taken_waits_without_queueing(deps: Any) -> None:
    from workflows.services import listing

    mentions.ingest(deps, [MentionInput("hook", "1", "google", "Dana Smith", "Bad", rating=1)])
    policy = listing.policy(0.9, 5, 60.0, 2.0, 100)
    with held_elsewhere(deps.shared, "C9"):
        t0 = time.monotonic()
        got = listing.turn(deps, "slack", "C9", 1, time.time(), policy)
        assert time.monotonic() - t0 < 1.0
        assert got.do is listing.Do.WAIT and 1.0 <= got.after < 2.0 and got.listing is None
    assert listing.turn(deps, "slack", "C9", 1, time.time(), policy).do is listing.Do.OWN


def test_an_exclusive_key_is_held_against_everyone_else_and_leaves_the_channel_free(
    deps: Any,
) -> None:
    shared = deps.shared
    inside: list[int] = []
    overlaps = [0]

    def post(n: int) -> None:
        with shared.exclusive("own-message:slack:7"):
            inside.append(n)
            if len(inside) > 1:
                overlaps[0] += 1
            time.sleep(0.02)
            inside.remove(n)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps[0] == 0, "two holders of one key at once"
    if hasattr(shared, "_exclusive"):
        assert shared._exclusive == {}, "a key's lock is forgotten once nobody holds it"
    with shared.exclusive("own-message:slack:7"):
        # another key, and the channel's burst lock, are free meanwhile
        with shared.burst("C7", wait=False), shared.exclusive("own-message:slack:8"):
            pass


def test_a_blocked_attempt_is_found_from_the_database(deps: Any) -> None:
    mentions.ingest(deps, [MentionInput("hook", "1", "google", "Dana Smith", "Bad", rating=1)])
    assert drafting.blocked_attempt(deps, AUTHOR, "M-1", 0, BLOCKED) is None
    out = drafting.create_revision(deps, AUTHOR, "M-1", BLOCKED, 0)
    assert out.blocked
    assert drafting.blocked_attempt(deps, AUTHOR, "M-1", 0, f"  {BLOCKED}\n") == 1
    assert drafting.blocked_attempt(deps, AUTHOR, "M-1", 0, "Other text") is None
    assert drafting.blocked_attempt(deps, OTHER, "M-1", 0, BLOCKED) is None
    assert drafting.blocked_attempt(deps, AUTHOR, "M-1", 1, BLOCKED) is None
    drafting.create_revision(deps, AUTHOR, "M-1", "Thank you, please call us.", 0)
    assert drafting.blocked_attempt(deps, AUTHOR, "M-1", 0, BLOCKED) is None  # not latest

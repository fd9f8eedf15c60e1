"""The shared-state port's logic (``workflows.shared_state``) with the in-memory fake."""

from __future__ import annotations

import pytest

from tests.support.fakes import MemorySharedState
from workflows.services import listing
from workflows.shared_state import OWN_MESSAGE, BurstState, listing_asker, next_slot


def test_next_slot_paces_evenly_with_burst() -> None:
    # one a second, no burst: the second post waits a second
    slot, later = next_slot(0.0, 10.0, 1.0, 1, 5.0)
    assert (slot.wait, slot.reserved, later) == (0.0, True, 11.0)
    slot, later = next_slot(later, 10.0, 1.0, 1, 5.0)
    assert (slot.wait, later) == (1.0, 12.0)
    # a burst of 3 runs ahead of the even pace, then waits
    at, waits = 0.0, []
    for _ in range(4):
        slot, at = next_slot(at, 10.0, 1.0, 3, 5.0)
        waits.append(slot.wait)
    assert waits == [0.0, 0.0, 0.0, 1.0]
    # too long a wait reserves nothing
    slot, unchanged = next_slot(20.0, 10.0, 1.0, 1, 5.0)
    assert not slot.reserved and slot.wait == 10.0 and unchanged == 20.0


def test_fake_shares_pace_and_replays_between_two_users() -> None:
    shared = MemorySharedState()
    first = shared.reserve_channel_slot("C", now=0.0, interval=1.0, burst=1, max_wait=2)
    second = shared.reserve_channel_slot("C", now=0.0, interval=1.0, burst=1, max_wait=2)
    assert (first.wait, second.wait) == (0.0, 1.0)
    shared.block_channel("C", 30.0)
    assert shared.reserve_channel_slot("C", now=0.0, interval=1.0, burst=1, max_wait=2).blocked
    assert shared.claim_request_signature("s", 5.0)
    assert not shared.claim_request_signature("s", 5.0)


def test_burst_state_written_back_only_without_an_exception() -> None:
    shared = MemorySharedState()
    with shared.burst("C") as state:
        state.recent.append(1.0)
    with pytest.raises(ValueError), shared.burst("C") as state:
        state.recent.append(2.0)
        raise ValueError
    assert shared.bursts["C"] == BurstState(recent=[1.0])


def test_a_listing_hold_keeps_notes_off_the_channel_until_it_ends() -> None:
    shared = MemorySharedState()
    listing = shared.reserve_channel_slot(
        "C", now=0.0, interval=1.0, burst=1, max_wait=2, asker=listing_asker(1.5)
    )
    assert listing.reserved and listing.wait == 0.0
    note = shared.reserve_channel_slot("C", now=0.2, interval=1.0, burst=1, max_wait=2)
    assert not note.reserved and not note.blocked and note.wait == pytest.approx(1.3)
    # the next listing goes first, and ends the hold (nothing more waits)
    last = shared.reserve_channel_slot(
        "C", now=0.3, interval=1.0, burst=1, max_wait=2, asker=listing_asker(0.0)
    )
    assert last.reserved and last.wait == pytest.approx(0.7)
    note = shared.reserve_channel_slot("C", now=0.4, interval=1.0, burst=1, max_wait=2)
    assert note.reserved and note.wait == pytest.approx(1.6)


def test_a_mention_s_first_message_passes_a_listing_hold_and_leaves_it() -> None:
    shared = MemorySharedState()
    shared.reserve_channel_slot(
        "C", now=0.0, interval=1.0, burst=1, max_wait=2, asker=listing_asker(1.5)
    )
    first = shared.reserve_channel_slot(
        "C", now=0.2, interval=1.0, burst=1, max_wait=3, asker=OWN_MESSAGE
    )
    assert first.reserved and first.wait == pytest.approx(0.8)  # the slot after the listing's
    # the hold is the listing's still: a note keeps waiting for it to end
    note = shared.reserve_channel_slot("C", now=0.3, interval=1.0, burst=1, max_wait=2)
    assert not note.reserved and note.wait == pytest.approx(1.2)


def test_a_new_mention_s_own_message_may_wait_one_slot_longer_than_a_note() -> None:
    shared = MemorySharedState()
    policy = listing.ListingPolicy(interval=1.0, max_sleep=2.0)
    for _ in range(3):  # notes fill every slot a note may wait for (0, 1 and 2 s)
        assert listing.reserve_message_slot(shared, "C", 0.0, policy, burst=1).reserved
    note = listing.reserve_message_slot(shared, "C", 0.0, policy, burst=1)
    assert not note.reserved and note.wait == pytest.approx(3.0)
    own = listing.reserve_message_slot(shared, "C", 0.0, policy, burst=1, own_message=True)
    assert own.reserved and own.wait == pytest.approx(3.0)

"""Slack burst listings: a lost post answer loses nothing and lists nothing twice (the
claim is re-claimed and the message looked up by its delivery key), also when a replica
dies between the post and the commit; two workers on PostgreSQL claiming listings at
once never list a mention twice; listings take the channel's slot before notes."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack.poster import client_factory, register_handlers
from sandbox.slack_emulator import DEFAULT_TOKEN, SlackEmulator
from tests.conftest import make_settings
from tests.slack.test_poster import CH, ingest, make_poster, outbox_rows, paced_poster
from tests.support.fakes import FakeScreen, FixedSentiment
from tests.support.relay import deliver
from workflows.services import chat, listing
from workflows.shared_state import listing_asker
from workflows.types import aware


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    e = SlackEmulator()
    e.add_channel(CH, "reviews", members=["U0AUTHOR"])
    e.start_background()
    yield e
    e.stop_background()


def _shown(emu: SlackEmulator) -> tuple[list[int], list[int]]:
    """(mentions with their own message, mentions in listing selects, repeats kept)."""
    own: list[int] = []
    listed: list[int] = []
    for m in emu.messages(CH):
        key = str((m.metadata or {}).get("event_payload", {}).get("key"))
        if re.fullmatch(r"mention:\d+", key):
            own.append(int(key.split(":")[1]))
        for blk in m.blocks:
            if blk["type"] == "actions" and blk.get("block_id") == "burst:open":
                listed += [int(o["value"][2:]) for o in blk["elements"][0]["options"]]
    return own, listed


def _all_done(container: Any) -> bool:
    return all(r.status == "done" for r in outbox_rows(container, "chat.mention_new"))


def test_a_lost_post_answer_is_found_again_not_posted_twice(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    make_poster(container, emu, digest_threshold=3)
    ids = ingest(container, 3)
    deliver(container)
    # The listing is posted but Slack's answer is lost (a 500 after applying it).
    emu.fail("chat.postMessage", "internal_error", status=500, apply=True)
    ids += ingest(container, 20, start=10)
    deliver(container)
    listings = [m for m in emu.messages(CH) if "arrived together" in m.text]
    assert len(listings) == 1
    # the failed post gave its claim up at once: the next row of the claimed mentions
    # looked for the message by its delivery key, found it and confirmed it
    failed = [r for r in outbox_rows(container, "chat.mention_new") if r.last_error]
    assert [r.last_error for r in failed] == ["slack_internal_error"]
    for _ in range(5):
        clock.advance(seconds=3)
        deliver(container)
    assert _all_done(container), [r.last_error for r in outbox_rows(container)]
    own, listed = _shown(emu)
    assert len([m for m in emu.messages(CH) if "arrived together" in m.text]) == 1
    assert sorted(own + listed) == sorted(ids) and len(listed) == len(set(listed)) == 20
    for mid in listed:
        assert listing.is_listed(chat.get_thread(container.deps, mid, "slack"))


def test_a_replica_dying_between_post_and_commit_loses_nothing(
    container: Any, emu: SlackEmulator, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def now() -> float:
        return float(clock.now.timestamp())

    make_poster(container, emu, digest_threshold=3, wall_clock=now)
    ids = ingest(container, 3)
    deliver(container)
    real_confirm = listing.confirm

    def dies(*_a: Any, **_k: Any) -> None:
        raise SystemError("killed after the post, before the commit")

    monkeypatch.setattr(listing, "confirm", dies)
    ids += ingest(container, 10, start=10)
    deliver(container)
    monkeypatch.setattr(listing, "confirm", real_confirm)
    # A fresh process (no memory of what it sent) after the claim's lease.
    make_poster(container, emu, digest_threshold=3, wall_clock=now)
    clock.advance(seconds=listing.LISTING_LEASE + 1)
    for _ in range(5):
        deliver(container)
        clock.advance(seconds=3)
    assert _all_done(container), [r.last_error for r in outbox_rows(container)]
    own, listed = _shown(emu)
    assert len([m for m in emu.messages(CH) if "arrived together" in m.text]) == 1
    assert sorted(own + listed) == sorted(ids) and len(listed) == len(set(listed))


def test_listings_go_before_notes_in_the_channel(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    """While more mentions wait to be listed, the channel's slots go to listings: a note
    asking for a slot meanwhile waits (``Retry`` without using up an attempt)."""
    shared = container.deps.shared
    now = float(clock.now.timestamp())
    first = shared.reserve_channel_slot(
        CH, now=now, interval=1.0, burst=1, max_wait=2.0, asker=listing_asker(1.5)
    )
    assert first.reserved
    note = shared.reserve_channel_slot(CH, now=now + 0.5, interval=1.0, burst=1, max_wait=2.0)
    assert not note.reserved and not note.blocked and note.wait > 0
    second = shared.reserve_channel_slot(
        CH, now=now + 0.5, interval=1.0, burst=1, max_wait=2.0, asker=listing_asker(0.0)
    )
    assert second.reserved  # the last listing of the backlog releases the hold
    note = shared.reserve_channel_slot(CH, now=now + 0.6, interval=1.0, burst=1, max_wait=2.0)
    assert note.reserved and note.wait >= 1.0  # after the listing's slot


def test_notes_filling_the_channel_do_not_keep_a_waiting_listing_out(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    """Between listers, release notes ask for slots far more often than waiting rows do;
    however many ask, a listing still gets a slot (it may wait one slot longer)."""
    poster = paced_poster(container, emu, clock)
    ingest(container, 3)
    ingest(container, 20, start=10)
    deliver(container)  # three own messages, then one listing of the twenty
    assert len(_shown(emu)[1]) == 20
    late = ingest(container, 5, start=100)  # the burst goes on
    shared, now = container.deps.shared, float(clock.now.timestamp())
    notes = 0
    while shared.reserve_channel_slot(CH, now=now, interval=1.0, burst=1, max_wait=2.0).reserved:
        notes += 1  # notes take every slot they may
    assert notes >= 1
    turn = listing.turn(container.deps, "slack", CH, late[0], now, poster._policy())
    assert turn.do is listing.Do.LIST and turn.listing is not None
    assert set(late) <= set(turn.listing.mention_ids)


def test_a_new_mention_s_own_message_goes_before_notes(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    """The first mentions of a burst get messages of their own. Each asks for the
    channel's slot ahead of notes, as a listing does: neither a lister's hold nor release
    notes taking every slot they may keep a new mention out of the channel."""
    paced_poster(container, emu, clock)
    shared, now = container.deps.shared, float(clock.now.timestamp())
    assert shared.reserve_channel_slot(
        CH, now=now, interval=1.0, burst=1, max_wait=2.0, asker=listing_asker(1.5)
    ).reserved  # a lister holds the channel
    first = ingest(container, 1)
    deliver(container)
    assert _shown(emu)[0] == first
    # the hold is left to the lister: a note asking now still waits for it
    now = float(clock.now.timestamp())
    assert not shared.reserve_channel_slot(
        CH, now=now, interval=1.0, burst=1, max_wait=2.0
    ).reserved
    clock.advance(seconds=2)
    now = float(clock.now.timestamp())
    while shared.reserve_channel_slot(CH, now=now, interval=1.0, burst=1, max_wait=2.0).reserved:
        pass  # notes take every slot they may
    second = ingest(container, 1, start=50)
    deliver(container)
    assert _shown(emu)[0] == first + second


def test_two_workers_on_postgres_never_list_a_mention_twice(
    pg_url: str, emu: SlackEmulator
) -> None:
    """Two containers (as two replicas) on one PostgreSQL database deliver one burst at
    the same time, with real time and a fast pace so that they race for every claim."""
    from app import build_container

    workers = [
        build_container(make_settings(pg_url), screen=FakeScreen(), sentiment=FixedSentiment())
        for _ in range(2)
    ]
    try:
        for w in workers:
            register_handlers(
                w.relay,
                w.deps,
                client_factory(DEFAULT_TOKEN, emu.base_url),
                CH,
                per_second=20.0,
                burst=1,
                digest_threshold=3,
            )
        ids = ingest(workers[0], 700)
        errors: list[BaseException] = []

        def run(w: Any) -> None:
            try:
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline and not _all_done(w):
                    if w.relay.deliver_due() == 0:
                        time.sleep(0.05)
            except BaseException as exc:  # pragma: no cover - shown by the assert
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert _all_done(workers[0]), {r.last_error for r in outbox_rows(workers[0])}
        own, listed = _shown(emu)
        assert len(listed) == len(set(listed)), "a mention listed twice"
        assert not set(own) & set(listed), "a mention both posted and listed"
        assert sorted(own + listed) == sorted(ids)
        assert len(own) == 3
        listings = [m for m in emu.messages(CH) if "arrived together" in m.text]
        assert len(listings) == 7, [len(json.dumps(m.blocks)) for m in listings]
    finally:
        for w in workers:
            w.close()


def test_one_row_lists_a_burst_and_takes_the_lock_once_per_listing(
    container: Any, emu: SlackEmulator, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,000 mentions at once, one post a second: the row that posts the first listing
    keeps listing (``listing.keep_listing``), so the whole burst is visible after the
    relay handled a single row of it (not after it worked through the rows of mentions
    already listed), within two minutes, and the channel's burst lock is taken about
    once per listing post, not once per waiting row. Each listing closes the outbox rows
    of the mentions it lists, so no row of the burst is left for the relay."""

    def now() -> float:
        return float(clock.now.timestamp())

    paced_poster(container, emu, clock)
    ids = ingest(container, 3)
    deliver(container)  # three own messages: the burst begins with the next
    shared = container.deps.shared
    real_burst = shared.burst
    locks = [0]

    def counted(lane: str, **kw: Any) -> Any:
        locks[0] += 1
        return real_burst(lane, **kw)

    monkeypatch.setattr(shared, "burst", counted)
    ids += ingest(container, 997, start=10)
    start = now()
    container.relay.batch = 1
    assert container.relay.deliver_due() == 1  # one row of the burst
    own, listed = _shown(emu)
    assert sorted(own + listed) == sorted(ids) and len(listed) == len(set(listed)) == 997
    posts = [m for m in emu.messages(CH) if "arrived together" in m.text]
    assert len(posts) == 10 and now() - start <= 120
    assert locks[0] <= len(posts) + 2, (locks[0], len(posts))
    # each listing closed the outbox rows of the mentions it listed, in its own
    # transaction: the relay has no row left to work through
    assert _all_done(container)
    container.relay.batch = 2000
    assert container.relay.deliver_due() == 0
    assert locks[0] <= len(posts) + 2
    assert len([m for m in emu.messages(CH) if "arrived together" in m.text]) == 10


def test_the_lister_keeps_listing_past_a_minute_and_keeps_its_row_leased(
    container: Any, emu: SlackEmulator, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst that takes longer than a minute to list (here 400 mentions, five to a
    listing, one post a second): the row that began listing lists all of it, renewing
    its outbox row's lease every half minute so no other relay takes it meanwhile,
    instead of stopping at a budget and leaving the rest to a hand-over; each renewal
    is for the relay's configured lease. (A Teams
    surface that posts nothing keeps the rows open, as a slower platform would.)"""
    from bot.slack import blocks

    monkeypatch.setattr(blocks, "BURST_CAP", 5)
    paced_poster(container, emu, clock)
    container.relay.register("chat", lambda _item: None, adapter="teams")
    ingest(container, 3)
    deliver(container)  # three own messages: the burst begins with the next
    ids = ingest(container, 400, start=10)
    renewals: list[tuple[float, float]] = []
    relay = container.relay
    relay.lease_seconds = 150.0  # the relay's configured lease, not a constant
    real_renew = relay.renew_lease

    def renew(row_id: int) -> None:
        real_renew(row_id)
        row = next(r for r in outbox_rows(container) if r.id == row_id)
        renewals.append((clock.now.timestamp(), aware(row.next_attempt_at).timestamp()))

    monkeypatch.setattr(relay, "renew_lease", renew)
    start = clock.now.timestamp()
    container.relay.batch = 1
    assert container.relay.deliver_due() == 1  # one row of the burst
    assert clock.now.timestamp() - start >= 80  # eighty listings, one a second
    assert sorted(_shown(emu)[1]) == ids
    assert len(renewals) >= 2
    for at, leased_until in renewals:
        assert leased_until - at == pytest.approx(150.0)


def test_a_lister_ends_when_its_process_shuts_down_and_the_rest_is_listed_by_others(
    container: Any, emu: SlackEmulator, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica told to stop (SIGTERM) while it lists a burst ends at its next listing
    instead of listing for minutes (the process would not exit meanwhile); the mentions
    still waiting are listed by the next relay that delivers one of their rows."""
    from bot.slack import blocks

    monkeypatch.setattr(blocks, "BURST_CAP", 5)
    paced_poster(container, emu, clock)
    ingest(container, 3)
    deliver(container)  # three own messages: the burst begins with the next
    ids = ingest(container, 300, start=10)  # sixty listings: a minute of the channel
    relay = container.relay
    real_renew = relay.renew_lease

    def renew_then_stop(row_id: int) -> None:
        real_renew(row_id)
        relay.stopping.set()  # SIGTERM arrives half a minute into the listing

    monkeypatch.setattr(relay, "renew_lease", renew_then_stop)
    relay.batch = 1
    start = clock.now.timestamp()
    assert relay.deliver_due() == 1
    listed = sorted(_shown(emu)[1])
    assert 0 < len(listed) < len(ids)
    assert clock.now.timestamp() - start < 40
    assert relay.deliver_due() == 0  # a stopping relay claims nothing more
    relay.stopping.clear()  # another replica (here the same relay, restarted)
    monkeypatch.setattr(relay, "renew_lease", real_renew)
    deliver(container)
    assert sorted(_shown(emu)[1]) == ids


def test_a_row_is_closed_only_when_every_chat_platform_has_its_mention(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    """Slack and Teams both post new mentions: Slack's listing leaves the rows of the
    mentions it lists open while Teams has neither posted nor listed them, and the Teams
    listing that completes them closes them."""
    paced_poster(container, emu, clock)
    container.relay.register("chat", lambda _item: None, adapter="teams")  # posts nothing
    ingest(container, 3)
    deliver(container)  # three own messages: the burst begins with the next
    ids = ingest(container, 20, start=10)
    container.relay.batch = 1
    assert container.relay.deliver_due() == 1  # one row: Slack lists all twenty
    assert sorted(_shown(emu)[1]) == ids
    pending = [r for r in outbox_rows(container, "chat.mention_new") if r.status == "pending"]
    assert len(pending) == 19  # the handled row is done; Teams has the others still to do

    now = float(clock.now.timestamp())
    turn = listing.turn(
        container.deps, "teams", "19:reviews", ids[-1], now, listing.ListingPolicy(threshold=0)
    )
    assert turn.do is listing.Do.LIST and turn.listing is not None
    assert set(turn.listing.mention_ids) == {r.mention_id for r in pending}
    listing.confirm(
        container.deps, "teams", turn.listing, "activity-1", platforms=("slack", "teams")
    )
    assert _all_done(container)

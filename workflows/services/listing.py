"""Burst listing: whether a new mention gets a message of its own in a chat channel or is
listed with others in a listing message, and which mentions the next listing message
holds. Decided here once for Slack and Teams; the adapters only draw and post.

Every decision is a ``chat_threads`` row written under the channel's burst lock
(``deps.shared.burst``), so every replica sees it and none decides twice:

- ``{"own": true}`` (no ``ts`` yet): the mention gets its own message; the adapter posts
  it and stores its ``ts`` (``chat.save_thread``).
- ``{"listing": key, "claimed": t, "ids": [...]}``: claimed for the listing message with
  delivery key ``key`` (up to ``LISTING_CAP`` mentions, oldest first, in one query);
  the adapter posts that one message and ``confirm`` turns the claim into
  ``{"listing": key, "digest_ts": <message id>}`` in one transaction.

A burst: more than ``threshold`` own messages decided within ``window`` seconds, or a
listing within ``window``. In a burst one listing step (one lock hold, one query, one
post) lists every mention not decided yet, up to the cap, whichever mention's outbox row
asked; a mention listed by another row's step is simply done. The row that posted a
listing stays the burst's lister (``keep_listing``): it takes the next slot and lists the
next mentions while any wait, so the lock is taken about once per listing, not once per
waiting row, and the listing does not wait for the relay to reach a waiting mention's row
behind the rows of mentions already listed.
A waiting row that finds the lock taken does not queue on it
(``burst(wait=False)``): it asks again a second or two later, so the relay's claimers
deliver other rows meanwhile instead of waiting behind one another.

Listings go before notes: a listing takes the channel's slot with a hold while more
mentions wait (``SharedState.reserve_channel_slot``), and notes get no slot while it holds;
and a listing may wait one slot longer than a note (``_reserve``), so between listers the
notes never fill every slot ahead of the next one. A new mention's message of its own
(``Do.OWN``) goes before notes the same way (``reserve_message_slot``),
without taking the listing's hold.

A lost post answer (timeout, reset, a replica killed between the post and ``confirm``):
the claim stays in the database. The adapter gives it up at once when its post failed
(``release``: the claim's time is cleared); a dead replica's claim expires after
``LISTING_LEASE`` seconds. Whichever outbox row of those mentions runs next re-claims the
same ``key`` (``recovering``): on Slack the adapter first looks for a message with that
delivery key in the channel and confirms it if found, so the listing is neither lost nor
posted twice; Teams offers bots no read-back, so there the listing is posted again (its
mentions appear in two listing cards; none is lost).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from models.tables import ChatThread
from models.uow import UnitOfWork
from workflows.services.shared import Deps
from workflows.shared_state import (
    NOTE,
    OWN_MESSAGE,
    BurstBusy,
    BurstState,
    SharedState,
    Slot,
    listing_asker,
)
from workflows.topics import Topic
from workflows.views import ThreadRef

LISTING_CAP = 100  # mentions per listing message (a Slack static_select holds 100 options)
# How long a claimed listing is left to the replica that claimed it (sleep until its slot,
# one post with a 15 s timeout, one commit) before another re-claims it.
LISTING_LEASE = 30.0
# How long one outbox row keeps listing a burst while mentions wait (``keep_listing``);
# it renews its row's lease every ``LEASE_RENEWAL`` seconds meanwhile, so no other relay
# takes the row. A bound, not a pause: a 5,000 burst takes about a minute at one a second.
LISTER_BUDGET = 600.0
LEASE_RENEWAL = 30.0
LISTER_FAILURES = 3  # failed posts in a row after which the lister gives up (and retries)
# seconds before a row that found the burst lock taken asks again (plus up to as much)
BUSY_AFTER = 1.0


@dataclass(frozen=True)
class ListingPolicy:
    threshold: int = 5  # own messages within ``window`` before a burst begins
    window: float = 60.0
    interval: float = 1.0  # seconds between posts in the channel
    max_sleep: float = 2.0  # the longest wait for a slot the adapter sleeps through
    cap: int = LISTING_CAP
    lease: float = LISTING_LEASE
    lister_budget: float = LISTER_BUDGET


def policy(
    per_second: float, threshold: int, window: float, max_sleep: float, cap: int
) -> ListingPolicy:
    """An adapter's listing policy from its pace settings."""
    return ListingPolicy(threshold, window, 1.0 / per_second, max_sleep, cap)


@dataclass(frozen=True)
class Listing:
    """A listing message to post: its delivery key, the mentions it lists (oldest first)
    and the seconds until its reserved slot. ``recovering``: an earlier claim may have
    posted it already (look for ``key`` before posting)."""

    key: str
    channel: str
    mention_ids: tuple[int, ...]
    wait: float
    recovering: bool = False


class Do(Enum):
    OWN = "own"  # post the mention's own message
    DONE = "done"  # listed (or posted) already: nothing to do
    WAIT = "wait"  # ask again after ``after`` seconds
    LIST = "list"  # post ``listing``; done if it lists the mention, else ask again


@dataclass(frozen=True)
class Turn:
    do: Do
    after: float = 0.0
    blocked: bool = False  # the wait is the platform's Retry-After
    listing: Listing | None = None

    def lists(self, mention_id: int) -> bool:
        return self.listing is not None and mention_id in self.listing.mention_ids


def is_listed(thread: ThreadRef | None) -> bool:
    """Listed in a posted listing message, with no message of its own yet."""
    return (
        thread is not None
        and not thread.ts
        and bool((thread.conversation_ref or {}).get("digest_ts"))
    )


def turn(
    deps: Deps,
    platform: str,
    channel: str,
    mention_id: int,
    now: float,
    policy: ListingPolicy,
    *,
    lane: str | None = None,
) -> Turn:
    """What the adapter does with a new mention's outbox row on ``platform`` (``now``:
    epoch seconds, shared by replicas). ``lane``: the key of the channel's pace and burst
    lock when it is not ``channel`` itself."""
    lane = lane or channel
    found = _classify(_thread(deps, mention_id, platform), now, policy)
    if found is not None:
        if found.do is not Do.LIST:
            return found
        return _recover(deps, platform, channel, lane, mention_id, now, policy)
    try:
        return _decide(deps, platform, channel, lane, mention_id, now, policy)
    except BurstBusy:
        # another row is deciding: ask again soon rather than queue on the lock, so this
        # claimer delivers other rows meanwhile (spread, so the waiters do not return as one)
        return Turn(Do.WAIT, after=BUSY_AFTER + BUSY_AFTER * (mention_id % 10) / 10)


def _decide(
    deps: Deps,
    platform: str,
    channel: str,
    lane: str,
    mention_id: int,
    now: float,
    policy: ListingPolicy,
) -> Turn:
    # Under the channel's lock: each step in its own short transaction (on SQLite a
    # transaction open across the slot reservation would wait on itself).
    with deps.shared.burst(lane, wait=False) as state:
        with deps.uow() as uow:
            row = uow.repo.thread(mention_id, platform)
            if row is not None:  # decided meanwhile by another replica
                again = _classify(_ref(row), now, policy)
                return Turn(Do.WAIT, after=0.1) if again is None or again.do is Do.LIST else again
            state.recent = [t for t in state.recent if now - t <= policy.window]
            in_burst = _listed_lately(state, now, policy) or len(state.recent) >= policy.threshold
            if not in_burst:
                _add(uow, deps, mention_id, platform, channel, {"own": True})
                uow.commit()
                state.recent.append(now)
                return Turn(Do.OWN)
            ids = uow.repo.mentions_awaiting_first_post(Topic.MENTION_NEW, platform, policy.cap + 1)
        if mention_id not in ids and len(ids) <= policy.cap:
            ids = sorted([*ids, mention_id])  # its row is not pending (a test, a replay)
        rank = ids.index(mention_id) if mention_id in ids else _rank(ids, mention_id, policy)
        slot, listing = _claim(deps, state, platform, channel, lane, ids, now, policy)
    after = max(slot.wait + (rank // policy.cap) * policy.interval, 0.2)
    if listing is None:
        return Turn(Do.WAIT, after=after, blocked=slot.blocked)
    return Turn(Do.LIST, after=after, listing=listing)


def keep_listing(
    deps: Deps,
    platform: str,
    channel: str,
    policy: ListingPolicy,
    post: Callable[[Listing], None],
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    renew_lease: Callable[[], None],
    lane: str | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """The burst's one lister: called by the adapter right after it posted a listing, it
    keeps taking the channel's next slot and posting (``post``: draw, post and
    ``confirm`` one listing) while mentions wait, for up to ``LISTER_BUDGET`` seconds of
    ``clock`` (epoch seconds, shared by replicas), renewing the lease of the outbox row
    the relay is delivering (``renew_lease``, the relay's) every ``LEASE_RENEWAL`` seconds.
    So one actor a slot takes the burst lock until the burst is listed, and the rows of
    mentions it lists only find them listed (no lock, no query beyond their own
    thread). Returns how many listings it posted; stops when nothing waits, when the
    platform asks to back off for longer than ``max_sleep``, after ``LISTER_FAILURES``
    failed posts in a row, when the budget is spent, or when ``stopping`` (the process
    shuts down): the next waiting row takes over through ``turn``."""
    lane = lane or channel
    start = renewed = clock()
    posted = failures = 0
    while clock() - start < policy.lister_budget and not stopping():
        now = clock()
        if now - renewed >= LEASE_RENEWAL:
            renew_lease()
            renewed = now
        with deps.shared.burst(lane) as state:
            if not _listed_lately(state, now, policy):
                return posted  # the burst is over: new mentions get their own messages
            with deps.uow() as uow:
                ids = uow.repo.mentions_awaiting_first_post(
                    Topic.MENTION_NEW, platform, policy.cap + 1
                )
            if not ids:
                return posted
            slot, listing = _claim(deps, state, platform, channel, lane, ids, now, policy)
        if listing is None:
            if slot.blocked and slot.wait > policy.max_sleep:
                return posted  # a long Retry-After: the waiting rows resume after it
            sleep(min(max(slot.wait, 0.05), policy.max_sleep))
            continue
        try:
            post(listing)  # a failed post released its claim: its mentions' rows recover it
        except Exception:
            failures += 1
            if failures >= LISTER_FAILURES:
                raise
            sleep(policy.interval)
            continue
        failures = 0
        posted += 1
    return posted


def confirm(
    deps: Deps,
    platform: str,
    listing: Listing,
    message_id: str,
    *,
    platforms: Collection[str] = (),
) -> None:
    """The listing message was posted (``message_id``: Slack ts, Teams activity id): its
    claims become listings, in one transaction. A mention that got its own message
    meanwhile keeps it.

    ``platforms``: the chat platforms every new mention goes to. In the same
    transaction the new-mention outbox rows of the mentions now listed or posted on all
    of them are closed, so the relay does not work through one row per listed mention
    after the burst (their handlers would only find them listed). Empty: the rows are
    left to the relay."""
    with deps.uow() as uow:
        listed: set[int] = set()
        for row in uow.repo.threads(listing.mention_ids, platform):
            ref = row.conversation_ref or {}
            if row.ts or ref.get("listing") != listing.key:
                continue
            row.conversation_ref = {"listing": listing.key, "digest_ts": message_id}
            row.updated_at = deps.clock()
            listed.add(row.mention_id)
        if platform in platforms:
            for other in set(platforms) - {platform}:
                listed &= {
                    r.mention_id
                    for r in uow.repo.threads(sorted(listed), other)
                    if _shown(r.ts, r.conversation_ref)
                }
            uow.repo.close_outbox_rows(Topic.MENTION_NEW, sorted(listed), deps.clock())
        uow.commit()


def release(deps: Deps, platform: str, listing: Listing) -> None:
    """The post failed or its answer was lost: leave the claim to the next row that asks
    at once (it looks for the message before posting again), not after the lease."""
    with deps.uow() as uow:
        for row in _claimed(uow.repo.threads(listing.mention_ids, platform), listing.key):
            row.conversation_ref = {**(row.conversation_ref or {}), "claimed": 0.0}
        uow.commit()


# ---------------------------------------------------------------------- internals


def _recover(
    deps: Deps,
    platform: str,
    channel: str,
    lane: str,
    mention_id: int,
    now: float,
    policy: ListingPolicy,
) -> Turn:
    """Re-claim a listing whose claimant gave it up or died, under the channel's lock."""
    with deps.shared.burst(lane) as state:
        with deps.uow() as uow:
            row = uow.repo.thread(mention_id, platform)
            found = _classify(_ref(row) if row is not None else None, now, policy)
            if row is None or found is None or found.do is not Do.LIST:
                return found or Turn(Do.WAIT, after=0.1)
            ref = dict(row.conversation_ref or {})
            target = str(row.channel or channel)
        key = str(ref["listing"])
        slot = _reserve(deps, lane, now, policy, more=True)
        if not slot.reserved:
            return Turn(Do.WAIT, after=max(slot.wait, 0.2), blocked=slot.blocked)
        ids = [int(i) for i in ref.get("ids") or [mention_id]]
        with deps.uow() as uow:
            still = _claimed(uow.repo.threads(ids, platform), key)
            for claimed in still:
                claimed.conversation_ref = {**(claimed.conversation_ref or {}), "claimed": now}
            listed = tuple(sorted(r.mention_id for r in still))
            uow.commit()
        state.last = now
    return Turn(Do.LIST, listing=Listing(key, target, listed, slot.wait, recovering=True))


def _claim(
    deps: Deps,
    state: BurstState,
    platform: str,
    channel: str,
    lane: str,
    ids: list[int],
    now: float,
    policy: ListingPolicy,
) -> tuple[Slot, Listing | None]:
    """Under the channel's burst lock: reserve the next slot and claim the oldest
    ``policy.cap`` of ``ids`` (undecided mentions, oldest first) for one listing."""
    slot = _reserve(deps, lane, now, policy, more=len(ids) > policy.cap)
    if not slot.reserved:
        return slot, None
    take = ids[: policy.cap]
    key = f"listing:{take[0]}:{uuid.uuid4().hex[:12]}"
    claim = {"listing": key, "claimed": now, "ids": take}
    with deps.uow() as uow:
        for mid in take:
            _add(uow, deps, mid, platform, channel, claim)
        uow.commit()
    state.last = now
    return slot, Listing(key, channel, tuple(take), slot.wait)


def _listed_lately(state: BurstState, now: float, policy: ListingPolicy) -> bool:
    """A listing was posted within the burst window: the channel is still in a burst."""
    return state.last > 0 and now - state.last <= policy.window


def _reserve(deps: Deps, lane: str, now: float, policy: ListingPolicy, *, more: bool) -> Slot:
    """The channel's next slot for a listing (before any note); held for the next
    listing while ``more`` mentions wait. A listing may wait one slot longer than a note
    (``max_sleep`` plus one interval): notes, one slot at a time, reserve at most
    ``max_sleep`` ahead, so however many ask they never take every slot a listing could
    have — when one lister stops (its budget spent, a long Retry-After), the next
    waiting row gets the next slot instead of waiting behind the whole release traffic."""
    return deps.shared.reserve_channel_slot(
        lane,
        now=now,
        interval=policy.interval,
        burst=1,
        max_wait=_ahead_of_notes(policy),
        asker=listing_asker(1.5 * policy.interval if more else 0.0),
    )


def reserve_message_slot(
    shared: SharedState,
    channel: str,
    now: float,
    policy: ListingPolicy,
    *,
    burst: int,
    own_message: bool = False,
) -> Slot:
    """The channel's next slot for one of the adapter's own messages. A note waits at
    most ``max_sleep`` and never during a listing hold; a new mention's own message goes
    before notes as a listing does (passes the hold, may wait one slot longer), so that
    the release notes of a busy channel never keep a mention out of it."""
    return shared.reserve_channel_slot(
        channel,
        now=now,
        interval=policy.interval,
        burst=burst,
        max_wait=_ahead_of_notes(policy) if own_message else policy.max_sleep,
        asker=OWN_MESSAGE if own_message else NOTE,
    )


def _ahead_of_notes(policy: ListingPolicy) -> float:
    """The longest wait of a message that goes before notes: one slot more than a note's."""
    return policy.max_sleep + policy.interval


def _classify(thread: ThreadRef | None, now: float, policy: ListingPolicy) -> Turn | None:
    """None: nothing decided yet. LIST: a claim that may be re-claimed now."""
    if thread is None:
        return None
    ref = thread.conversation_ref or {}
    if _shown(thread.ts, ref):
        return Turn(Do.DONE)
    if ref.get("listing"):
        claimed = ref.get("claimed")
        at = float(claimed) if isinstance(claimed, int | float) else 0.0
        left = at + policy.lease - now
        if left > 0:
            # someone is posting it: usually confirmed within a second
            return Turn(Do.WAIT, after=min(left, 2.0) + 0.1)
        return Turn(Do.LIST)
    return Turn(Do.OWN)  # its own message was decided (perhaps posted, not yet stored)


def _shown(ts: str | None, ref: Mapping[str, object] | None) -> bool:
    """The mention is in the channel: its own message or a posted listing."""
    return bool(ts or (ref or {}).get("digest_ts"))


def _claimed(rows: list[ChatThread], key: str) -> list[ChatThread]:
    return [
        r
        for r in rows
        if not r.ts
        and (r.conversation_ref or {}).get("listing") == key
        and not (r.conversation_ref or {}).get("digest_ts")
    ]


def _rank(ids: list[int], mention_id: int, policy: ListingPolicy) -> int:
    """An estimate of how many undecided mentions come before this one (ids are given
    in order, so the gap to the oldest undecided one is an upper bound)."""
    return max(len(ids), mention_id - ids[0]) if ids else 0


def _thread(deps: Deps, mention_id: int, platform: str) -> ThreadRef | None:
    with deps.uow() as uow:
        row = uow.repo.thread(mention_id, platform)
        return _ref(row) if row is not None else None


def _ref(row: ChatThread) -> ThreadRef:
    return ThreadRef(row.mention_id, row.platform, row.channel, row.ts, row.conversation_ref)


def _add(
    uow: UnitOfWork, deps: Deps, mention_id: int, platform: str, channel: str, ref: dict[str, Any]
) -> None:
    uow.repo.add(
        ChatThread(
            mention_id=mention_id,
            platform=platform,
            channel=channel,
            ts=None,
            conversation_ref=dict(ref),
            updated_at=deps.clock(),
        )
    )

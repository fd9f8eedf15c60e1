"""State every replica must see the same way: Slack request signatures already accepted
(replay refusal), each channel's posting pace (with the hold a burst listing puts on it,
so listings go before notes), and each channel's burst state.

``SharedState`` is the port; ``models.shared_state`` keeps it in the database
(``SqlSharedState`` on PostgreSQL, ``InProcessSharedState`` for a single-process SQLite
deployment; the composition root picks one by dialect and injects it as ``Deps.shared``).
Times are epoch seconds (``time.time()``), so replicas on different hosts agree on them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Slot:
    """The answer to asking for a channel's next posting slot."""

    wait: float  # seconds until the slot (or until the channel is unblocked)
    reserved: bool  # False: nothing was taken (blocked, or the wait is too long)
    blocked: bool = False  # Slack said 429 and its Retry-After has not passed


class BurstBusy(Exception):
    """The channel's burst lock is held elsewhere (``SharedState.burst(wait=False)``)."""


@dataclass
class BurstState:
    """One channel's burst: when its recent own messages were decided (``recent``) and
    when it last listed mentions (``last``). A burst lasts while either is within the
    listing window (``workflows.services.listing``)."""

    recent: list[float] = field(default_factory=list)
    last: float = 0.0


@dataclass(frozen=True)
class Asker:
    """Who asks for a channel's slot, and so what the listing hold means to it: a note
    (``NOTE``) gets nothing while a listing holds the channel; a new mention's own message
    (``OWN_MESSAGE``) passes the hold and leaves it as it is; a listing (``listing_asker``)
    passes it and holds the channel ``hold`` seconds after its slot (0: releases it)."""

    passes_hold: bool = False
    hold: float | None = None


NOTE = Asker()
OWN_MESSAGE = Asker(passes_hold=True)


def listing_asker(hold: float) -> Asker:
    return Asker(passes_hold=True, hold=hold)


def held_slot(
    next_at: float,
    held_until: float,
    now: float,
    interval: float,
    burst: int,
    max_wait: float,
    asker: Asker,
) -> tuple[Slot, float, float]:
    """``next_slot`` with the listing hold, as ``asker`` sees it: returns the slot, the
    new ``next_at`` and the new ``held_until``."""
    if not asker.passes_hold and held_until > now:
        return Slot(held_until - now, reserved=False), next_at, held_until
    slot, later = next_slot(next_at, now, interval, burst, max_wait)
    if asker.hold is not None and slot.reserved:
        held_until = now + slot.wait + asker.hold if asker.hold > 0 else min(held_until, now)
    return slot, later, held_until


def next_slot(
    next_at: float, now: float, interval: float, burst: int, max_wait: float
) -> tuple[Slot, float]:
    """A token bucket kept as one number (GCRA): ``next_at`` is when the channel is next
    free at an even pace; up to ``burst`` posts may run ahead of it. Returns the slot and
    the new ``next_at`` (unchanged when nothing was reserved)."""
    start = max(next_at, now)
    wait = max(0.0, start - (max(burst, 1) - 1) * interval - now)
    if wait > max_wait:
        return Slot(wait, reserved=False), next_at
    return Slot(wait, reserved=True), start + interval


class SharedState(Protocol):
    def claim_request_signature(self, signature: str, expires_at: float) -> bool:
        """True the first time ``signature`` is seen by any replica; False for a replay."""
        ...

    def reserve_channel_slot(
        self,
        channel: str,
        *,
        now: float,
        interval: float,
        burst: int,
        max_wait: float,
        asker: Asker = NOTE,
    ) -> Slot:
        """Atomically take the channel's next posting slot (see ``next_slot``), the
        listing hold applied as ``asker`` sees it (``held_slot``): a note gets
        ``Slot(wait, reserved=False)`` while the channel is held, with the wait until the
        hold ends."""
        ...

    def block_channel(self, channel: str, until: float) -> None:
        """No slot before ``until`` (Slack's Retry-After)."""
        ...

    def burst(self, channel: str, *, wait: bool = True) -> AbstractContextManager[BurstState]:
        """The channel's burst state, locked against every replica while the block runs;
        written back when the block ends without an exception. ``wait=False``: raise
        ``BurstBusy`` at once when another holder has the lock."""
        ...

    def exclusive(self, key: str) -> AbstractContextManager[None]:
        """Held against every replica while the block runs; no state (one listed
        mention's own message is posted by one row at a time, without holding up the
        channel's listing)."""
        ...

    def purge(self, now: float) -> int:
        """Forget expired signatures and long-idle channels; returns rows removed."""
        ...

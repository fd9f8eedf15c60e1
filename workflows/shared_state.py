"""State every replica must see the same way: Slack request signatures already accepted
(replay refusal), each channel's posting pace, and each channel's burst digest.

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


@dataclass
class BurstState:
    """One channel's burst: when its recent own parents were posted and, during a burst,
    the mentions waiting to be listed (``pending``) and the last digest message
    (``digest_ts``, last drawn at ``edited``) with the mentions it lists
    (``mention_ids``). A burst ends once nothing is pending and no mention arrived for
    the digest window."""

    recent: list[float] = field(default_factory=list)
    digest_ts: str | None = None
    opened: float = 0.0
    last: float = 0.0
    mention_ids: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    edited: float = 0.0

    def close_digest(self) -> None:
        """Later mentions go into a new digest message (the pending ones stay)."""
        self.digest_ts = None
        self.opened = self.last = self.edited = 0.0
        self.mention_ids = []


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
        self, channel: str, *, now: float, interval: float, burst: int, max_wait: float
    ) -> Slot:
        """Atomically take the channel's next posting slot (see ``next_slot``)."""
        ...

    def block_channel(self, channel: str, until: float) -> None:
        """No slot before ``until`` (Slack's Retry-After)."""
        ...

    def burst(self, channel: str) -> AbstractContextManager[BurstState]:
        """The channel's burst state, locked against every replica while the block runs;
        written back when the block ends without an exception."""
        ...

    def purge(self, now: float) -> int:
        """Forget expired signatures and long-idle channels; returns rows removed."""
        ...

"""Test helper for outbox delivery."""

from __future__ import annotations

from typing import Any


def deliver(container: Any, rounds: int = 50) -> int:
    """Deliver until nothing is due now; returns how many rows were delivered."""
    total = 0
    for _ in range(rounds):
        n = container.relay.deliver_due()
        total += n
        if n == 0:
            return total
    return total

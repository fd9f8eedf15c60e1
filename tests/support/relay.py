"""Test helpers for outbox delivery.

``deliver`` runs the relay until nothing is due. ``use_relay_outside_transaction``
makes the relay call its handlers *after* claiming the row in a committed transaction
(a lease), instead of inside the row's transaction: handlers call services (which open
their own transactions), and on SQLite every transaction starts with BEGIN IMMEDIATE, so
a handler running inside the relay's transaction would wait for the relay's own lock.
When ``workflows.relay.Relay`` does this itself (it has ``lease_seconds``/``_claim``),
the helper leaves it alone.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from models.tables import OutboxMessage
from workflows.relay import OutboxItem, Relay, Retry

LEASE_SECONDS = 300


def _leased_deliver_due(self: Relay) -> int:
    delivered = 0
    while delivered < self.batch:
        with self.deps.uow() as uow:
            rows = uow.repo.outbox_due(self.deps.clock(), 1, None)
            if not rows:
                return delivered
            row = rows[0]
            item = OutboxItem(
                id=row.id,
                topic=row.topic,
                mention_id=row.mention_id,
                revision_id=row.revision_id,
                payload=json.loads(row.payload or "{}"),
                attempts=row.attempts,
            )
            row.next_attempt_at = self.deps.clock() + timedelta(seconds=LEASE_SECONDS)
            uow.commit()
        handler = self.handler_for(item.topic)
        error: tuple[str, float | None] | None = None
        if handler is not None:
            try:
                handler(item)
            except Retry as exc:
                error = (exc.code, exc.after)
            except Exception as exc:
                error = (type(exc).__name__, None)
        with self.deps.uow() as uow:
            row = uow.session.get(OutboxMessage, item.id)
            assert row is not None
            if error is not None:
                self._fail(row, error[0], error[1])
            else:
                row.status = "done"
                row.done_at = self.deps.clock()
                if handler is None:
                    row.last_error = "no handler configured"
                delivered += 1
            uow.commit()
    return delivered


def use_relay_outside_transaction(container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if hasattr(Relay, "_claim") or hasattr(Relay, "lease_seconds"):
        return  # the real relay already runs handlers outside its transaction
    if container.engine.dialect.name != "sqlite":
        return  # PostgreSQL: the real relay as it is
    monkeypatch.setattr(Relay, "deliver_due", _leased_deliver_due)


def deliver(container: Any, rounds: int = 50) -> int:
    """Deliver until nothing is due now; returns how many rows were delivered."""
    total = 0
    for _ in range(rounds):
        n = container.relay.deliver_due()
        total += n
        if n == 0:
            return total
    return total

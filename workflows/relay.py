"""Outbox relay: delivers rows written by the services, after their transaction committed.

Handlers are registered per topic prefix by the composition root (Slack, Teams,
publishers). A handler raises ``Retry`` (or any exception) to be tried again later with
backoff; after ``max_attempts`` the row is marked dead and reported. Rows are claimed
with SKIP LOCKED on PostgreSQL, so several relays never deliver one row twice at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from workflows.services import Deps

log = logging.getLogger("countersign.relay")


class Retry(Exception):
    """Deliver later; ``after`` seconds if given (e.g. Slack's Retry-After)."""

    def __init__(self, code: str, after: float | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.after = after


@dataclass(frozen=True)
class OutboxItem:
    id: int
    topic: str
    mention_id: int | None
    revision_id: int | None
    payload: dict[str, Any]
    attempts: int


Handler = Callable[[OutboxItem], None]


@dataclass
class Relay:
    deps: Deps
    handlers: dict[str, Handler] = field(default_factory=dict)
    max_attempts: int = 8
    batch: int = 50

    def register(self, topic_prefix: str, handler: Handler) -> None:
        self.handlers[topic_prefix] = handler

    def handler_for(self, topic: str) -> Handler | None:
        best: tuple[int, Handler] | None = None
        for prefix, handler in self.handlers.items():
            if topic == prefix or topic.startswith(prefix + ".") or prefix == "*":
                rank = len(prefix) if prefix != "*" else 0
                if best is None or rank > best[0]:
                    best = (rank, handler)
        return best[1] if best else None

    def topics(self) -> Mapping[str, Handler]:
        return dict(self.handlers)

    def deliver_due(self) -> int:
        """Deliver what is due, one row per transaction; returns how many were handled."""
        delivered = 0
        while True:
            done_any = False
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
                handler = self.handler_for(row.topic)
                now = self.deps.clock()
                if handler is None:
                    # Nobody delivers this topic in this process (e.g. Teams not configured).
                    row.status = "done"
                    row.done_at = now
                    row.last_error = "no handler configured"
                else:
                    try:
                        handler(item)
                    except Retry as exc:
                        self._fail(row, exc.code, exc.after)
                    except Exception as exc:  # a handler bug must not stop the relay
                        log.warning(
                            "outbox delivery failed",
                            extra={
                                "outbox_id": row.id,
                                "topic": row.topic,
                                "error": type(exc).__name__,
                            },
                        )
                        self._fail(row, type(exc).__name__, None)
                    else:
                        row.status = "done"
                        row.done_at = now
                        delivered += 1
                        done_any = True
                uow.commit()
            if not done_any and delivered >= self.batch:
                return delivered
            if delivered >= self.batch:
                return delivered

    def _fail(self, row: Any, code: str, after: float | None) -> None:
        row.attempts += 1
        row.last_error = code[:255]
        if row.attempts >= self.max_attempts:
            row.status = "dead"
            return
        delay = after if after is not None else min(2**row.attempts, 300)
        row.next_attempt_at = self.deps.clock() + timedelta(seconds=delay)

"""Outbox relay: delivers rows written by the services, after their transaction committed.

Handlers are registered per topic prefix by the composition root (Slack, Teams,
publishers). A handler raises ``Retry`` (or any exception) to be tried again later with
backoff; after ``max_attempts`` the row is marked dead and reported. Rows are claimed
with SKIP LOCKED on PostgreSQL, so several relays never deliver one row twice at once.
Several claimers may run side by side (handlers are thread-safe): ``serve`` runs
``RELAY_WORKERS`` independent claim loops on PostgreSQL (``runtime/serve.py``), so a
handler that waits for its channel's slot (or for a slow platform) holds up one of them,
not every row behind it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from workflows.services import chat, release
from workflows.services.shared import Deps
from workflows.topics import CHAT_PREFIX, LEASE_SECONDS, ORPHAN_AFTER_SECONDS, Topic
from workflows.types import aware

log = logging.getLogger("countersign.relay")
# the "retry after" of a refusal: never
REFUSED = float("inf")


class Refused(Exception):
    """The receiver refused for good (a platform rejected a reply): no retry."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Retry(Exception):
    """Deliver later; ``after`` seconds if given (e.g. Slack's Retry-After).

    ``waiting=True`` marks a wait that is not a failure (a rate limit, a parent message
    not posted yet): it does not use up one of ``max_attempts``, for up to
    ``Relay.max_wait`` after the row was written."""

    def __init__(self, code: str, after: float | None = None, *, waiting: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.after = after
        self.waiting = waiting


@dataclass(frozen=True)
class OutboxItem:
    id: int
    topic: str
    mention_id: int | None
    revision_id: int | None
    payload: dict[str, Any]
    attempts: int
    # keeps this row leased to the delivering process for another relay lease from now
    # (a long delivery, such as a lister's, is not taken for a dead one's)
    renew_lease: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)
    # True once the process is shutting down: a long delivery (the lister) ends early
    stopping: Callable[[], bool] = field(default=lambda: False, compare=False, repr=False)


Handler = Callable[[OutboxItem], None]


@dataclass
class Relay:
    deps: Deps
    handlers: dict[str, dict[str, Handler]] = field(default_factory=dict)
    max_attempts: int = 8
    batch: int = 50
    max_wait: timedelta = timedelta(hours=1)
    # set when the process shuts down: no row is claimed after it, and a long delivery
    # (a burst's lister) ends at its next step, leaving the rest to other replicas
    stopping: threading.Event = field(default_factory=threading.Event)

    def register(self, topic_prefix: str, handler: Handler, adapter: str = "default") -> None:
        """Several adapters may register one prefix (Slack and Teams both deliver
        ``chat``): every one of them is called, so each must be idempotent. Registering
        the same adapter again replaces its handler."""
        self.handlers.setdefault(topic_prefix, {})[adapter] = handler

    def handler_for(self, topic: str) -> Handler | None:
        best: tuple[int, list[Handler]] | None = None
        for prefix, by_adapter in self.handlers.items():
            if topic == prefix or topic.startswith(prefix + ".") or prefix == "*":
                rank = len(prefix) if prefix != "*" else 0
                if best is None or rank > best[0]:
                    best = (rank, list(by_adapter.values()))
        if best is None:
            return None
        chosen = best[1]
        return chosen[0] if len(chosen) == 1 else fan_out(chosen)

    def adapters(self, topic_prefix: str) -> tuple[str, ...]:
        """The adapters registered for ``topic_prefix`` (for ``chat``: the chat platforms
        every new mention is posted on)."""
        return tuple(sorted(self.handlers.get(topic_prefix, {})))

    def topics(self) -> Mapping[str, dict[str, Handler]]:
        return dict(self.handlers)

    lease_seconds: float = LEASE_SECONDS
    # this process's live claimer key (see models.leader.ClaimerLock); None: leases only
    claimer: Callable[[], int | None] = lambda: None
    # a dead claimer's row is taken once it has been claimed this long (see topics.py)
    orphan_after_seconds: float = ORPHAN_AFTER_SECONDS

    def deliver_due(self) -> int:
        """Deliver what is due; returns how many rows were delivered. Several threads
        may call it at once (``serve``'s claim loops), so handlers must be thread-safe.

        Each row is claimed in a short transaction (SKIP LOCKED on PostgreSQL) that leases
        it for ``lease_seconds`` and commits; the handler then runs outside any transaction
        (it may open its own units of work — on SQLite a held write lock would block it),
        and a second short transaction records the outcome. A process that dies mid-send
        leaves the row to be retried after the lease, so handlers must be idempotent."""
        delivered = 0
        while delivered < self.batch and not self.stopping.is_set():
            claimed = self._claim()
            if claimed is None:
                return delivered
            item, handler = claimed
            error: tuple[str, float | None] | None = None
            waiting = False
            try:
                if handler is None:  # claimed rows match a handler; never close one unsent
                    raise Retry("no_handler")
                handler(item)
            except Retry as exc:
                error = (exc.code, exc.after)
                waiting = exc.waiting
            except Refused as exc:
                error = (exc.code, REFUSED)
            except Exception as exc:  # a handler bug must not stop the relay
                log.warning(
                    "outbox delivery failed",
                    extra={
                        "outbox_id": item.id,
                        "topic": item.topic,
                        "error": type(exc).__name__,
                    },
                )
                error = (type(exc).__name__, None)
            self._finish(item.id, error, waiting)
            if error is None:
                delivered += 1
        return delivered

    def undeliverable_topics(self) -> list[str]:
        """Topics of pending rows that no registered handler delivers (for a warning at
        start: they wait until the surface is configured)."""
        with self.deps.uow() as uow:
            return sorted(
                {t for t in uow.repo.outbox_pending_topics() if self.handler_for(t) is None}
            )

    def _claim(self) -> tuple[OutboxItem, Handler | None] | None:
        with self.deps.uow() as uow:
            now = self.deps.clock()
            # only topics someone here delivers: the rest stay pending until a surface
            # that delivers them is configured (never closed undelivered)
            orphaned_until = now + timedelta(seconds=self.lease_seconds - self.orphan_after_seconds)
            rows = uow.repo.outbox_due(now, 1, list(self.handlers), orphaned_until)
            if not rows:
                return None
            row = rows[0]
            row_id = row.id
            item = OutboxItem(
                id=row.id,
                topic=row.topic,
                mention_id=row.mention_id,
                revision_id=row.revision_id,
                payload=json.loads(row.payload or "{}"),
                attempts=row.attempts,
                renew_lease=lambda: self.renew_lease(row_id),
                stopping=self.stopping.is_set,
            )
            # Count claims, not failures: a process that died after sending leaves
            # attempts > 0, so the next claim knows to read back before sending again.
            row.attempts += 1
            row.next_attempt_at = now + timedelta(seconds=self.lease_seconds)
            row.claimed_by = self.claimer()
            uow.commit()
        return item, self.handler_for(item.topic)

    def renew_lease(self, row_id: int) -> None:
        """Lease a pending row claimed here for another ``lease_seconds`` from now."""
        with self.deps.uow() as uow:
            row = uow.repo.outbox_row(row_id)
            if row is not None and row.status == "pending":
                row.next_attempt_at = self.deps.clock() + timedelta(seconds=self.lease_seconds)
                uow.commit()

    def _finish(
        self, row_id: int, error: tuple[str, float | None] | None, waiting: bool = False
    ) -> None:
        with self.deps.uow() as uow:
            row = uow.repo.outbox_row(row_id)
            if row is None or row.status != "pending":
                return
            now = self.deps.clock()
            row.claimed_by = None
            if error is None:
                row.status = "done"
                row.done_at = now
            else:
                if waiting and now - aware(row.created_at) < self.max_wait:
                    row.attempts -= 1  # nothing was sent: this claim was not an attempt
                self._fail(row, error[0], error[1])
            dead = row.status == "dead"
            topic, revision_id, code = row.topic, row.revision_id, row.last_error or ""
            mention_id = row.mention_id
            uow.commit()
        if dead:
            log.error("outbox row dead", extra={"outbox_id": row_id, "topic": topic})
            if topic == Topic.PUBLISH and revision_id is not None:
                self._publish_failed(revision_id, code)
            elif (
                topic.startswith(CHAT_PREFIX + ".")
                and topic != Topic.DELIVERY_FAILED
                and mention_id is not None
            ):
                self._delivery_failed(mention_id, topic, row_id)

    def _delivery_failed(self, mention_id: int, topic: str, row_id: int) -> None:
        try:
            chat.record_delivery_failure(self.deps, mention_id, topic, row_id)
        except Exception as exc:  # the metric and the error log still show it
            log.warning("delivery failure not queued", extra={"error": type(exc).__name__})

    def _publish_failed(self, revision_id: int, code: str) -> None:
        """A publish the platform refused, or whose retries ran out: the mention moves to
        publish_failed, the thread is told and the audit trail records it."""
        try:
            release.record_publish_failure(self.deps, revision_id, code)
        except Exception as exc:  # the mention moved on meanwhile (edited, taken down)
            log.warning(
                "publish failure not recorded",
                extra={"revision_id": revision_id, "error": type(exc).__name__},
            )

    def _fail(self, row: Any, code: str, after: float | None) -> None:
        row.last_error = code[:255]
        if after == REFUSED or row.attempts >= self.max_attempts:
            row.status = "dead"
            return
        delay = after if after is not None else min(2**row.attempts, 300)
        row.next_attempt_at = self.deps.clock() + timedelta(seconds=delay)


def fan_out(handlers: list[Handler]) -> Handler:
    """Call every handler; if any asks to retry (or fails), the row is retried — the
    others see it again, which their idempotency makes harmless."""

    def deliver(item: OutboxItem) -> None:
        first: BaseException | None = None
        for handler in handlers:
            try:
                handler(item)
            except Exception as exc:
                first = first or exc
        if first is not None:
            raise first

    return deliver

"""Polling the configured sources: each source's cursor lives in
``source_cursors``, so a restart neither re-ingests nor skips.

One poll: claim the source's row (``SELECT … FOR UPDATE``; a second process that polled
within the period skips), fetch everything newer than the cursor, ingest it (duplicates
absorbed), and only then store the new cursor. A fetch that fails stores nothing, so the
next poll starts again from the old cursor; a crash between ingest and the cursor write
re-reads mentions that ingest absorbs as duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from models.tables import SourceCursor
from models.uow import Conflict
from workflows.platforms import MentionSource, PlatformError, PollPage
from workflows.services import mentions
from workflows.services.shared import Deps
from workflows.types import aware
from workflows.views import IngestResult

log = logging.getLogger("countersign.polling")

MAX_CURSOR = 1024
MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class PollOutcome:
    source: str
    ran: bool
    fetched: int = 0
    results: tuple[IngestResult, ...] = ()
    error: PlatformError | None = None
    skipped_reason: str = ""

    @property
    def new(self) -> int:
        return sum(1 for r in self.results if not r.duplicate)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.results if r.duplicate)


def _ensure_row(deps: Deps, name: str) -> None:
    with deps.uow() as uow:
        if uow.repo.cursor(name) is not None:
            return
        uow.repo.add(SourceCursor(source=name, cursor=None, updated_at=_EPOCH))
        try:
            uow.commit()
        except Conflict:  # another process created it first
            uow.rollback()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def claim(deps: Deps, name: str, min_interval: float | None) -> tuple[bool, str | None]:
    """Lock the source's row; unless it was polled less than ``min_interval`` seconds
    ago, mark it polled now. Returns (claimed, cursor)."""
    _ensure_row(deps, name)
    now = deps.clock()
    with deps.uow() as uow:
        row = uow.repo.cursor(name, for_update=True)
        if row is None:
            raise LookupError(f"source cursor row missing: {name}")
        last = aware(row.updated_at)
        if min_interval is not None and now - last < timedelta(seconds=min_interval):
            return False, row.cursor
        cursor = row.cursor
        row.updated_at = now
        uow.commit()
    return True, cursor


def read_cursor(deps: Deps, name: str) -> str | None:
    with deps.uow() as uow:
        row = uow.repo.cursor(name)
        return row.cursor if row is not None else None


def store_cursor(deps: Deps, name: str, cursor: str | None) -> None:
    with deps.uow() as uow:
        row = uow.repo.cursor(name, for_update=True)
        if row is None:
            raise LookupError(f"source cursor row missing: {name}")
        row.cursor = cursor
        uow.commit()


def poll_source(
    deps: Deps, source: MentionSource, *, min_interval: float | None = None
) -> PollOutcome:
    """Poll once. ``min_interval`` (the scheduler passes most of POLL_INTERVAL_SECONDS):
    skip if this source was polled more recently by any process. None: always poll
    (``sources poll NAME``)."""
    name = source.name
    claimed, cursor = claim(deps, name, min_interval)
    if not claimed:
        return PollOutcome(name, ran=False, skipped_reason="polled recently")
    try:
        page: PollPage = source.poll(cursor)
    except PlatformError as exc:
        log.warning(
            "poll failed",
            extra={"source": name, "code": exc.code, "status": exc.status, "setting": exc.setting},
        )
        return PollOutcome(name, ran=True, error=exc)
    results = mentions.ingest(deps, list(page.mentions)) if page.mentions else []
    if page.cursor is not None and len(page.cursor) > MAX_CURSOR:
        log.warning("cursor too long; not stored", extra={"source": name})
    elif page.cursor != cursor:
        store_cursor(deps, name, page.cursor)
    outcome = PollOutcome(name, ran=True, fetched=len(page.mentions), results=tuple(results))
    log.info(
        "polled",
        extra={
            "source": name,
            "fetched": outcome.fetched,
            "new": outcome.new,
            "duplicates": outcome.duplicates,
        },
    )
    return outcome


@dataclass
class Poller:
    """The scheduled polling job: every source every ``interval`` seconds, once per
    period across processes, with backoff (``Retry-After`` on 429, doubling on other
    failures) kept in memory by the process that polls."""

    deps: Deps
    sources: Mapping[str, MentionSource]
    interval: float = 300.0
    _not_before: dict[str, datetime] = field(default_factory=dict)
    _failures: dict[str, int] = field(default_factory=dict)

    def poll_all(self) -> list[PollOutcome]:
        """The scheduled job: every source in turn; one source's failure (even a bug)
        never stops the others."""
        outcomes = []
        for name in self.sources:
            try:
                outcomes.append(self.poll_due(name))
            except Exception as exc:
                log.warning("poll crashed", extra={"source": name, "error": type(exc).__name__})
        return outcomes

    def poll_due(self, name: str) -> PollOutcome:
        now = self.deps.clock()
        wait = self._not_before.get(name)
        if wait is not None and now < wait:
            return PollOutcome(name, ran=False, skipped_reason="backing off")
        outcome = poll_source(self.deps, self.sources[name], min_interval=self.interval * 0.8)
        if outcome.error is None:
            self._failures.pop(name, None)
            self._not_before.pop(name, None)
            return outcome
        failures = self._failures.get(name, 0) + 1
        self._failures[name] = failures
        delay = self.interval * (2 ** (failures - 1)) - self.interval
        if outcome.error.after is not None:
            delay = max(delay, outcome.error.after)
        delay = min(delay, MAX_BACKOFF_SECONDS)
        if delay > 0:
            self._not_before[name] = now + timedelta(seconds=delay)
        return outcome

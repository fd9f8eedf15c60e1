"""Helpers for the hostile-input suites: a snapshot of every table to prove that a
refused or malformed request wrote nothing (or only its audited refusal), a wait for
the app's background work to finish, and a tally of the inputs tried (printed at the
end of the run by tests/conftest.py and recorded in docs/hostile-input.md)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

# suite -> inputs tried; status code -> how often it was answered
TALLY: Counter[str] = Counter()
STATUSES: dict[str, Counter[int]] = {}

REFUSAL_TOPIC = "chat.refusal"

# Hypothesis for the hostile suites: bounded and reproducible (the whole set runs in
# about a minute and a half).
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)

# Any JSON value, to put in place of one field of a real payload.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)

# SQL wildcards and injection, where a command expects an id (and as draft text).
INJECTIONS = (
    "%",
    "_",
    "M-%",
    "M-_",
    "M-1%",
    "' OR 1=1 --",
    "M-1' OR '1'='1",
    "M-1;DROP TABLE mentions;--",
    "M-1 UNION SELECT * FROM audit_events",
    'M-1"; DELETE FROM revisions; --',
    "M-0x1",
    "M-١",  # an Arabic-Indic digit: int() would read it, the reference pattern must not
    "M-99999999999999999999",
    "M-1\x00",
    "*",
    "\\",
    "$(rm -rf /)",
)


def tally(suite: str, status: int | None = None, n: int = 1) -> None:
    TALLY[suite] += n
    if status is not None:
        STATUSES.setdefault(suite, Counter())[status] += n


def report() -> list[str]:
    lines = []
    for suite in sorted(TALLY):
        seen = STATUSES.get(suite, Counter())
        codes = ", ".join(f"{c}×{n}" for c, n in sorted(seen.items()))
        lines.append(f"{suite}: {TALLY[suite]} inputs" + (f" ({codes})" if codes else ""))
    return lines


def _rows(container: Any, name: str) -> list[tuple[Any, ...]]:
    from models.tables import Base

    table = Base.metadata.tables[name]
    with container.engine.connect() as conn:
        rows = conn.execute(select(table)).all()
    return sorted((tuple(r) for r in rows), key=repr)


@dataclass(frozen=True)
class Snapshot:
    """Every row of every table but the audit trail, the outbox and the replay cache
    (every authentic request is remembered there), plus the audit trail's length and
    the outbox ids (refusals add to those two only)."""

    tables: dict[str, list[tuple[Any, ...]]]
    audit_seq: int
    outbox_ids: frozenset[int]

    @classmethod
    def take(cls, container: Any) -> Snapshot:
        from models.tables import AuditEvent, Base, OutboxMessage

        tables = {
            name: _rows(container, name)
            for name in Base.metadata.tables
            if name not in ("audit_events", "outbox", "seen_signatures")
        }
        with container.engine.connect() as conn:
            seq = conn.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())).first()
            ids = conn.execute(select(OutboxMessage.id)).scalars().all()
        return cls(tables, seq[0] if seq else 0, frozenset(ids))

    def changes(self, container: Any) -> tuple[list[str], list[tuple[str, str]], list[str]]:
        """(tables whose rows changed, new audit (action, outcome), new outbox topics)."""
        from models.tables import AuditEvent, OutboxMessage

        now = Snapshot.take(container)
        changed = [n for n in self.tables if self.tables[n] != now.tables[n]]
        with container.engine.connect() as conn:
            audit = conn.execute(
                select(AuditEvent.action, AuditEvent.outcome).where(AuditEvent.seq > self.audit_seq)
            ).all()
            new_ids = now.outbox_ids - self.outbox_ids
            topics = (
                conn.execute(
                    select(OutboxMessage.topic).where(OutboxMessage.id.in_(new_ids))
                ).scalars()
                if new_ids
                else []
            )
            topics = list(topics)
        return changed, [(a, o) for a, o in audit], topics

    def assert_only_refusals(self, container: Any, what: object = "") -> int:
        """Nothing changed but audited refusals (and their channel notes); returns how
        many refusals were written."""
        changed, audit, topics = self.changes(container)
        assert not changed, f"{what}: rows changed in {changed}"
        assert all(o == "refused" for _, o in audit), f"{what}: audit {audit}"
        assert all(t == REFUSAL_TOPIC for t in topics), f"{what}: outbox {topics}"
        return len(audit)

    def assert_nothing(self, container: Any, what: object = "") -> None:
        changed, audit, topics = self.changes(container)
        assert (changed, audit, topics) == ([], [], []), f"{what}: {changed} {audit} {topics}"


def _name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return str(getattr(coro, "__qualname__", "") or repr(coro))


async def settle(wait: float = 10.0) -> None:
    """Wait until the only tasks left in this loop are the ones that were there before
    the request (the server's own): Bolt's listeners and the handlers' worker-thread
    calls run after the HTTP answer."""
    me = asyncio.current_task()
    deadline = time.monotonic() + wait
    while True:
        await asyncio.sleep(0.01)
        busy = [
            t
            for t in asyncio.all_tasks()
            if t is not me and not t.done() and "RequestHandler" not in _name(t)
        ]
        if not busy or time.monotonic() > deadline:
            return

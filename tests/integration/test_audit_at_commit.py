"""Audit events are written at the unit of work's commit: the chain's lock is held for the
commit only, events of one transaction chain in order, and a rollback writes none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from models import audit
from models.db import AUDIT_LOCK_KEY


def _event(uow, action: str) -> None:  # type: ignore[no-untyped-def]
    uow.repo.audit(datetime(2026, 12, 4, tzinfo=UTC), actor="cli:ops", action=action, outcome="ok")


def test_events_of_one_transaction_chain_in_order_and_verify(container) -> None:  # type: ignore[no-untyped-def]
    with container.deps.uow() as uow:
        for action in ("test.first", "test.second", "test.third"):
            _event(uow, action)
        uow.commit()
    with container.deps.uow() as uow:
        events = [e.action for e in uow.repo.audit_events()]
    assert events[-3:] == ["test.first", "test.second", "test.third"]
    with Session(container.engine) as s:
        assert audit.verify(s).ok


def test_a_rolled_back_transaction_writes_no_event(container) -> None:  # type: ignore[no-untyped-def]
    with Session(container.engine) as s:
        before = audit.count(s)
    with container.deps.uow() as uow:
        _event(uow, "test.rolled_back")
        uow.rollback()
        _event(uow, "test.kept")
        uow.commit()
    with container.deps.uow() as uow:
        _event(uow, "test.never_committed")  # leaves the block without commit
    with Session(container.engine) as s:
        assert audit.count(s) == before + 1


def test_the_chain_lock_is_not_held_before_the_commit(container) -> None:  # type: ignore[no-untyped-def]
    if container.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises every writer")
    with container.deps.uow() as uow:
        _event(uow, "test.pending")
        uow.session.execute(text("SELECT 1"))  # the transaction is open
        with container.engine.connect() as other:
            free = other.execute(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY}
            ).scalar_one()
            other.rollback()
        assert free, "the audit chain's lock was taken before the commit"
        uow.commit()

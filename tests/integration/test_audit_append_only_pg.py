"""Audit events are append-only in the database itself.

PostgreSQL: the application's connection may insert (through the service path) and read
audit events; UPDATE, DELETE and TRUNCATE are each rejected — for the table owner too, and
for a least-privilege application role that cannot even lift the guard. SQLite rejects
UPDATE and DELETE through triggers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import build_container
from models import audit
from models.tables import AuditEvent
from tests.conftest import make_settings
from tests.support.fakes import FakeScreen, FixedSentiment
from workflows.services import drafting, mentions, roles
from workflows.types import Actor, MentionInput

FORBIDDEN = [
    "UPDATE audit_events SET actor = 'slack:UEVIL'",
    "UPDATE audit_events SET actor = 'slack:UEVIL' WHERE seq = 1",
    "DELETE FROM audit_events WHERE seq = 1",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
]


def _mention(i: int) -> MentionInput:
    return MentionInput(
        source="webhook",
        external_id=f"ao-{i}",
        platform="yelp",
        author=f"Someone {i}",
        text="Rude front desk, never again",
        rating=1,
    )


def _container(url: str):  # type: ignore[no-untyped-def]
    return build_container(make_settings(url), screen=FakeScreen(), sentiment=FixedSentiment())


def _snapshot(engine) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [
            (r.seq, r.actor, r.hash)
            for r in conn.execute(text("SELECT seq, actor, hash FROM audit_events ORDER BY seq"))
        ]


def _seed(c) -> None:  # type: ignore[no-untyped-def]
    mentions.ingest(c.deps, [_mention(1), _mention(2)])
    roles.add_role(c.deps, Actor.cli("ops"), "slack:URISK", "risk")


def _assert_rejected(engine, stmt: str) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        with pytest.raises(DBAPIError) as info:
            conn.execute(text(stmt))
        conn.rollback()
    return str(info.value.orig)


# -- PostgreSQL: the application's own connection -----------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("stmt", FORBIDDEN)
def test_pg_app_connection_cannot_rewrite_audit_events(pg_url: str, stmt: str) -> None:
    c = _container(pg_url)
    try:
        _seed(c)
        before = _snapshot(c.engine)
        assert len(before) == 3
        message = _assert_rejected(c.engine, stmt)
        assert "append-only" in message
        assert _snapshot(c.engine) == before
        with Session(c.engine) as s:
            assert audit.verify(s).ok
    finally:
        c.close()


@pytest.mark.postgres
def test_pg_orm_update_and_delete_are_rejected(pg_url: str) -> None:
    c = _container(pg_url)
    try:
        _seed(c)
        with Session(c.engine) as s:
            event = s.execute(select(AuditEvent).where(AuditEvent.seq == 2)).scalar_one()
            event.actor = "slack:UEVIL"
            with pytest.raises(DBAPIError, match="append-only"):
                s.commit()
        with Session(c.engine) as s:
            event = s.execute(select(AuditEvent).where(AuditEvent.seq == 2)).scalar_one()
            s.delete(event)
            with pytest.raises(DBAPIError, match="append-only"):
                s.commit()
        with Session(c.engine) as s:
            assert audit.count(s) == 3
            assert audit.verify(s).ok
    finally:
        c.close()


@pytest.mark.postgres
def test_pg_insert_through_services_and_select_work(pg_url: str) -> None:
    c = _container(pg_url)
    try:
        _seed(c)
        drafting.create_revision(
            c.deps, Actor("slack", "UAUTH", channel_member=True), "M-1", "We are sorry."
        )
        with Session(c.engine) as s:
            actions = [
                e.action for e in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
            ]
            assert actions == [
                "mention.ingested",
                "mention.ingested",
                "roles.added",
                "revision.created",
            ]
            result = audit.verify(s)
            assert result.ok and result.head_seq == 4
    finally:
        c.close()


@pytest.mark.postgres
def test_pg_update_and_delete_privileges_are_not_granted_to_public(pg_url: str) -> None:
    eng = create_engine(pg_url)
    try:
        with eng.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT privilege_type FROM information_schema.role_table_grants "
                    "WHERE table_name = 'audit_events' AND grantee = 'PUBLIC'"
                )
            ).scalars()
            assert not {"UPDATE", "DELETE", "TRUNCATE"} & set(rows)
            triggers = set(
                conn.execute(
                    text(
                        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass "
                        "AND NOT tgisinternal AND tgenabled <> 'D'"
                    )
                ).scalars()
            )
            assert {"audit_events_no_update_delete", "audit_events_no_truncate"} <= triggers
    finally:
        eng.dispose()


# -- PostgreSQL: a least-privilege application role (the production deployment) -------------


@pytest.fixture
def app_role_url(pg_url: str) -> Iterator[str]:
    """A login role that is not the tables' owner, with ordinary DML grants on everything
    (as a deployment would give the application), connecting to the test database."""
    role = f"cs_app_{uuid.uuid4().hex[:8]}"
    dbname = make_url(pg_url).database
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{dbname}" TO "{role}"'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        conn.execute(
            text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        )
        conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
            {"r": role},
        )
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


@pytest.mark.postgres
def test_pg_least_privilege_role_can_append_but_never_rewrite(app_role_url: str) -> None:
    c = _container(app_role_url)
    try:
        _seed(c)  # INSERT through the service path works for the application role
        before = _snapshot(c.engine)
        assert len(before) == 3
        for stmt in FORBIDDEN:
            message = _assert_rejected(c.engine, stmt)
            assert "append-only" in message or "permission denied" in message, message
        # …and it cannot lift the guard the way the owner could
        message = _assert_rejected(c.engine, "ALTER TABLE audit_events DISABLE TRIGGER USER")
        assert "owner" in message or "permission denied" in message, message
        assert _snapshot(c.engine) == before
        with Session(c.engine) as s:
            assert audit.verify(s).ok
    finally:
        c.close()


# -- SQLite ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stmt", [s for s in FORBIDDEN if not s.startswith("TRUNCATE")])
def test_sqlite_rejects_update_and_delete(sqlite_url: str, stmt: str) -> None:
    c = _container(sqlite_url)
    try:
        _seed(c)
        before = _snapshot(c.engine)
        message = _assert_rejected(c.engine, stmt)
        assert "append-only" in message
        assert _snapshot(c.engine) == before
        with Session(c.engine) as s:
            assert audit.verify(s).ok
    finally:
        c.close()


def test_sqlite_insert_through_services_and_select_work(sqlite_url: str) -> None:
    c = _container(sqlite_url)
    try:
        _seed(c)
        with Session(c.engine) as s:
            assert audit.count(s) == 3
            assert audit.verify(s).ok
    finally:
        c.close()

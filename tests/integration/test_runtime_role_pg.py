"""The least-privilege role of `db grants` runs the service's work and cannot touch the
schema or the audit trail's guard (PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models import audit
from models.grants import runtime_grants
from tests.conftest import make_settings
from tests.support.fakes import FakeScreen, FixedSentiment
from workflows.services import drafting, mentions, roles
from workflows.types import Actor, MentionInput

pytestmark = pytest.mark.postgres


@pytest.fixture
def runtime_url(pg_url: str) -> Iterator[str]:
    role = f"cs_rt_{uuid.uuid4().hex[:10]}"
    owner = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        for stmt in runtime_grants(role):
            conn.execute(text(stmt))
    head, db = pg_url.rsplit("/", 1)
    scheme, rest = head.split("://", 1)
    host = rest.split("@", 1)[-1]
    yield f"{scheme}://{role}@{host}/{db}"
    with owner.connect() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
            {"r": role},
        )
        conn.execute(text(f"DROP ROLE {role}"))
    owner.dispose()


def test_runtime_role_does_the_services_work(runtime_url: str) -> None:
    from app import build_container, readiness

    c = build_container(make_settings(runtime_url), screen=FakeScreen(), sentiment=FixedSentiment())
    try:
        assert readiness(c)[0]
        mentions.ingest(
            c.deps,
            [
                MentionInput(
                    source="webhook",
                    external_id="rt-1",
                    platform="google",
                    author="A Reviewer",
                    text="Long wait",
                    rating=1,
                    url="https://example.com/r/1",
                )
            ],
        )
        roles.add_role(c.deps, Actor.cli("ops"), "slack:UMKT", "marketing")
        drafting.create_revision(
            c.deps, Actor("slack", "UAUTH", channel_member=True), "M-1", "Sorry to hear this."
        )
        with Session(c.engine) as s:
            assert audit.verify(s).ok and audit.count(s) == 3
    finally:
        c.close()


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER audit_events_no_update_delete ON audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "DROP FUNCTION countersign_audit_append_only() CASCADE",
        "DELETE FROM audit_events",
        "UPDATE audit_events SET actor = 'x'",
        "TRUNCATE audit_events",
        "DROP TABLE mentions",
        "ALTER TABLE mentions ADD COLUMN x integer",
        "CREATE TABLE shadow (id integer)",
    ],
)
def test_runtime_role_cannot_change_the_schema_or_the_trail(
    runtime_url: str, statement: str
) -> None:
    eng = create_engine(runtime_url)
    try:
        with eng.connect() as conn, pytest.raises(DBAPIError) as err:
            conn.execute(text(statement))
        assert "permission denied" in str(err.value.orig) or "must be owner" in str(err.value.orig)
    finally:
        eng.dispose()


def test_cli_applies_the_grants_and_names_a_missing_role(pg_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import TEST_KEY

    env = {
        **os.environ,
        "DATABASE_URL": pg_url,
        "DATA_ENCRYPTION_KEY": TEST_KEY,
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "cp.jsonl"),
    }
    root = Path(__file__).resolve().parents[2]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "app.py", "db", "grants", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    missing = run("cs_nobody_here", "--apply")
    assert missing.returncode == 2
    assert "does role cs_nobody_here exist?" in missing.stderr
    assert "Traceback" not in missing.stderr
    role = f"cs_rt_{uuid.uuid4().hex[:10]}"
    owner = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        ok = run(role, "--apply")
        assert ok.returncode == 0, ok.stderr
        with owner.connect() as conn:
            granted = conn.execute(
                text("SELECT has_table_privilege(:r, 'audit_events', 'DELETE')"), {"r": role}
            ).scalar()
            inserts = conn.execute(
                text("SELECT has_table_privilege(:r, 'mentions', 'INSERT')"), {"r": role}
            ).scalar()
        assert granted is False and inserts is True
    finally:
        with owner.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.dispose()

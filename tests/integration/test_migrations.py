"""Migrations: `alembic upgrade head` on an empty database matches the models exactly
(autogenerate finds no difference), concurrent upgrades take turns under the advisory
lock, and /readyz reports pending migrations."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from alembic import command
from app import build_container, readiness
from models.crypto import EncryptedText, Keyring
from models.db import make_engine
from models.migrate import alembic_config, current_and_head, upgrade
from models.tables import Base
from tests.conftest import PG_ADMIN_URL, TEST_KEY, _pg_available, make_settings
from tests.support.fakes import FakeScreen, FixedSentiment

ROOT = Path(__file__).resolve().parents[2]


# -- empty databases (not cloned from the migrated template) ---------------------------------


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    if not _pg_available():
        pytest.skip("PostgreSQL not reachable")
    name = f"cs_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest) -> str:
    name = "empty_sqlite_url" if request.param == "sqlite" else "empty_pg_url"
    return str(request.getfixturevalue(name))


# -- helpers -------------------------------------------------------------------------------


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # The same rendering hook as alembic/env.py.
    if type_ == "type" and isinstance(obj, EncryptedText):
        return "sa.Text()"
    return False


def _diff(url: str) -> list[object]:
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "target_metadata": Base.metadata,
                    "compare_type": True,
                    "render_item": _render_item,
                    "render_as_batch": conn.dialect.name == "sqlite",
                },
            )
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        eng.dispose()


def _alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=url, TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="")
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _tables(url: str) -> set[str]:
    eng = create_engine(url)
    try:
        return set(inspect(eng).get_table_names())
    finally:
        eng.dispose()


# -- upgrade head + autogenerate = no diff ---------------------------------------------------


def test_alembic_upgrade_head_on_empty_database_has_no_autogenerate_diff(empty_url: str) -> None:
    assert _tables(empty_url) == set()
    up = _alembic(empty_url, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    assert _tables(empty_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert _diff(empty_url) == []
    # And alembic's own check (which runs env.py's configuration) agrees.
    check = _alembic(empty_url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_models_migrate_upgrade_is_current_and_idempotent(empty_url: str) -> None:
    eng = make_engine(empty_url, Keyring([TEST_KEY]))
    try:
        current, head = current_and_head(eng)
        assert current is None and head is not None
        upgrade(eng)
        upgrade(eng)  # nothing to do the second time
        assert current_and_head(eng) == (head, head)
    finally:
        eng.dispose()
    assert _diff(empty_url) == []


def test_downgrade_base_then_upgrade_again(empty_url: str) -> None:
    eng = make_engine(empty_url, Keyring([TEST_KEY]))
    try:
        upgrade(eng)
        with eng.begin() as conn:
            cfg = alembic_config(eng)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert _tables(empty_url) <= {"alembic_version"}
        upgrade(eng)
    finally:
        eng.dispose()
    assert _diff(empty_url) == []


# -- concurrent upgrades ---------------------------------------------------------------------


def _upgrade_concurrently(url: str, n: int = 3) -> list[BaseException | None]:
    barrier = threading.Barrier(n)
    outcomes: list[BaseException | None] = [None] * n

    def run(i: int) -> None:
        eng = make_engine(url, Keyring([TEST_KEY]))
        try:
            barrier.wait(timeout=10)
            upgrade(eng)
        except BaseException as exc:  # collected and asserted below
            outcomes[i] = exc
        finally:
            eng.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _assert_migrated_once(url: str) -> None:
    eng = make_engine(url, Keyring([TEST_KEY]))
    try:
        current, head = current_and_head(eng)
        assert current == head
        with eng.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar_one() == 1
            if conn.dialect.name == "postgresql":
                triggers = conn.execute(
                    text(
                        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass "
                        "AND NOT tgisinternal ORDER BY tgname"
                    )
                ).scalars()
                assert list(triggers) == [
                    "audit_events_no_truncate",
                    "audit_events_no_update_delete",
                ]
    finally:
        eng.dispose()
    assert _diff(url) == []


@pytest.mark.postgres
def test_concurrent_upgrade_threads_postgres(empty_pg_url: str) -> None:
    outcomes = _upgrade_concurrently(empty_pg_url, 3)
    assert outcomes == [None, None, None], outcomes
    _assert_migrated_once(empty_pg_url)


def test_concurrent_upgrade_threads_sqlite(empty_sqlite_url: str) -> None:
    outcomes = _upgrade_concurrently(empty_sqlite_url, 3)
    assert outcomes == [None, None, None], outcomes
    _assert_migrated_once(empty_sqlite_url)


@pytest.mark.postgres
def test_concurrent_db_upgrade_processes_postgres(empty_pg_url: str, tmp_path: Path) -> None:
    """Three `python app.py db upgrade` processes started at once (as several replicas
    running `serve` would): all succeed, the schema is created once."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=empty_pg_url,
        DATA_ENCRYPTION_KEY=TEST_KEY,
        AUDIT_CHECKPOINT_PATH=str(tmp_path / "cp.jsonl"),
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
    )
    env.pop("DEMO_MODE", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "app.py", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert "database at revision" in out
    _assert_migrated_once(empty_pg_url)


# -- readiness ---------------------------------------------------------------------------------


async def _get(container, path: str) -> tuple[int, dict[str, object]]:  # type: ignore[no-untyped-def]
    from aiohttp.test_utils import TestClient, TestServer

    from web.server import WebConfig, build_web_app

    app = build_web_app(
        container.deps,
        container.metrics,
        WebConfig(webhook_secret="s", readiness=lambda: readiness(container)),
    )
    async with TestClient(TestServer(app)) as client:
        resp = await client.get(path)
        return resp.status, await resp.json()


def test_readyz_before_and_after_migrating(empty_url: str, tmp_path: Path) -> None:
    c = build_container(
        make_settings(empty_url, AUDIT_CHECKPOINT_PATH=str(tmp_path / "cp.jsonl")),
        screen=FakeScreen(),
        sentiment=FixedSentiment(),
    )
    try:
        status, body = asyncio.run(_get(c, "/readyz"))
        assert status == 503, body
        assert body["status"] == "not ready"
        assert "migrations pending" in str(body["detail"])
        status, _ = asyncio.run(_get(c, "/healthz"))
        assert status == 200  # alive, just not ready

        upgrade(c.engine)
        status, body = asyncio.run(_get(c, "/readyz"))
        assert status == 200, body
        assert body["status"] == "ready"

        # a newer release migrated further during a rolling deploy: this one stays ready
        with c.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_newer'"))
        status, body = asyncio.run(_get(c, "/readyz"))
        assert status == 200, body
        assert "ahead" in str(body["detail"])
    finally:
        c.close()


@pytest.mark.postgres
def test_readyz_when_the_database_is_unreachable(tmp_path: Path) -> None:
    if not _pg_available():
        pytest.skip("PostgreSQL not reachable")
    missing = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/cs_missing_{uuid.uuid4().hex[:8]}"
    c = build_container(
        make_settings(missing, AUDIT_CHECKPOINT_PATH=str(tmp_path / "cp.jsonl")),
        screen=FakeScreen(),
        sentiment=FixedSentiment(),
    )
    try:
        status, body = asyncio.run(_get(c, "/readyz"))
        assert status == 503
        assert "database unreachable" in str(body["detail"])
        assert "cs_missing" not in str(body)  # no connection details leak
    finally:
        c.close()

"""Shared fixtures: migrated SQLite and PostgreSQL databases, containers with fakes."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

PG_ADMIN_URL = os.environ.get(
    "COUNTERSIGN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEST_KEY = "u0s3Qq8w7b1wZ0wJxk0y3c5m9Yl3hLrQ7sZ6m2cY8aE="
TEST_AUDIT_KEY = "test-audit-key-0123456789abcdef0123456789abcdef"
# every container, and every CLI run that copies os.environ, signs with the test audit key
os.environ["AUDIT_HMAC_KEY"] = TEST_AUDIT_KEY
os.environ.pop("AUDIT_HMAC_PREVIOUS_KEYS", None)


def _pg_available() -> bool:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A migrated template database; each test clones it (CREATE DATABASE … TEMPLATE)."""
    if not _pg_available():
        if os.environ.get("COUNTERSIGN_REQUIRE_PG"):
            pytest.fail("PostgreSQL is required (COUNTERSIGN_REQUIRE_PG) but unreachable")
        yield None
        return
    from models.crypto import Keyring
    from models.db import make_engine
    from models.migrate import upgrade

    name = f"cs_tmpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    eng = make_engine(url, Keyring([TEST_KEY]))
    upgrade(eng)
    eng.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from models.crypto import Keyring
    from models.db import make_engine
    from models.migrate import upgrade

    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    eng = make_engine(f"sqlite:///{path}", Keyring([TEST_KEY]))
    upgrade(eng)
    eng.dispose()
    return path


def _sqlite_url(template: Path, tmp_path: Path) -> str:
    dest = tmp_path / "countersign.db"
    shutil.copy(template, dest)
    return f"sqlite:///{dest}"


@pytest.fixture
def pg_url(pg_template: str | None) -> Iterator[str]:
    if pg_template is None:
        pytest.skip("PostgreSQL not reachable")
    name = f"cs_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return _sqlite_url(sqlite_template, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Parametrises persistence tests over both databases."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def make_settings(db_url: str, **overrides: object):  # type: ignore[no-untyped-def]
    from app import Settings

    values: dict[str, object] = {
        "DATABASE_URL": db_url,
        "DATA_ENCRYPTION_KEY": TEST_KEY,
        "WEBHOOK_SECRET": "whsec-test",
        "AUDIT_CHECKPOINT_PATH": str(Path(db_url.split("///")[-1]).parent / "checkpoints.jsonl")
        if db_url.startswith("sqlite")
        else f"/tmp/cs-checkpoints-{uuid.uuid4().hex}.jsonl",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    from tests.support.fakes import Clock

    return Clock()


@pytest.fixture
def yelp():  # type: ignore[no-untyped-def]
    """A local Yelp partner API with one review (``rev-1``) and a client for business
    ``biz-1`` that does not retry: ``(fake, client)``."""
    from connectors.http import HttpClient
    from connectors.yelp import YelpPartner
    from tests.support.platforms import FakeYelp, serve

    fake = FakeYelp()
    fake.add_review("rev-1")
    with serve(fake) as url:
        yield fake, YelpPartner(HttpClient(retries=0), url + "/", fake.token, ("biz-1",))


@pytest.fixture
def screen():  # type: ignore[no-untyped-def]
    from tests.support.fakes import FakeScreen

    return FakeScreen()


@pytest.fixture
def container(db_url: str, clock, screen):  # type: ignore[no-untyped-def]
    from app import build_container
    from tests.support.fakes import FixedSentiment

    c = build_container(
        make_settings(db_url), screen=screen, clock=clock, sentiment=FixedSentiment()
    )
    yield c
    c.close()


@pytest.fixture
def deps(container):  # type: ignore[no-untyped-def]
    return container.deps


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many hostile inputs each suite tried (tests/support/hostile.py)."""
    from tests.support.hostile import report

    lines = report()
    if lines:
        terminalreporter.section("hostile inputs tried")
        for line in lines:
            terminalreporter.write_line(line)

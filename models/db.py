"""Engine and session construction (called by the composition root, never at import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.audit_keys import AuditKeys, attach_audit_keys
from models.crypto import Keyring, attach_keyring

# Advisory-lock keys (PostgreSQL): one for the audit chain, one for migrations,
# one for scheduler leadership, and the class of the per-channel burst locks.
AUDIT_LOCK_KEY = 0x43534E01
MIGRATION_LOCK_KEY = 0x43534E02
SCHEDULER_LOCK_KEY = 0x43534E03
CLAIMER_LOCK_NAMESPACE = 0x43534E05  # (namespace, process key): a relay process is alive
BURST_LOCK_CLASS = 0x43534E04
EXCLUSIVE_LOCK_CLASS = 0x43534E06  # (class, hash of a key): SharedState.exclusive


def make_engine(
    url: str, keyring: Keyring, audit_keys: AuditKeys | None = None, **kwargs: Any
) -> Engine:
    """An engine whose dialect carries the keyring for encrypted columns and the audit
    chain's HMAC keys (without them it can verify unsigned events only, and append none).

    SQLite: a file under ./data/ is created on demand; every transaction starts with
    BEGIN IMMEDIATE so concurrent writers serialise instead of failing at commit.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
    attach_keyring(engine.dialect, keyring)
    if audit_keys is not None:
        attach_audit_keys(engine.dialect, audit_keys)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def is_postgres(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "postgresql"


def xact_lock(session: Session, key: int) -> None:
    """Serialise with other transactions taking the same key (PostgreSQL); SQLite's
    BEGIN IMMEDIATE already serialises writers."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

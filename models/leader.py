"""Leader election for the scheduler: a PostgreSQL session advisory lock held on a
dedicated connection. If the process (or its connection) dies, PostgreSQL releases the
lock and another process takes over. SQLite deployments are single-process: always leader.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from sqlalchemy import Connection, Engine, text

from models.db import CLAIMER_LOCK_NAMESPACE, SCHEDULER_LOCK_KEY

log = logging.getLogger("countersign.leader")


class LeaderLock:
    def __init__(self, engine: Engine, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None
        self.is_leader = False

    def try_acquire(self) -> bool:
        """Become leader if nobody is; keep being leader while the connection lives."""
        if self.engine.dialect.name != "postgresql":
            self.is_leader = True
            return True
        if self.is_leader and self._alive():
            return True
        self._drop()
        try:
            self._conn = self.engine.connect()
            got = bool(
                self._conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
                ).scalar()
            )
            self._conn.commit()
        except Exception as exc:
            log.warning("leader election failed", extra={"error": type(exc).__name__})
            self._drop()
            return False
        if not got:
            self._drop()
        self.is_leader = got
        return got

    def _alive(self) -> bool:
        try:
            assert self._conn is not None
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            self.is_leader = False
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: S110 - the connection is already gone
                pass
        self._conn = None
        self.is_leader = False

    def release(self) -> None:
        if self._conn is not None and self.is_leader:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
            except Exception:  # noqa: S110 - closing the connection releases it anyway
                pass
        self._drop()


class ClaimerLock:
    """This process's name on the outbox rows it leases: a session advisory lock
    (``CLAIMER_LOCK_NAMESPACE``, key) on a dedicated connection. While the process lives
    the lock is in pg_locks; once it dies, another relay may take the rows it had claimed
    without waiting out their lease. SQLite: no key (leases simply run out)."""

    def __init__(self, engine: Engine, key: int | None = None, recheck: float = 5.0) -> None:
        self.engine = engine
        self.key = key if key is not None else secrets.randbelow(2**31 - 2) + 1
        self.recheck = recheck
        self._conn: Connection | None = None
        self._checked = 0.0
        self._mutex = threading.Lock()  # the relay's claimers share it

    def current(self) -> int | None:
        """The key while the lock is held (re-taken after a lost connection), else None."""
        if self.engine.dialect.name != "postgresql":
            return None
        with self._mutex:
            return self._current()

    def _current(self) -> int | None:
        now = time.monotonic()
        if self._conn is not None and now - self._checked < self.recheck:
            return self.key
        self._checked = now
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return self.key
            except Exception:
                self.close()
        try:
            self._conn = self.engine.connect()
            got = bool(
                self._conn.execute(
                    text("SELECT pg_try_advisory_lock(:ns, :k)"),
                    {"ns": CLAIMER_LOCK_NAMESPACE, "k": self.key},
                ).scalar()
            )
            self._conn.commit()
        except Exception as exc:
            log.warning("claimer lock not taken", extra={"error": type(exc).__name__})
            self.close()
            return None
        if not got:  # another live process drew the same key: draw again next time
            self.close()
            self.key = secrets.randbelow(2**31 - 2) + 1
            return None
        return self.key

    def close(self) -> None:
        """Closing the connection (not returning it to the pool) releases the lock."""
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: S110 - the connection is already gone
                pass
        self._conn = None

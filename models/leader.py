"""Leader election for the scheduler: a PostgreSQL session advisory lock held on a
dedicated connection. If the process (or its connection) dies, PostgreSQL releases the
lock and another process takes over. SQLite deployments are single-process: always leader.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, text

from models.db import SCHEDULER_LOCK_KEY

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

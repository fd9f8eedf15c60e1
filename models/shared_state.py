"""``workflows.shared_state.SharedState`` implementations; the composition root picks one
by the database's dialect.

Both keep each channel's posting pace and burst state as rows in the database
(``_ChannelRows``): a slot is reserved under the pace row's ``FOR UPDATE`` lock (on
SQLite, BEGIN IMMEDIATE serialises the same statements), and the burst state survives a
restart. What differs is how the processes coordinate:

- ``SqlSharedState`` (PostgreSQL, any number of replicas): a signature is claimed by one
  ``INSERT … ON CONFLICT DO NOTHING`` (on the request path, by ``SignatureLedger``: the
  event loop's own connections); a burst is locked with a transaction-level advisory
  lock held for the block.
- ``InProcessSharedState`` (SQLite, one process): accepted signatures stay in this
  process (a SQLite write waits behind every other writer), and the burst lock is a lock
  in this process (a database transaction held across Slack calls would stall every
  other writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models.db import BURST_LOCK_CLASS, EXCLUSIVE_LOCK_CLASS
from models.tables import ChannelBurst, ChannelPace, SeenSignature
from workflows.shared_state import NOTE, Asker, BurstBusy, BurstState, Slot, held_slot

LOCK_TIMEOUT = "30s"


class _ChannelRows:
    """Each channel's posting pace and burst state, as rows of ``engine``'s database."""

    def __init__(self, engine: Engine, insert: Callable[[Any], Any]) -> None:
        self.engine = engine
        self._insert = insert

    # ------------------------------------------------------------------ pace

    def reserve_channel_slot(
        self,
        channel: str,
        *,
        now: float,
        interval: float,
        burst: int,
        max_wait: float,
        asker: Asker = NOTE,
    ) -> Slot:
        with self.engine.begin() as conn:
            next_at, blocked_until = self._locked_pace(conn, channel)
            if blocked_until > now:
                return Slot(blocked_until - now, reserved=False, blocked=True)
            held_until = float(
                conn.execute(
                    select(ChannelPace.held_until).where(ChannelPace.channel == channel)
                ).scalar_one()
            )
            slot, later, held = held_slot(
                next_at, held_until, now, interval, burst, max_wait, asker
            )
            if slot.reserved:
                conn.execute(
                    update(ChannelPace)
                    .where(ChannelPace.channel == channel)
                    .values(next_at=later, held_until=held)
                )
            return slot

    def block_channel(self, channel: str, until: float) -> None:
        with self.engine.begin() as conn:
            next_at, blocked_until = self._locked_pace(conn, channel)
            conn.execute(
                update(ChannelPace)
                .where(ChannelPace.channel == channel)
                .values(next_at=max(next_at, until), blocked_until=max(blocked_until, until))
            )

    def _locked_pace(self, conn: Connection, channel: str) -> tuple[float, float]:
        conn.execute(
            self._insert(ChannelPace)
            .values(channel=channel, next_at=0.0, blocked_until=0.0, held_until=0.0)
            .on_conflict_do_nothing()
        )
        row = conn.execute(
            select(ChannelPace.next_at, ChannelPace.blocked_until)
            .where(ChannelPace.channel == channel)
            .with_for_update()
        ).one()
        return float(row.next_at), float(row.blocked_until)

    # ------------------------------------------------------------------ burst digest

    def _save_burst(self, conn: Connection, channel: str, state: BurstState) -> None:
        values: dict[str, Any] = {"recent": list(state.recent), "last": state.last}
        # columns of the earlier digest scheme (0004, 0005) keep their empty values
        legacy: dict[str, Any] = {"opened": 0.0, "mention_ids": [], "pending": [], "edited": 0.0}
        conn.execute(
            self._insert(ChannelBurst)
            .values(channel=channel, **values, **legacy)
            .on_conflict_do_update(index_elements=[ChannelBurst.channel], set_=values)
        )


LEDGER_APPLICATION_NAME = "countersign-replay-check"
_CLAIM_SQL = (  # ``claim_request_signature``'s statement, for psycopg directly
    "INSERT INTO seen_signatures (signature, expires_at) VALUES (%s, %s) "
    "ON CONFLICT DO NOTHING RETURNING signature"
)


class SignatureLedger:
    """The replay check of the Slack route on the event loop's own PostgreSQL connections
    (psycopg's async API): no pool checkout or ping, no hand-over to a thread and back,
    and no wait for the commit's WAL flush (``synchronous_commit = off``: a server crash
    in the next fraction of a second may forget a signature, letting one replay of a
    request signed within five minutes through). Under a burst these were most of a
    command's acknowledgement time. Connections are opened on first use (at most
    ``size`` at once), per event loop; a broken one is replaced on the next claim."""

    def __init__(self, url: str, size: int = 2, timeout: float = 5.0) -> None:
        self._conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._size = size
        self._timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: asyncio.Queue[Any] | None = None
        self._open = 0

    def _pool(self) -> asyncio.Queue[Any]:
        loop = asyncio.get_running_loop()
        if self._idle is None or self._loop is not loop:
            self._loop, self._idle, self._open = loop, asyncio.Queue(), 0
        return self._idle

    async def _connect(self) -> Any:
        import psycopg

        conn = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=max(1, int(self._timeout)),
            application_name=LEDGER_APPLICATION_NAME,
        )
        await conn.execute("SET synchronous_commit = off")
        await conn.execute(f"SET statement_timeout = {int(self._timeout * 1000)}")
        return conn

    async def claim(self, signature: str, expires_at: float) -> bool:
        """True if no replica has claimed ``signature`` before (it is claimed now). A
        connection the server dropped while idle (a restart) is replaced once."""
        import psycopg

        for retry in (False, True):
            conn, fresh = await self._take()
            try:
                cur = await conn.execute(_CLAIM_SQL, (signature, expires_at))
                first = await cur.fetchone() is not None
            except psycopg.OperationalError:
                await self._drop(conn)
                if fresh or retry:
                    raise
                await self._drop_idle()  # dropped together: try a new connection
                continue
            except BaseException:
                await self._drop(conn)
                raise
            self._pool().put_nowait(conn)
            return first
        raise AssertionError("unreachable")

    async def _take(self) -> tuple[Any, bool]:
        """An idle connection, a new one while fewer than ``size`` are open, or the next
        one given back (checking again every 0.1 s, since one may be dropped instead)."""
        idle = self._pool()
        deadline = asyncio.get_running_loop().time() + self._timeout
        while True:
            if not idle.empty():
                return idle.get_nowait(), False
            if self._open < self._size:
                self._open += 1
                try:
                    return await self._connect(), True
                except BaseException:
                    self._open -= 1
                    raise
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("no replay-check connection came free")
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(idle.get(), 0.1), False

    async def _drop(self, conn: Any) -> None:
        self._open -= 1
        await conn.close()

    async def _drop_idle(self) -> None:
        idle = self._pool()
        while not idle.empty():
            await self._drop(idle.get_nowait())

    async def close(self) -> None:
        if self._idle is not None:
            await self._drop_idle()
        self._idle = None


class SqlSharedState(_ChannelRows):
    """PostgreSQL: what every replica shares, coordinated in the database."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError(
                f"SqlSharedState needs PostgreSQL, not {engine.dialect.name}: "
                "use InProcessSharedState for a single-process SQLite deployment"
            )
        super().__init__(engine, pg_insert)
        self._ledger: SignatureLedger | None = None

    # each claim is a database round trip: the Slack route makes it through the ledger
    # (``claim_request_signature_async``), other callers off the event loop
    claims_in_process = False

    def claim_request_signature(self, signature: str, expires_at: float) -> bool:
        """The same claim as ``claim_request_signature_async``, off the event loop."""
        stmt = (
            pg_insert(SeenSignature)
            .values(signature=signature, expires_at=expires_at)
            .on_conflict_do_nothing()
            .returning(SeenSignature.signature)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).first() is not None

    async def claim_request_signature_async(self, signature: str, expires_at: float) -> bool:
        if self._ledger is None:
            self._ledger = SignatureLedger(self.engine.url.render_as_string(hide_password=False))
        return await self._ledger.claim(signature, expires_at)

    async def close_async(self) -> None:
        if self._ledger is not None:
            await self._ledger.close()

    def purge(self, now: float) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(delete(SeenSignature).where(SeenSignature.expires_at < now))
            return int(result.rowcount or 0)

    @contextmanager
    def _advisory(self, lock_class: int, key: str, *, wait: bool = True) -> Iterator[Connection]:
        """A transaction holding the advisory lock (``lock_class``, ``key``) until it ends;
        ``BurstBusy`` when ``wait`` is off and another holds it."""
        with self.engine.connect() as conn, conn.begin():
            conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            got = conn.execute(
                text(f"SELECT {lock}(:k, hashtext(:key))"), {"k": lock_class, "key": key}
            ).scalar()
            if got is False:
                raise BurstBusy(key)
            yield conn

    @contextmanager
    def burst(self, channel: str, *, wait: bool = True) -> Iterator[BurstState]:
        with self._advisory(BURST_LOCK_CLASS, channel, wait=wait) as conn:
            state = _load_burst(conn, channel)
            yield state
            self._save_burst(conn, channel, state)

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        with self._advisory(EXCLUSIVE_LOCK_CLASS, key):
            yield


class InProcessSharedState(_ChannelRows):
    """SQLite, which serves one process: signatures and burst locks in this process."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, sqlite_insert)
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._exclusive: dict[str, tuple[threading.Lock, int]] = {}
        self._seen: dict[str, float] = {}  # accepted signature -> expiry

    # a claim touches no database: an event loop may make it directly
    claims_in_process = True

    def claim_request_signature(self, signature: str, expires_at: float) -> bool:
        with self._guard:
            if signature in self._seen:
                return False
            self._seen[signature] = expires_at
            return True

    def purge(self, now: float) -> int:
        with self._guard:
            stale = [k for k, until in self._seen.items() if until < now]
            for sig in stale:
                del self._seen[sig]
            return len(stale)

    @contextmanager
    def burst(self, channel: str, *, wait: bool = True) -> Iterator[BurstState]:
        lock = self._lock(channel)
        if not lock.acquire(blocking=wait):
            raise BurstBusy(channel)
        try:
            with self.engine.begin() as conn:
                state = _load_burst(conn, channel)
            yield state
            with self.engine.begin() as conn:
                self._save_burst(conn, channel, state)
        finally:
            lock.release()

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        # one lock per key while anyone holds or waits for it (keys are many, short-lived)
        with self._guard:
            lock, users = self._exclusive.get(key, (threading.Lock(), 0))
            self._exclusive[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._exclusive[key]
                if users == 1:
                    del self._exclusive[key]
                else:
                    self._exclusive[key] = (lock, users - 1)

    def _lock(self, channel: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(channel, threading.Lock())


def _load_burst(conn: Connection, channel: str) -> BurstState:
    row = conn.execute(
        select(ChannelBurst.recent, ChannelBurst.last).where(ChannelBurst.channel == channel)
    ).one_or_none()
    if row is None:
        return BurstState()
    return BurstState(recent=[float(t) for t in row.recent or []], last=float(row.last))

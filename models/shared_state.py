"""``workflows.shared_state.SharedState`` in the database, so every replica sees one
replay cache, one posting pace per channel and one burst digest per channel.

PostgreSQL: a signature is claimed by one ``INSERT … ON CONFLICT DO NOTHING``; a slot is
reserved under the pace row's ``FOR UPDATE`` lock; a burst is locked with a
transaction-level advisory lock held for the block. SQLite deployments are
single-process: the same statements run (BEGIN IMMEDIATE serialises them), and the burst
lock is a lock in this process (a database transaction held across Slack calls would
stall every other writer).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models.db import BURST_LOCK_CLASS
from models.tables import ChannelBurst, ChannelPace, SeenSignature
from workflows.shared_state import BurstState, Slot, held_slot

LOCK_TIMEOUT = "30s"


class SqlSharedState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._insert = pg_insert if self._postgres else sqlite_insert
        self._guard = threading.Lock()
        self._local_locks: dict[str, threading.Lock] = {}
        # SQLite serves one process, and a write there waits for every other writer:
        # accepted signatures stay in this process instead (signature -> expiry)
        self._local_seen: dict[str, float] = {}

    # ------------------------------------------------------------------ replay cache

    def claim_request_signature(self, signature: str, expires_at: float) -> bool:
        if not self._postgres:
            with self._guard:
                if signature in self._local_seen:
                    return False
                self._local_seen[signature] = expires_at
                return True
        stmt = (
            self._insert(SeenSignature)
            .values(signature=signature, expires_at=expires_at)
            .on_conflict_do_nothing()
            .returning(SeenSignature.signature)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).first() is not None

    def purge(self, now: float) -> int:
        with self._guard:
            stale = [k for k, until in self._local_seen.items() if until < now]
            for sig in stale:
                del self._local_seen[sig]
        with self.engine.begin() as conn:
            result = conn.execute(delete(SeenSignature).where(SeenSignature.expires_at < now))
            return len(stale) + int(result.rowcount or 0)

    # ------------------------------------------------------------------ pace

    def reserve_channel_slot(
        self,
        channel: str,
        *,
        now: float,
        interval: float,
        burst: int,
        max_wait: float,
        hold: float | None = None,
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
            slot, later, held = held_slot(next_at, held_until, now, interval, burst, max_wait, hold)
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

    @contextmanager
    def burst(self, channel: str) -> Iterator[BurstState]:
        if self._postgres:
            with self.engine.connect() as conn, conn.begin():
                conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k, hashtext(:c))"),
                    {"k": BURST_LOCK_CLASS, "c": channel},
                )
                state = _load_burst(conn, channel)
                yield state
                self._save_burst(conn, channel, state)
            return
        with self._local_lock(channel):
            with self.engine.begin() as conn:
                state = _load_burst(conn, channel)
            yield state
            with self.engine.begin() as conn:
                self._save_burst(conn, channel, state)

    def _local_lock(self, channel: str) -> threading.Lock:
        with self._guard:
            return self._local_locks.setdefault(channel, threading.Lock())

    def _save_burst(self, conn: Connection, channel: str, state: BurstState) -> None:
        values: dict[str, Any] = {"recent": list(state.recent), "last": state.last}
        # columns of the earlier digest scheme (0004, 0005) keep their empty values
        legacy: dict[str, Any] = {"opened": 0.0, "mention_ids": [], "pending": [], "edited": 0.0}
        conn.execute(
            self._insert(ChannelBurst)
            .values(channel=channel, **values, **legacy)
            .on_conflict_do_update(index_elements=[ChannelBurst.channel], set_=values)
        )


def _load_burst(conn: Connection, channel: str) -> BurstState:
    row = conn.execute(
        select(ChannelBurst.recent, ChannelBurst.last).where(ChannelBurst.channel == channel)
    ).one_or_none()
    if row is None:
        return BurstState()
    return BurstState(recent=[float(t) for t in row.recent or []], last=float(row.last))

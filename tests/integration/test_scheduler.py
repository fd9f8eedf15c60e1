"""Exactly one process runs the scheduler; another takes over when the leader dies."""

from __future__ import annotations

from app import build_container
from runtime.scheduler import Scheduler
from tests.conftest import make_settings
from tests.support.fakes import FakeScreen, FixedSentiment


def _container(url: str):  # type: ignore[no-untyped-def]
    return build_container(make_settings(url), screen=FakeScreen(), sentiment=FixedSentiment())


def test_one_leader_among_processes_and_takeover_on_postgres(pg_url: str) -> None:
    a, b, c = (_container(pg_url) for _ in range(3))
    sa, sb, sc = Scheduler(a), Scheduler(b), Scheduler(c)
    try:
        for sched in (sa, sb, sc):
            sched.tick()
        assert [x.running for x in (sa, sb, sc)] == [True, False, False]
        job_ids = {j.id for j in sa._scheduler.get_jobs()}
        assert {
            "sla_sweep",
            "approver_reminders",
            "daily_digest",
            "retention_sweep",
            "audit_checkpoint",
        } <= job_ids
        # The leader dies: its connection goes away, PostgreSQL frees the lock.
        assert sa.lock._conn is not None
        sa.lock._conn.invalidate()
        sa.lock._conn = None
        sa._scheduler.shutdown(wait=False)
        sa._scheduler = None
        sb.tick()
        sc.tick()
        assert [sb.running, sc.running] == [True, False]
        sb.tick()
        assert sb.running, "a leader keeps its lock across ticks"
    finally:
        for sched, cont in ((sa, a), (sb, b), (sc, c)):
            sched.stop()
            cont.close()


def test_sqlite_is_single_process_and_always_leads(sqlite_url: str) -> None:
    cont = _container(sqlite_url)
    sched = Scheduler(cont)
    try:
        sched.tick()
        assert sched.running
    finally:
        sched.stop()
        cont.close()
    assert not sched.running


def test_stop_releases_leadership(pg_url: str) -> None:
    a, b = _container(pg_url), _container(pg_url)
    sa, sb = Scheduler(a), Scheduler(b)
    try:
        sa.tick()
        sa.stop()
        sb.tick()
        assert sb.running
    finally:
        sa.stop()
        sb.stop()
        a.close()
        b.close()

"""The scheduler: APScheduler jobs (``workflows.jobs``) in the one elected leader process."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app import Container

LEADER_CHECK_SECONDS = 15.0


class Scheduler:
    """APScheduler 3 (in-memory job store) running only in the elected leader process.

    Leadership is a PostgreSQL advisory lock on a dedicated connection (models.leader);
    ``tick`` is called every few seconds: it starts the scheduler on winning the lock and
    stops it on losing it, so exactly one process runs the jobs and another takes over if
    the leader dies. Each job is a thin call into workflows.jobs (idempotent, keyed)."""

    def __init__(self, container: Container) -> None:
        from models.leader import LeaderLock

        self.container = container
        self.lock = LeaderLock(container.engine)
        self._scheduler: Any = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def tick(self) -> None:
        leader = self.lock.try_acquire()
        if leader and self._scheduler is None:
            self._scheduler = self._build()
            self._scheduler.start()
            logging.getLogger("countersign.scheduler").info("scheduler started (leader)")
        elif not leader and self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            logging.getLogger("countersign.scheduler").warning("lost leadership; scheduler stopped")

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self.lock.release()

    def _build(self) -> Any:
        from apscheduler.schedulers.background import BackgroundScheduler

        from workflows import jobs

        deps = self.container.deps
        sched = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        sched.add_job(jobs.sla_sweep, "interval", minutes=5, args=[deps], id="sla_sweep")
        sched.add_job(
            jobs.approver_reminders, "interval", hours=1, args=[deps], id="approver_reminders"
        )
        sched.add_job(jobs.daily_digest, "cron", hour=13, args=[deps], id="daily_digest")
        sched.add_job(jobs.retention_sweep, "cron", hour=3, args=[deps], id="retention_sweep")
        sched.add_job(
            jobs.purge_shared_state, "interval", minutes=10, args=[deps], id="purge_shared_state"
        )
        sched.add_job(
            write_audit_checkpoint,
            "interval",
            hours=1,
            args=[self.container],
            id="audit_checkpoint",
            next_run_time=datetime.now(UTC),
        )
        from connectors.wiring import add_jobs  # source polling, post-publish checks

        add_jobs(sched, self.container)
        return sched


def write_audit_checkpoint(container: Container) -> Any:
    """Record the audit chain head outside the database (file), so that deleting the
    newest events is detected by `audit verify`."""
    from models import audit

    with container.deps.uow() as uow:
        return audit.checkpoint_head(
            uow.session, Path(container.settings.AUDIT_CHECKPOINT_PATH), container.deps.clock()
        )

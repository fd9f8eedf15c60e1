"""Scheduled work (SLA reminders, digests, retention) as thin use cases over the same
units of work and outbox.

Each job is idempotent: what it tells chat is keyed (outbox ``dedupe_key``) so running a
job twice, or on two processes, posts once. The scheduler (``runtime/scheduler.py``) runs
them on the one elected leader.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.tables import Mention
from models.uow import Conflict, UnitOfWork
from workflows import state_machine as sm
from workflows.services.shared import Deps, _audit, _kick, _outbox
from workflows.topics import Topic
from workflows.types import Actor, aware

log = logging.getLogger("countersign.jobs")

REDACTED = "[redacted under the retention policy]"


@dataclass(frozen=True)
class JobResult:
    name: str
    count: int


def _once(
    uow: UnitOfWork,
    deps: Deps,
    topic: str,
    key: str,
    mention_id: int | None,
    payload: dict[str, object],
) -> bool:
    """Queue a chat message unless one with ``key`` was already queued."""
    if uow.repo.outbox_key_exists(key):
        return False
    _outbox(uow, deps, topic, mention_id, payload=payload, key=key)
    return True


def _commit_quietly(uow: UnitOfWork) -> bool:
    """Commit; a concurrent run that queued the same key first is not an error."""
    try:
        uow.commit()
    except Conflict:
        uow.rollback()
        return False
    return True


def sla_sweep(deps: Deps) -> JobResult:
    """Overdue mentions: remind the thread once per due time; critical ones escalate to risk."""
    queued = 0
    now = deps.clock()
    with deps.uow() as uow:
        for m in uow.repo.overdue(now, sm.OPEN_STATES):
            key = f"chat.sla_overdue:{m.id}:{m.sla_due_at.isoformat() if m.sla_due_at else ''}"
            payload: dict[str, object] = {
                "severity": m.severity,
                "escalate": m.severity == "critical",
                "overdue_minutes": int((now - aware(m.sla_due_at or now)).total_seconds() // 60),
            }
            if _once(uow, deps, Topic.SLA_OVERDUE, key, m.id, payload):
                _audit(
                    uow, deps, Actor.system("scheduler"), "mention.sla_breached", m, detail=payload
                )
                queued += 1
        if queued and _commit_quietly(uow):
            _kick(deps)
    return JobResult("sla_sweep", queued)


def approver_reminders(deps: Deps, after_hours: float = 4.0) -> JobResult:
    """Remind approvers of revisions waiting on their role, at most once a day each."""
    queued = 0
    now = deps.clock()
    day = now.date().isoformat()
    with deps.uow() as uow:
        for role in ("marketing", "risk"):
            for m, r in uow.repo.awaiting_role(role):
                if aware(r.created_at) > now - timedelta(hours=after_hours):
                    continue
                key = f"chat.reminder:{r.id}:{role}:{day}"
                if _once(uow, deps, Topic.REMINDER, key, m.id, {"number": r.number, "role": role}):
                    queued += 1
        if queued and _commit_quietly(uow):
            _kick(deps)
    return JobResult("approver_reminders", queued)


def daily_digest(deps: Deps) -> JobResult:
    """One message a day: what was ignored (not posted) and what is open or overdue."""
    now = deps.clock()
    day = now.date().isoformat()
    with deps.uow() as uow:
        ignored = [m.id for m in uow.repo.ignored_since(now - timedelta(days=1))]
        open_ids = [m.id for m in uow.repo.mentions_in_states(sm.OPEN_STATES, limit=500)]
        overdue = [m.id for m in uow.repo.overdue(now, sm.OPEN_STATES)]
        payload: dict[str, object] = {
            "date": day,
            "ignored": ignored,
            "open": open_ids,
            "overdue": overdue,
        }
        queued = _once(uow, deps, Topic.DIGEST, f"chat.digest:{day}", None, payload)
        if queued and _commit_quietly(uow):
            _kick(deps)
    return JobResult("daily_digest", int(queued))


def retention_sweep(deps: Deps, batch: int = 200) -> JobResult:
    """Redact mention and draft text after RETENTION_DAYS (not on legal hold, not while a
    reply is in flight). Audit metadata is kept; chat copies are replaced by a notice."""
    now = deps.clock()
    cutoff = now - timedelta(days=deps.policy.retention_days)
    done = 0
    with deps.uow() as uow:
        candidates = [m.id for m in uow.repo.redactable(cutoff)][:batch]
    for mention_id in candidates:
        with deps.uow() as uow:
            m = uow.repo.mention(mention_id, for_update=True)
            if m is None or m.legal_hold or m.redacted_at is not None:
                continue
            if m.state not in sm.TERMINAL_STATES:
                continue
            _redact(uow, m, now)
            _audit(uow, deps, Actor.system("retention"), "mention.redacted", m)
            _outbox(uow, deps, Topic.REDACTED, m.id)
            uow.commit()
            done += 1
    if done:
        _kick(deps)
    return JobResult("retention_sweep", done)


def purge_shared_state(deps: Deps, now: float | None = None) -> JobResult:
    """Forget request signatures too old to be replayed (epoch seconds, like Slack's)."""
    removed = deps.shared.purge(time.time() if now is None else now)
    return JobResult("purge_shared_state", removed)


def _redact(uow: UnitOfWork, m: Mention, now: datetime) -> None:
    m.text = None
    m.author = REDACTED
    m.author_url = None
    m.url = None
    m.dismiss_reason = None
    m.redacted_at = now
    uow.repo.redact_revisions(m.id)

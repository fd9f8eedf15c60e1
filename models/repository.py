"""Queries the services need, so that service code holds rules and no SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, false, func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from models import audit
from models.db import CLAIMER_LOCK_NAMESPACE, is_postgres
from models.tables import (
    ApproverRole,
    AuditEvent,
    ChatInstallation,
    ChatThread,
    Incident,
    Mention,
    OutboxMessage,
    PhiFinding,
    PhiOverride,
    Reply,
    Revision,
    RoleMember,
    SignOff,
    SourceCursor,
)
from workflows.state_machine import TERMINAL_STATES, State


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._audit: list[tuple[dict[str, Any], datetime]] = []

    # -- mentions ---------------------------------------------------------------
    def mention(self, mention_id: int, *, for_update: bool = False) -> Mention | None:
        stmt = select(Mention).where(Mention.id == mention_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def mention_by_external(self, source: str, external_id: str) -> Mention | None:
        return self.session.execute(
            select(Mention).where(Mention.source == source, Mention.external_id == external_id)
        ).scalar_one_or_none()

    def existing_external_ids(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if not keys:
            return {}
        found: dict[tuple[str, str], int] = {}
        sources = {s for s, _ in keys}
        for source in sources:
            ids = [e for s, e in keys if s == source]
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start : chunk_start + 500]
                rows = self.session.execute(
                    select(Mention.id, Mention.external_id).where(
                        Mention.source == source, Mention.external_id.in_(chunk)
                    )
                )
                for row in rows:
                    found[(source, row.external_id)] = row.id
        return found

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    def refresh(self, obj: Any, attributes: Sequence[str]) -> None:
        """Reload relationships written in this transaction (findings, an override)."""
        self.session.refresh(obj, list(attributes))

    def mentions_in_states(self, states: Sequence[str], limit: int = 200) -> list[Mention]:
        return list(
            self.session.execute(
                select(Mention).where(Mention.state.in_(states)).order_by(Mention.id).limit(limit)
            ).scalars()
        )

    def mentions_assigned(self, member: str, states: Sequence[str]) -> list[Mention]:
        return list(
            self.session.execute(
                select(Mention)
                .where(Mention.assignee == member, Mention.state.in_(states))
                .order_by(Mention.id)
            ).scalars()
        )

    def overdue(self, now: datetime, states: Sequence[str]) -> list[Mention]:
        return list(
            self.session.execute(
                select(Mention)
                .where(Mention.state.in_(states), Mention.sla_due_at < now)
                .order_by(Mention.sla_due_at)
            ).scalars()
        )

    def ignored_since(self, since: datetime) -> list[Mention]:
        return list(
            self.session.execute(
                select(Mention)
                .where(Mention.state == State.IGNORED, Mention.received_at >= since)
                .order_by(Mention.id)
            ).scalars()
        )

    # -- replies and revisions ----------------------------------------------------
    def reply_for(self, mention: Mention) -> Reply | None:
        return self.session.execute(
            select(Reply).where(Reply.mention_id == mention.id)
        ).scalar_one_or_none()

    def published_since(self, posted_by: str, since: datetime) -> list[tuple[Mention, Reply]]:
        """Released mentions whose reply ``posted_by`` published at or after ``since``."""
        rows = self.session.execute(
            select(Mention, Reply)
            .join(Reply, Reply.mention_id == Mention.id)
            .where(
                Mention.state == State.RELEASED,
                Reply.posted_by == posted_by,
                Reply.published_at >= since,
            )
            .order_by(Mention.id)
        ).all()
        return [(m, r) for m, r in rows]

    def revision(self, mention_id: int, number: int) -> Revision | None:
        return self.session.execute(
            select(Revision)
            .where(Revision.mention_id == mention_id, Revision.number == number)
            .options(selectinload(Revision.findings).selectinload(PhiFinding.override))
        ).scalar_one_or_none()

    def revision_by_id(self, revision_id: int) -> Revision | None:
        return self.session.get(Revision, revision_id)

    def revisions(self, mention_id: int) -> list[Revision]:
        return list(
            self.session.execute(
                select(Revision)
                .where(Revision.mention_id == mention_id)
                .order_by(Revision.number)
                .options(selectinload(Revision.findings).selectinload(PhiFinding.override))
            ).scalars()
        )

    def signoffs(self, revision_id: int) -> list[SignOff]:
        return list(
            self.session.execute(
                select(SignOff).where(SignOff.revision_id == revision_id).order_by(SignOff.id)
            ).scalars()
        )

    def approver_role(self, mention_id: int, actor: str) -> ApproverRole | None:
        return self.session.execute(
            select(ApproverRole).where(
                ApproverRole.mention_id == mention_id, ApproverRole.actor == actor
            )
        ).scalar_one_or_none()

    def approver_roles(self, mention_id: int) -> list[ApproverRole]:
        return list(
            self.session.execute(
                select(ApproverRole)
                .where(ApproverRole.mention_id == mention_id)
                .order_by(ApproverRole.actor)
            ).scalars()
        )

    def overrides(self, revision_id: int) -> list[PhiOverride]:
        return list(
            self.session.execute(
                select(PhiOverride).where(PhiOverride.revision_id == revision_id)
            ).scalars()
        )

    def awaiting_role(self, role: str) -> list[tuple[Mention, Revision]]:
        """In-review mentions whose latest revision lacks a sign-off for ``role``."""
        signed = select(SignOff.revision_id).where(SignOff.role == role)
        rows = self.session.execute(
            select(Mention, Revision)
            .join(Reply, Reply.mention_id == Mention.id)
            .join(
                Revision,
                and_(Revision.reply_id == Reply.id, Revision.number == Reply.latest_revision),
            )
            .where(Mention.state == State.IN_REVIEW, Revision.id.not_in(signed))
            .order_by(Mention.id)
        )
        return [(m, r) for m, r in rows]

    def drafts_by(self, author: str) -> list[tuple[Mention, Revision]]:
        rows = self.session.execute(
            select(Mention, Revision)
            .join(Reply, Reply.mention_id == Mention.id)
            .join(
                Revision,
                and_(Revision.reply_id == Reply.id, Revision.number == Reply.latest_revision),
            )
            .where(
                Revision.author == author,
                Mention.state.in_((State.DRAFTING, State.IN_REVIEW, State.PUBLISH_FAILED)),
            )
            .order_by(Mention.id)
        )
        return [(m, r) for m, r in rows]

    # -- roles ------------------------------------------------------------------
    def roles_of(self, member: str) -> set[str]:
        return set(
            self.session.execute(
                select(RoleMember.role).where(RoleMember.member == member)
            ).scalars()
        )

    def role_members(self) -> list[RoleMember]:
        return list(
            self.session.execute(
                select(RoleMember).order_by(RoleMember.role, RoleMember.member)
            ).scalars()
        )

    def remove_role(self, member: str, role: str) -> int:
        result = self.session.execute(
            delete(RoleMember).where(RoleMember.member == member, RoleMember.role == role)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- chat threads -----------------------------------------------------------
    def thread(self, mention_id: int, platform: str) -> ChatThread | None:
        return self.session.execute(
            select(ChatThread).where(
                ChatThread.mention_id == mention_id, ChatThread.platform == platform
            )
        ).scalar_one_or_none()

    def installation(self, platform: str) -> ChatInstallation | None:
        return self.session.get(ChatInstallation, platform)

    # -- outbox -------------------------------------------------------------------
    def outbox_due(
        self,
        now: datetime,
        limit: int,
        prefixes: Sequence[str] | None,
        orphaned_until: datetime | None = None,
    ) -> list[OutboxMessage]:
        """Pending rows that are due, oldest first; with ``prefixes``, only topics equal
        to one of them or below it (``chat`` matches ``chat.mention_new``).

        On PostgreSQL, with ``orphaned_until``, also rows still leased (until no later
        than that) by a process that has died: its claimer lock is gone from pg_locks."""
        due = OutboxMessage.next_attempt_at <= now
        if orphaned_until is not None and is_postgres(self.session):
            orphaned = and_(
                OutboxMessage.claimed_by.is_not(None),
                OutboxMessage.next_attempt_at <= orphaned_until,
                text(
                    "NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory'"
                    " AND l.classid::bigint = :claimer_ns AND l.objsubid = 2"
                    " AND l.objid::bigint = outbox.claimed_by AND l.database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database()))"
                ).bindparams(claimer_ns=CLAIMER_LOCK_NAMESPACE),
            )
            due = or_(due, orphaned)
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", due)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if prefixes is not None and "*" not in prefixes:
            stmt = stmt.where(
                or_(
                    false(),
                    *(
                        or_(OutboxMessage.topic == p, OutboxMessage.topic.like(p + ".%"))
                        for p in prefixes
                    ),
                )
            )
        if is_postgres(self.session):
            stmt = stmt.with_for_update(skip_locked=True)
        return list(self.session.execute(stmt).scalars())

    def outbox_key_exists(self, key: str) -> bool:
        found = self.session.execute(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
        ).first()
        return found is not None

    def outbox_row(self, row_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, row_id)

    def outbox_pending_topics(self) -> list[str]:
        return list(
            self.session.execute(
                select(OutboxMessage.topic).where(OutboxMessage.status == "pending").distinct()
            ).scalars()
        )

    def mentions_awaiting_first_post(self, topic: str, platform: str, limit: int) -> list[int]:
        """Mentions whose ``topic`` row is pending and that have no thread record on
        ``platform`` yet (nothing decided for them there: neither an own message nor a
        listing), oldest first. One query; a claim writes the records under the
        channel's burst lock, so two claims never take one mention."""
        decided = select(ChatThread.id).where(
            ChatThread.mention_id == OutboxMessage.mention_id, ChatThread.platform == platform
        )
        return [
            int(i)
            for i in self.session.execute(
                select(OutboxMessage.mention_id)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.topic == topic,
                    OutboxMessage.mention_id.is_not(None),
                    ~decided.exists(),
                )
                .group_by(OutboxMessage.mention_id)
                .order_by(OutboxMessage.mention_id)
                .limit(limit)
            ).scalars()
            if i is not None
        ]

    def close_outbox_rows(self, topic: str, mention_ids: Sequence[int], now: datetime) -> int:
        """Mark the pending ``topic`` rows of these mentions done: another row's step did
        their work (a burst listing listed their mentions). A relay still holding one
        finds it closed and leaves it so."""
        if not mention_ids:
            return 0
        result = self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.topic == topic,
                OutboxMessage.mention_id.in_(list(mention_ids)),
            )
            .values(status="done", done_at=now, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def threads(self, mention_ids: Sequence[int], platform: str) -> list[ChatThread]:
        if not mention_ids:
            return []
        return list(
            self.session.execute(
                select(ChatThread).where(
                    ChatThread.mention_id.in_(list(mention_ids)), ChatThread.platform == platform
                )
            ).scalars()
        )

    def outbox_counts(self) -> dict[str, int]:
        """Outbox rows by status (``pending``, ``done``, ``dead``)."""
        rows = self.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
        return {str(status): int(n) for status, n in rows}

    def outbox_for_mention(self, mention_id: int, topic: str) -> list[OutboxMessage]:
        return list(
            self.session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.mention_id == mention_id, OutboxMessage.topic == topic)
                .order_by(OutboxMessage.id)
            ).scalars()
        )

    # -- incidents, cursors -------------------------------------------------------
    def incidents(self, mention_id: int) -> list[Incident]:
        return list(
            self.session.execute(
                select(Incident).where(Incident.mention_id == mention_id).order_by(Incident.id)
            ).scalars()
        )

    def cursor(self, source: str, *, for_update: bool = False) -> SourceCursor | None:
        if not for_update:
            return self.session.get(SourceCursor, source)
        return self.session.execute(
            select(SourceCursor).where(SourceCursor.source == source).with_for_update()
        ).scalar_one_or_none()

    # -- retention ----------------------------------------------------------------
    def redactable(self, before: datetime) -> list[Mention]:
        return list(
            self.session.execute(
                select(Mention).where(
                    Mention.received_at < before,
                    Mention.legal_hold.is_(False),
                    Mention.redacted_at.is_(None),
                    or_(Mention.state.in_(TERMINAL_STATES)),
                )
            ).scalars()
        )

    def redact_revisions(self, mention_id: int) -> None:
        self.session.execute(
            update(Revision).where(Revision.mention_id == mention_id).values(text=None)
        )
        rev_ids = select(Revision.id).where(Revision.mention_id == mention_id)
        self.session.execute(
            update(PhiFinding).where(PhiFinding.revision_id.in_(rev_ids)).values(text=None)
        )

    # -- audit --------------------------------------------------------------------
    def audit(self, now: datetime, **fields: Any) -> None:
        """Record an event; it is written with the unit of work's commit (``write_audit``),
        so the chain's lock is held only for the commit, not the whole transaction."""
        self._audit.append((fields, now))

    def write_audit(self) -> None:
        """Write the recorded events (in order) into this transaction."""
        if self._audit:
            pending, self._audit = self._audit, []
            audit.append_all(self.session, pending)

    def discard_audit(self) -> None:
        self._audit = []

    def audit_events(
        self, since: datetime | None = None, mention_id: int | None = None
    ) -> list[AuditEvent]:
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        if since is not None:
            stmt = stmt.where(AuditEvent.occurred_at >= since)
        if mention_id is not None:
            stmt = stmt.where(AuditEvent.mention_id == mention_id)
        return list(self.session.execute(stmt).scalars())

    def history(self, mention_id: int) -> list[AuditEvent]:
        return self.audit_events(mention_id=mention_id)

"""Scheduled jobs: idempotent, keyed, and redaction that keeps the audit trail."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select, text

from models import audit
from models.tables import OutboxMessage
from workflows import jobs
from workflows.services import drafting, mentions, viewing
from workflows.types import Actor, MentionInput

AUTHOR = Actor("slack", "UA", channel_member=True)


def topics(deps):  # type: ignore[no-untyped-def]
    with deps.uow() as uow:
        return [
            (o.topic, o.mention_id)
            for o in uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
            if o.topic != "chat.mention_new"
        ]


def test_sla_sweep_once_per_due_time_and_escalates_critical(deps, clock) -> None:  # type: ignore[no-untyped-def]
    mentions.ingest(
        deps,
        [
            MentionInput("h", "1", "google", "A", "Rude", rating=1),
            MentionInput("h", "2", "google", "B", "My attorney will call", rating=1),
        ],
    )
    assert jobs.sla_sweep(deps).count == 0
    clock.advance(hours=3)  # critical (2 h) is overdue, high (8 h) is not
    assert jobs.sla_sweep(deps).count == 1
    assert jobs.sla_sweep(deps).count == 0, "idempotent"
    clock.advance(hours=6)
    assert jobs.sla_sweep(deps).count == 1
    assert topics(deps) == [("chat.sla_overdue", 2), ("chat.sla_overdue", 1)]
    with deps.uow() as uow:
        payloads = [o.payload for o in uow.repo.outbox_for_mention(2, "chat.sla_overdue")]
        assert '"escalate": true' in payloads[0]
        assert [e.action for e in uow.repo.history(2)][-1] == "mention.sla_breached"


def test_approver_reminders_daily(deps, clock) -> None:  # type: ignore[no-untyped-def]
    mentions.ingest(deps, [MentionInput("h", "1", "google", "A", "Rude", rating=1)])
    drafting.create_revision(deps, AUTHOR, "M-1", "We are sorry; please call us.")
    assert jobs.approver_reminders(deps).count == 0, "too fresh"
    clock.advance(hours=5)
    assert jobs.approver_reminders(deps).count == 2  # marketing and risk
    assert jobs.approver_reminders(deps).count == 0
    clock.advance(days=1)
    assert jobs.approver_reminders(deps).count == 2


def test_daily_digest_lists_ignored(deps, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.support.fakes import FixedSentiment

    deps.sentiment = FixedSentiment(0.9)
    mentions.ingest(deps, [MentionInput("h", "1", "google", "A", "Lovely", rating=5)])
    deps.sentiment = FixedSentiment(-0.9)
    mentions.ingest(deps, [MentionInput("h", "2", "google", "B", "Bad", rating=1)])
    assert jobs.daily_digest(deps).count == 1
    assert jobs.daily_digest(deps).count == 0
    with deps.uow() as uow:
        (row,) = [
            o
            for o in uow.session.execute(select(OutboxMessage)).scalars()
            if o.topic == "chat.digest"
        ]
        assert '"ignored": [1]' in (row.payload or "") and '"open": [2]' in (row.payload or "")


def test_retention_redacts_text_keeps_audit_and_respects_legal_hold(deps, clock) -> None:  # type: ignore[no-untyped-def]
    deps.policy = dataclasses.replace(deps.policy, retention_days=30)
    mentions.ingest(
        deps,
        [
            MentionInput("h", "1", "google", "Ann Marker", "Awful MARKER-TEXT", rating=1),
            MentionInput("h", "2", "google", "Bo", "Awful too", rating=1),
            MentionInput("h", "3", "google", "Cy", "Still open", rating=1),
        ],
    )
    drafting.create_revision(deps, AUTHOR, "M-1", "We are sorry to hear this.")
    mentions.dismiss(deps, AUTHOR, "M-1", "spam")
    mentions.dismiss(deps, AUTHOR, "M-2", "spam")
    mentions.set_legal_hold(deps, Actor.cli(), "M-2", True)
    clock.advance(days=31)
    assert jobs.retention_sweep(deps).count == 1
    assert jobs.retention_sweep(deps).count == 0
    v1, v2, v3 = (viewing.mention_view(deps, i) for i in (1, 2, 3))
    assert v1.redacted and v1.text is None and "Ann" not in v1.author
    assert v1.latest is not None and v1.latest.text is None and v1.latest.text_sha256
    assert v2.text == "Awful too" and not v2.redacted, "legal hold stops redaction"
    assert v3.text == "Still open", "open mentions are not redacted"
    with deps.uow() as uow:
        assert audit.verify(uow.session).ok
        assert "mention.redacted" in [e.action for e in uow.repo.history(1)]
        assert uow.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one() > 5
    assert ("chat.redacted", 1) in topics(deps)

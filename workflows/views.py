"""Read models the services return to adapters (plain frozen dataclasses).

A view answers two questions for whoever asked: which actions they may take now
(``MentionView.actions``, decided by ``workflows.permissions``) and what they may read.
Views built for one person (status, queue, the draft being edited) have a blocked
draft's text and the flagged words removed (``None``, with ``RevisionView.text_hidden``
set) unless that person is the draft's author or a risk approver. Views built for
delivery to a channel (``services.mention_view``) keep them, and the channel renderers
never show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflows.actions import ActionId, mention_ref
from workflows.state_machine import RevisionState, State
from workflows.types import aware


@dataclass(frozen=True)
class FindingView:
    idx: int
    kind: str
    start: int
    end: int
    text: str | None
    reason: str
    suggestion: str
    overridden_by: str | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class SignOffView:
    role: str
    actor: str
    decision: str  # approve | changes
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class RevisionView:
    number: int
    author: str
    text: str | None
    text_sha256: str
    verdict: str  # block | pass
    state: RevisionState
    created_at: datetime
    findings: tuple[FindingView, ...] = ()
    signoffs: tuple[SignOffView, ...] = ()
    sent_to_risk: bool = False
    # The text and flagged words were withheld from this viewer (not removed by retention).
    text_hidden: bool = False

    @property
    def finding_kinds(self) -> tuple[str, ...]:
        return tuple(sorted({f.kind for f in self.findings}))

    @property
    def open_findings(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.overridden_by is None)

    @property
    def blocked_text(self) -> bool:
        """The screen blocked this text and not every finding was overridden."""
        return self.verdict == "block" and bool(self.open_findings)

    def signed_by(self, role: str) -> SignOffView | None:
        for s in self.signoffs:
            if s.role == role and s.decision == "approve":
                return s
        return None

    def decided_by(self, role: str) -> SignOffView | None:
        """The role's sign-off or request for changes on this revision."""
        return next((s for s in self.signoffs if s.role == role), None)


@dataclass(frozen=True)
class MentionView:
    id: int
    source: str
    platform: str
    author: str
    text: str | None
    url: str | None
    rating: int | None
    severity: str
    severity_reasons: tuple[str, ...]
    state: State
    received_at: datetime
    created_at: datetime | None = None
    sla_due_at: datetime | None = None
    assignee: str | None = None
    legal_hold: bool = False
    redacted: bool = False
    latest: RevisionView | None = None
    published_hash: str | None = None
    published_at: datetime | None = None
    posted_by: str | None = None
    # Who acts in which approver role on this reply (one role per person, all revisions).
    approvers: tuple[tuple[str, str], ...] = ()
    # What the viewer may do now; None when the view was built for no one in particular
    # (ask ``workflows.permissions.offered``, which then answers for the channel).
    actions: tuple[ActionId, ...] | None = None

    @property
    def ref(self) -> str:
        return mention_ref(self.id)

    def approver_role_of(self, actor: str) -> str | None:
        return next((role for who, role in self.approvers if who == actor), None)

    def overdue(self, now: datetime | None) -> bool:
        """Past its reply deadline (the core's rule; adapters only draw it)."""
        due = self.sla_due_at
        return now is not None and due is not None and aware(now) > aware(due)

    def age_minutes(self, now: datetime) -> int:
        """Whole minutes since the mention arrived (never negative)."""
        return max(0, int((aware(now) - aware(self.received_at)).total_seconds() // 60))


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    outcome: str
    revision_number: int | None
    state_to: str | None


@dataclass(frozen=True)
class Status:
    mention: MentionView
    revisions: tuple[RevisionView, ...]
    history: tuple[HistoryEntry, ...]


@dataclass(frozen=True)
class QueueItem:
    mention: MentionView
    why: str  # "your draft", "awaiting marketing sign-off", "overdue", ...


@dataclass(frozen=True)
class Queue:
    member: str
    roles: tuple[str, ...]
    items: tuple[QueueItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class IngestResult:
    external_id: str
    id: int
    duplicate: bool
    negative: bool

    @property
    def ref(self) -> str:
        return mention_ref(self.id)


@dataclass(frozen=True)
class IncidentView:
    mention_ref: str
    reason: str
    published_at: datetime | None
    removed_at: datetime
    published_hash: str | None
    assessment_owner: str
    assessment_due_at: datetime
    history: dict[str, object]


@dataclass(frozen=True)
class ThreadRef:
    """Where a mention lives in chat (Slack channel + ts; Teams conversation reference)."""

    mention_id: int
    platform: str
    channel: str | None
    ts: str | None
    conversation_ref: dict[str, object] | None = None


LISTING_SEVERITY_ORDER = {"critical": 0, "high": 1, "normal": 2}


def listing_groups(mentions: list[MentionView]) -> list[tuple[str, str, list[MentionView]]]:
    """A burst listing's groups, as every chat surface shows them: by severity (critical
    first), then platform, each oldest first: ``(severity, platform, mentions)``."""

    def group(m: MentionView) -> tuple[int, str, str]:
        return (LISTING_SEVERITY_ORDER.get(m.severity, 9), m.severity, m.platform)

    out: list[tuple[str, str, list[MentionView]]] = []
    for m in sorted(mentions, key=lambda m: (*group(m), m.id)):
        if out and (out[-1][0], out[-1][1]) == (m.severity, m.platform):
            out[-1][2].append(m)
        else:
            out.append((m.severity, m.platform, [m]))
    return out

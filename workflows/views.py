"""Read models the services return to adapters (plain frozen dataclasses).

Sensitive fields (mention text, author, draft text, flagged words) are present because
the adapters need them to render for the right audience; adapters decide who sees what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
    state: str  # clean | blocked | cleared | superseded
    created_at: datetime
    findings: tuple[FindingView, ...] = ()
    signoffs: tuple[SignOffView, ...] = ()
    sent_to_risk: bool = False

    @property
    def finding_kinds(self) -> tuple[str, ...]:
        return tuple(sorted({f.kind for f in self.findings}))

    @property
    def open_findings(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.overridden_by is None)

    def signed_by(self, role: str) -> SignOffView | None:
        for s in self.signoffs:
            if s.role == role and s.decision == "approve":
                return s
        return None


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
    state: str
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

    @property
    def ref(self) -> str:
        return f"M-{self.id}"


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
        return f"M-{self.id}"


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

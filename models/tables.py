"""SQLAlchemy 2 typed models. Invariants live in the schema as well as in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.crypto import EncryptedText
from workflows.state_machine import APPROVER_ROLES as APPROVER_ROLE_ENUMS
from workflows.state_machine import Role, State

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The check constraints below derive from the core's enums (a test compares them with
# the migrated schema, so a new state or role needs a migration).
MENTION_STATES: tuple[str, ...] = tuple(s.value for s in State)
ROLES: tuple[str, ...] = tuple(r.value for r in Role)
APPROVER_ROLES: tuple[str, ...] = tuple(r.value for r in APPROVER_ROLE_ENUMS)


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint(_in("state", MENTION_STATES), name="state"),
        CheckConstraint(_in("severity", ("critical", "high", "normal")), name="severity"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        Index("ix_mentions_state_sla", "state", "sla_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(EncryptedText)
    author_url: Mapped[str | None] = mapped_column(EncryptedText)
    text: Mapped[str | None] = mapped_column(EncryptedText)  # NULL once redacted
    url: Mapped[str | None] = mapped_column(EncryptedText)
    rating: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    negative: Mapped[bool] = mapped_column(Boolean)
    sentiment: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    severity_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(32))
    assignee: Mapped[str | None] = mapped_column(String(128))
    dismiss_reason: Mapped[str | None] = mapped_column(EncryptedText)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    reply: Mapped[Reply | None] = relationship(back_populates="mention", uselist=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def ref(self) -> str:
        return f"M-{self.id}"


class Reply(Base):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), unique=True)
    latest_revision: Mapped[int] = mapped_column(Integer, default=0)
    # The approved revision (a plain id: a foreign key here would make replies and
    # revisions reference each other).
    released_revision_id: Mapped[int | None] = mapped_column(Integer)
    published_hash: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_external_id: Mapped[str | None] = mapped_column(String(255))
    posted_by: Mapped[str | None] = mapped_column(String(128))
    taken_down_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    mention: Mapped[Mention] = relationship(back_populates="reply")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="reply",
        order_by="Revision.number",
        foreign_keys="Revision.reply_id",
    )


class Revision(Base):
    """An immutable draft text with its screening result (text may only be redacted)."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("reply_id", "number"),
        CheckConstraint(_in("screen_verdict", ("block", "pass")), name="verdict"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"))
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    number: Mapped[int] = mapped_column(Integer)
    # The revision the author started from (0 = a fresh draft); lets an author fix their
    # own blocked attempt from the same modal without "the draft changed".
    based_on: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(EncryptedText)
    text_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    screen_verdict: Mapped[str] = mapped_column(String(8))
    sent_to_risk: Mapped[bool] = mapped_column(Boolean, default=False)

    reply: Mapped[Reply] = relationship(back_populates="revisions", foreign_keys=[reply_id])
    findings: Mapped[list[PhiFinding]] = relationship(
        back_populates="revision", order_by="PhiFinding.idx"
    )


class PhiFinding(Base):
    __tablename__ = "phi_findings"
    __table_args__ = (UniqueConstraint("revision_id", "idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    idx: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(EncryptedText)
    reason: Mapped[str] = mapped_column(EncryptedText)
    suggestion: Mapped[str] = mapped_column(EncryptedText)

    revision: Mapped[Revision] = relationship(back_populates="findings")
    override: Mapped[PhiOverride | None] = relationship(back_populates="finding", uselist=False)


class PhiOverride(Base):
    """A risk approver's judgement that one finding of one revision is a false positive."""

    __tablename__ = "phi_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("phi_findings.id"), unique=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    finding: Mapped[PhiFinding] = relationship(back_populates="override")


class ApproverRole(Base):
    """The one approver role a person holds on one reply, across all its revisions."""

    __tablename__ = "approver_roles"
    __table_args__ = (
        UniqueConstraint("mention_id", "actor"),
        UniqueConstraint("mention_id", "actor", "role"),
        CheckConstraint(_in("role", APPROVER_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))


class SignOff(Base):
    """A decision (approve or request changes) by one approver role on one revision."""

    __tablename__ = "signoffs"
    __table_args__ = (
        UniqueConstraint("revision_id", "role"),
        UniqueConstraint("revision_id", "actor"),
        CheckConstraint(_in("role", APPROVER_ROLES), name="role"),
        CheckConstraint(_in("decision", ("approve", "changes")), name="decision"),
        ForeignKeyConstraint(
            ["mention_id", "actor", "role"],
            ["approver_roles.mention_id", "approver_roles.actor", "approver_roles.role"],
            name="fk_signoffs_approver_role",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    role: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoleMember(Base):
    __tablename__ = "role_members"
    __table_args__ = (
        UniqueConstraint("member", "role"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Append-only, HMAC-chained. ``seq`` is assigned under a lock so the chain has no gaps."""

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(_in("outcome", ("ok", "refused")), name="outcome"),
        Index("ix_audit_events_mention", "mention_id"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8))
    mention_id: Mapped[int | None] = mapped_column(Integer)
    revision_number: Mapped[int | None] = mapped_column(Integer)
    text_hash: Mapped[str | None] = mapped_column(String(64))
    finding_kinds: Mapped[str | None] = mapped_column(String(255))
    published_hash: Mapped[str | None] = mapped_column(String(64))
    state_from: Mapped[str | None] = mapped_column(String(32))
    state_to: Mapped[str | None] = mapped_column(String(32))
    # Encrypted by models.audit.append_all before hashing (the chain covers the ciphertext).
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Fingerprint of the audit key whose HMAC ``hash`` is; NULL: a legacy SHA-256 event.
    key_id: Mapped[str | None] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class OutboxMessage(Base):
    """Work to do after commit: chat notifications and publishing, written in the same
    transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("status", ("pending", "done", "dead")), name="status"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    payload: Mapped[str | None] = mapped_column(EncryptedText)  # JSON, encrypted
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the claiming process's advisory-lock key while the row is leased (PostgreSQL)
    claimed_by: Mapped[int | None] = mapped_column(Integer)


class ChatThread(Base):
    """Where a mention lives in chat: Slack channel + ts, or a Teams conversation reference."""

    __tablename__ = "chat_threads"
    __table_args__ = (UniqueConstraint("mention_id", "platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    platform: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    conversation_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChatInstallation(Base):
    """Where the app was installed (Teams: the channel's conversation reference), so
    proactive posting works after a restart when no channel id is configured."""

    __tablename__ = "chat_installations"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    conversation_ref: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SourceCursor(Base):
    __tablename__ = "source_cursors"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Incident(Base):
    """Opened when a released reply is taken down (HIPAA breach assessment clock)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    reason: Mapped[str] = mapped_column(EncryptedText)
    opened_by: Mapped[str] = mapped_column(String(128))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_hash: Mapped[str | None] = mapped_column(String(64))
    assessment_owner: Mapped[str] = mapped_column(String(128))
    assessment_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    history: Mapped[dict[str, Any]] = mapped_column(JSON)


class SeenSignature(Base):
    """A Slack request signature some replica accepted (replays are refused) until
    ``expires_at`` (epoch seconds), after which the request is stale anyway."""

    __tablename__ = "seen_signatures"

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class ChannelPace(Base):
    """A channel's posting pace shared by every replica (epoch seconds): the next slot
    at an even pace, Slack's Retry-After after a 429, and until when a burst listing
    holds the channel's slots (notes wait; listings go first)."""

    __tablename__ = "channel_pace"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)
    blocked_until: Mapped[float] = mapped_column(Float, default=0.0)
    held_until: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class ChannelBurst(Base):
    """A channel's burst digest (``workflows.shared_state.BurstState``)."""

    __tablename__ = "channel_bursts"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    recent: Mapped[list[float]] = mapped_column(JSON, default=list)
    digest_ts: Mapped[str | None] = mapped_column(String(32))
    opened: Mapped[float] = mapped_column(Float, default=0.0)
    last: Mapped[float] = mapped_column(Float, default=0.0)
    mention_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # mentions of the burst not listed in a digest message yet (0005)
    pending: Mapped[list[int]] = mapped_column(JSON, default=list)
    edited: Mapped[float] = mapped_column(Float, default=0.0)

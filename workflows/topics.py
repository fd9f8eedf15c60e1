"""Outbox topics: what the services queue and the chat adapters deliver (one list, so a
typo cannot silently drop a notification)."""

from __future__ import annotations

from enum import StrEnum

# How long a relay holds a claimed row before another may claim it again.
LEASE_SECONDS = 120.0
# A row whose claimer's lock is gone (the process died, or only its lock connection was
# cut) is taken after this instead of the lease: longer than any one handler's calls can
# still land (a publish: two 15 s attempts; a Slack note: a few single 15 s calls).
ORPHAN_AFTER_SECONDS = 60.0


class Topic(StrEnum):
    MENTION_NEW = "chat.mention_new"
    MENTION_UPDATED = "chat.mention_updated"
    REVISION = "chat.revision"
    RISK_REVIEW = "chat.risk_review"
    OVERRIDE = "chat.override"
    SIGNOFF = "chat.signoff"
    CHANGES_REQUESTED = "chat.changes_requested"
    RELEASED = "chat.released"
    PUBLISH_FAILED = "chat.publish_failed"
    # a chat notification about a mention gave up after its retries; payload: {"topic"}
    DELIVERY_FAILED = "chat.delivery_failed"
    TAKEN_DOWN = "chat.taken_down"
    REFUSAL = "chat.refusal"
    SLA_OVERDUE = "chat.sla_overdue"
    REMINDER = "chat.reminder"
    DIGEST = "chat.digest"
    REDACTED = "chat.redacted"
    # someone opened a mention listed in a burst digest: post its own message if it is
    # not posted yet; payload: {"user"} (the Slack user to send the link to, or "")
    MENTION_OPEN = "chat.mention_open"
    # a note from the publishers (platform check alerts, takedown instructions);
    # payload: {"kind", "message"} (ids and plain words, never review or reply text)
    PLATFORM_NOTE = "chat.platform_note"
    # after each release: record the audit chain's head outside the database at once
    AUDIT_CHECKPOINT = "audit.checkpoint"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"


CHAT_PREFIX = "chat"

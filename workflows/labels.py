"""Words people read for the lifecycle's states, revision states and finding kinds, the
same on every chat platform (each adapter escapes them for its own markup)."""

from __future__ import annotations

import re

from workflows.state_machine import RevisionState, State
from workflows.topics import Topic

PLATFORMS: dict[str, str] = {
    "google": "Google",
    "gbp": "Google",
    "yelp": "Yelp",
    "facebook": "Facebook",
    "x": "X",
    "twitter": "X",
    "rss": "Web",
    "web": "Web",
    "healthgrades": "Healthgrades",
    "instagram": "Instagram",
    "tripadvisor": "Tripadvisor",
}

TOPIC_LABEL: dict[str, str] = {
    Topic.MENTION_NEW: "new-mention",
    Topic.MENTION_UPDATED: "status-update",
    Topic.REVISION: "draft",
    Topic.RISK_REVIEW: "risk-review",
    Topic.OVERRIDE: "PHI-override",
    Topic.SIGNOFF: "sign-off",
    Topic.CHANGES_REQUESTED: "changes-requested",
    Topic.RELEASED: "release",
    Topic.PUBLISH_FAILED: "publish-failure",
    Topic.TAKEN_DOWN: "takedown",
    Topic.REFUSAL: "refusal",
    Topic.SLA_OVERDUE: "overdue",
    Topic.REMINDER: "reminder",
    Topic.DIGEST: "digest",
    Topic.REDACTED: "retention",
    Topic.PLATFORM_NOTE: "platform",
}


def topic_label(topic: str) -> str:
    """What kind of notification an outbox topic is, in a word or two."""
    return TOPIC_LABEL.get(topic, "chat")


STATE_LABEL: dict[str, str] = {
    State.OPEN: "Open — no draft yet",
    State.IGNORED: "Not negative (ignored)",
    State.DRAFTING: "Drafting",
    State.IN_REVIEW: "In review",
    State.APPROVED: "Approved — publishing",
    State.RELEASED: "Released",
    State.PUBLISH_FAILED: "Publishing failed — needs a decision",
    State.DISMISSED: "Dismissed",
    State.TAKEN_DOWN: "Taken down",
}
REVISION_STATE_LABEL: dict[str, str] = {
    RevisionState.BLOCKED: "blocked by the PHI screen",
    RevisionState.CLEARED: "findings overridden by risk",
    RevisionState.CLEAN: "passed the PHI screen",
    RevisionState.SUPERSEDED: "superseded by a newer revision",
}
KIND_LABEL: dict[str, str] = {
    "patient_name": "patient name",
    "confirms_patient": "confirms a care relationship",
    "visit_date": "visit date",
    "clinical_detail": "clinical detail",
    "appointment_history": "appointment history",
    "billing_insurance": "billing or insurance",
    "identifier": "identifier",
    "staff_patient_link": "clinician linked to the patient",
    "family_member": "family member's care",
    "new_fact": "fact the review did not state",
}


# What a refused request was, in words a coordinator reading the thread understands
# (keys are the audit trail's action names).
REQUEST_LABEL: dict[str, str] = {
    "mention.open": "opening the mention for a reply",
    "mention.assign": "taking the mention",
    "mention.dismiss": "dismissing the mention",
    "mention.legal_hold": "a legal hold",
    "mention.status": "looking at the status",
    "revision.create": "a new draft",
    "revision.open": "editing the draft",
    "revision.send_to_risk": "sending the draft to risk",
    "revision.signoff": "a sign-off",
    "revision.request_changes": "a request for changes",
    "finding.override": "overriding a PHI finding",
    "reply.mark_posted": "marking the reply as posted",
    "reply.retry_publish": "publishing again",
    "reply.take_down": "taking the reply down",
    "phi.check": "a PHI check",
}

# Why, by refusal code.
REFUSAL_REASON: dict[str, str] = {
    "forbidden": "not allowed for this person",
    "stale_revision": "the draft had changed since",
    "invalid_state": "not possible at this stage",
    "not_found": "nothing to act on",
    "invalid_input": "the request was incomplete",
    "malformed_action": "an out-of-date button",
    "screen_unavailable": "the PHI screen was unavailable",
}


def request_label(action: str) -> str:
    if action in REQUEST_LABEL:
        return REQUEST_LABEL[action]
    if action.startswith("button."):
        return "a button press"
    cleaned = re.sub(r"[^a-z_.]", "", action.lower()).replace("_", " ").replace(".", " ")
    return cleaned.strip() or "a request"


def refusal_reason(code: str) -> str:
    return REFUSAL_REASON.get(code, re.sub(r"[^a-z_]", "", code.lower()).replace("_", " "))


def kind_label(kind: str) -> str:
    return KIND_LABEL.get(kind, re.sub(r"[^a-z_]", "", kind.lower()).replace("_", " ") or "other")


def kinds_text(kinds: list[str] | tuple[str, ...]) -> str:
    return ", ".join(kind_label(k) for k in kinds) or "none"


def platform_label(platform: str) -> str:
    key = (platform or "").strip().lower()
    if key in PLATFORMS:
        return PLATFORMS[key]
    cleaned = re.sub(r"[^A-Za-z0-9 ._-]", "", platform or "")[:30].strip()
    return cleaned.title() or "Unknown source"


def stars(rating: int | None) -> str:
    if rating is None:
        return "no rating"
    r = max(0, min(5, int(rating)))
    return "★" * r + "☆" * (5 - r)


__all__ = [
    "KIND_LABEL",
    "PLATFORMS",
    "REFUSAL_REASON",
    "REQUEST_LABEL",
    "REVISION_STATE_LABEL",
    "STATE_LABEL",
    "kind_label",
    "kinds_text",
    "platform_label",
    "refusal_reason",
    "request_label",
    "stars",
]

"""Words people read for the lifecycle's states, revision states and finding kinds, the
same on every chat platform (each adapter escapes them for its own markup)."""

from __future__ import annotations

import re

from workflows.state_machine import RevisionState, State

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
    "REVISION_STATE_LABEL",
    "STATE_LABEL",
    "kind_label",
    "kinds_text",
    "platform_label",
    "stars",
]

"""The mention lifecycle (docs/architecture.md) as one pure transition table.

Standard library only (enforced by an import-linter contract and a unit test).
Every move not in the table raises :class:`IllegalTransition`.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    IGNORED = "ignored"
    OPEN = "open"
    DRAFTING = "drafting"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RELEASED = "released"
    PUBLISH_FAILED = "publish_failed"
    DISMISSED = "dismissed"
    TAKEN_DOWN = "taken_down"


class Role(StrEnum):
    """Who may act on a reply beyond any team member."""

    MARKETING = "marketing"
    RISK = "risk"
    ADMIN = "admin"


APPROVER_ROLES: tuple[Role, ...] = (Role.MARKETING, Role.RISK)

# A mention that still needs an answer (SLA reminders, digests, queues).
OPEN_STATES: tuple[State, ...] = (State.OPEN, State.DRAFTING, State.IN_REVIEW)
# Nothing more will happen unless a person reopens it.
TERMINAL_STATES: tuple[State, ...] = (
    State.RELEASED,
    State.DISMISSED,
    State.IGNORED,
    State.TAKEN_DOWN,
)


class Event(StrEnum):
    # /reply M-n on an ignored or dismissed mention: replies to praise leak PHI too.
    OPEN_FOR_REPLY = "open_for_reply"
    # A new revision whose screen blocked it (kept, nothing the author typed is lost).
    REVISION_BLOCKED = "revision_blocked"
    # A new revision that passed the screen.
    REVISION_CLEAN = "revision_clean"
    # A risk approver overrode the last open blocking finding of the latest revision.
    FINDINGS_CLEARED = "findings_cleared"
    # A valid sign-off that is not yet the second one.
    SIGNED_OFF = "signed_off"
    # The second valid sign-off: marketing and risk both on the latest revision.
    FULLY_SIGNED = "fully_signed"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    MARKED_POSTED = "marked_posted"
    PUBLISH_FAILED = "publish_failed"
    RETRY_PUBLISH = "retry_publish"
    DISMISS = "dismiss"
    TAKE_DOWN = "take_down"


class IllegalTransition(Exception):
    """An event that the lifecycle does not allow in the current state."""

    def __init__(self, state: State, event: Event) -> None:
        super().__init__(
            f"cannot {event.value.replace('_', ' ')} while the mention is {state.value}"
        )
        self.state = state
        self.event = event


S, E = State, Event

# Where a new revision may be written: before approval, or after a failed publish.
_EDITABLE = (S.OPEN, S.DRAFTING, S.IN_REVIEW, S.PUBLISH_FAILED)

TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.IGNORED, E.OPEN_FOR_REPLY): S.OPEN,
    (S.DISMISSED, E.OPEN_FOR_REPLY): S.OPEN,
    **{(s, E.REVISION_BLOCKED): S.DRAFTING for s in _EDITABLE},
    **{(s, E.REVISION_CLEAN): S.IN_REVIEW for s in _EDITABLE},
    (S.DRAFTING, E.FINDINGS_CLEARED): S.IN_REVIEW,
    (S.IN_REVIEW, E.SIGNED_OFF): S.IN_REVIEW,
    (S.IN_REVIEW, E.FULLY_SIGNED): S.APPROVED,
    (S.IN_REVIEW, E.CHANGES_REQUESTED): S.DRAFTING,
    (S.APPROVED, E.PUBLISHED): S.RELEASED,
    (S.APPROVED, E.MARKED_POSTED): S.RELEASED,
    (S.PUBLISH_FAILED, E.MARKED_POSTED): S.RELEASED,
    (S.APPROVED, E.PUBLISH_FAILED): S.PUBLISH_FAILED,
    (S.PUBLISH_FAILED, E.RETRY_PUBLISH): S.APPROVED,
    (S.IGNORED, E.DISMISS): S.DISMISSED,
    (S.OPEN, E.DISMISS): S.DISMISSED,
    (S.DRAFTING, E.DISMISS): S.DISMISSED,
    (S.IN_REVIEW, E.DISMISS): S.DISMISSED,
    (S.PUBLISH_FAILED, E.DISMISS): S.DISMISSED,
    (S.RELEASED, E.TAKE_DOWN): S.TAKEN_DOWN,
}


def transition(state: State, event: Event) -> State:
    """The state after ``event`` in ``state``; raises IllegalTransition if not allowed."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def allowed_events(state: State) -> frozenset[Event]:
    return frozenset(e for (s, e) in TRANSITIONS if s == state)


def can_edit(state: State) -> bool:
    return state in _EDITABLE or state in (S.IGNORED, S.DISMISSED)


# ---------------------------------------------------------------------------
# Revisions: a revision is blocked by its screen until a risk approver overrides
# each blocking finding; a later revision supersedes it (voiding sign-offs and
# overrides, which belong to one revision).


class RevisionState(StrEnum):
    CLEAN = "clean"  # the screen passed
    BLOCKED = "blocked"  # at least one finding not overridden
    CLEARED = "cleared"  # every finding overridden by a risk approver
    SUPERSEDED = "superseded"  # a newer revision exists


def revision_state(*, finding_count: int, overridden_count: int, is_latest: bool) -> RevisionState:
    if not is_latest:
        return RevisionState.SUPERSEDED
    if finding_count == 0:
        return RevisionState.CLEAN
    if overridden_count >= finding_count:
        return RevisionState.CLEARED
    return RevisionState.BLOCKED


def may_sign(rstate: RevisionState) -> bool:
    """Only the latest revision, clean or with every finding overridden, can be signed."""
    return rstate in (RevisionState.CLEAN, RevisionState.CLEARED)

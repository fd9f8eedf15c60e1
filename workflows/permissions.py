"""Who may do what now, and who may read what: decided here once, for every platform.

``offered(mention, viewer)`` lists the actions of the catalogue that the mention's state
allows (the lifecycle's ``allowed_events``, the latest revision's screen and sign-offs)
and, for a viewer, that the rules of the product allow that person:

- an action that needs a role needs one of its roles;
- the author of a revision may not sign it off (unless the ``ALLOW_AUTHOR_SIGNOFF``
  policy says so) nor override its findings;
- one person acts in at most one approver role on a reply, across all its revisions;
- a role that already signed off (or asked for changes on) the latest revision is not
  offered that again;
- dismissing a critical mention needs risk or admin.

Without a viewer the answer is for the channel: what someone in it could do, so the
buttons there disappear once nobody can use them. The services enforce the same rules
again when the action arrives (a button is never the only check).

``may_read_draft`` and ``for_viewer`` decide who reads a blocked draft's text and the
words a finding flagged: only the draft's author and risk approvers, and only where the
answer reaches that person alone.

Pure: standard library and the core's own value types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from workflows.actions import CATALOGUE, ActionId, ActionSpec, MalformedAction, parse_click
from workflows.state_machine import (
    APPROVER_ROLES,
    RevisionState,
    Role,
    State,
    allowed_events,
    can_edit,
    may_sign,
)
from workflows.views import MentionView, RevisionView, Status

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Viewer:
    """The person a view is built for. ``private`` is true when the answer reaches only
    them (an ephemeral message, a modal, App Home, a personal chat)."""

    key: str
    roles: frozenset[Role] = frozenset()
    private: bool = True
    allow_author_signoff: bool = False

    @classmethod
    def of(
        cls,
        key: str,
        roles: Iterable[str],
        *,
        private: bool = True,
        allow_author_signoff: bool = False,
    ) -> Viewer:
        known = frozenset(Role(r) for r in roles if r in ALL_ROLES)
        return cls(key, known, private, allow_author_signoff)


# ----------------------------------------------------------------- whose organisation

CHAT_PLATFORMS = ("slack", "teams")


def foreign(platform: str, team_id: str | None, home: str | None) -> str | None:
    """Why a request from ``team_id`` (a Slack workspace or Teams tenant) is not served,
    or None. Fail-closed: a request that names a workspace while ours is not known, or
    that names none while ours is, is refused; only callers inside the process (the
    command line, the scheduler, tests) carry neither."""
    if platform not in CHAT_PLATFORMS:
        return None
    if home and team_id and team_id != home:
        return "Countersign only serves its own organisation's workspace"
    if home and not team_id:
        return "this request does not say which workspace it came from"
    if team_id and not home:
        return (
            "Countersign does not know which workspace it serves yet (SLACK_TEAM_ID or "
            "TEAMS_APP_TENANT_ID), so it serves none"
        )
    return None


# ----------------------------------------------------------------- what the state allows

# Assigning makes sense while the mention still needs a person.
_ASSIGNABLE = frozenset(
    {State.IGNORED, State.OPEN, State.DRAFTING, State.IN_REVIEW, State.PUBLISH_FAILED}
)


def _unsigned_roles(rev: RevisionView) -> list[Role]:
    return [r for r in APPROVER_ROLES if rev.signed_by(r) is None]


def _may_be_signed(m: MentionView, spec: ActionSpec) -> bool:
    rev = m.latest
    return (
        rev is not None
        and spec.signs_as is not None
        and may_sign(RevisionState(rev.state))
        and rev.signed_by(spec.signs_as) is None
    )


def _state(m: MentionView) -> State:
    return State(m.state)


_STATE_RULES: dict[ActionId, Callable[[MentionView, ActionSpec], bool]] = {
    ActionId.MENTION_DRAFT: lambda m, s: can_edit(_state(m)),
    ActionId.MENTION_ASSIGN: lambda m, s: _state(m) in _ASSIGNABLE,
    ActionId.REPLY_EDIT: lambda m, s: (
        m.latest is not None and can_edit(_state(m)) and _state(m) is not State.IGNORED
    ),
    ActionId.REPLY_SIGNOFF_MARKETING: _may_be_signed,
    ActionId.REPLY_SIGNOFF_RISK: _may_be_signed,
    ActionId.REPLY_REQUEST_CHANGES: lambda m, s: (
        m.latest is not None and bool(_unsigned_roles(m.latest))
    ),
    ActionId.REPLY_OVERRIDE_PHI: lambda m, s: (
        m.latest is not None and m.latest.state == RevisionState.BLOCKED
    ),
    ActionId.REPLY_SEND_TO_RISK: lambda m, s: (
        m.latest is not None
        and m.latest.state == RevisionState.BLOCKED
        and not m.latest.sent_to_risk
    ),
    ActionId.REPLY_MARK_POSTED: lambda m, s: m.latest is not None,
    ActionId.MENTION_FULL_TEXT: lambda m, s: m.text is not None and not m.redacted,
    # a mention listed in a burst digest can be opened whatever its state
    ActionId.DIGEST_OPEN: lambda m, s: True,
}


def state_allows(m: MentionView, action: ActionId) -> bool:
    """The lifecycle and the latest revision allow ``action`` (for somebody)."""
    spec = CATALOGUE[action]
    if spec.event is not None and spec.event not in allowed_events(_state(m)):
        # A sign-off is a SIGNED_OFF or the completing FULLY_SIGNED; both need review.
        return False
    rule = _STATE_RULES.get(action)
    return rule(m, spec) if rule is not None else True


# ----------------------------------------------------------------- what the person may do


def _request_changes_role(m: MentionView, viewer: Viewer) -> Role | None:
    held = m.approver_role_of(viewer.key)
    if held is not None:
        return Role(held) if held in viewer.roles else None
    return next((r for r in APPROVER_ROLES if r in viewer.roles), None)


def person_may(m: MentionView, action: ActionId, viewer: Viewer) -> bool:
    """The product's rules allow ``viewer`` to take ``action`` (the state aside)."""
    spec = CATALOGUE[action]
    if spec.roles and not viewer.roles.intersection(spec.roles):
        return False
    rev = m.latest
    is_author = rev is not None and rev.author == viewer.key
    if spec.signs_as is not None:
        if is_author and not viewer.allow_author_signoff:
            return False
        held = m.approver_role_of(viewer.key)
        if held is not None and held != spec.signs_as:
            return False
        if rev is not None and any(s.actor == viewer.key for s in rev.signoffs):
            return False
    if action is ActionId.REPLY_REQUEST_CHANGES:
        role = _request_changes_role(m, viewer)
        if role is None or rev is None or rev.signed_by(role) is not None:
            return False
    if action is ActionId.REPLY_OVERRIDE_PHI and is_author:
        return False
    if action is ActionId.MENTION_DISMISS and m.severity == "critical":
        return bool(viewer.roles.intersection({Role.RISK, Role.ADMIN}))
    return True


def offered(m: MentionView, viewer: Viewer | None = None) -> tuple[ActionId, ...]:
    """The actions to offer now, in catalogue order. Without a viewer: what the view
    says (when it was built for someone), else what anyone in the channel could do."""
    if viewer is None and m.actions is not None:
        return m.actions
    return tuple(
        a for a in CATALOGUE if state_allows(m, a) and (viewer is None or person_may(m, a, viewer))
    )


def pick(m: MentionView, group: Iterable[ActionId]) -> tuple[ActionId, ...]:
    """The part of a message's button group that is offered now, in the group's order."""
    now = set(offered(m))
    return tuple(a for a in group if a in now)


def announced(m: MentionView, state: State, group: Iterable[ActionId]) -> tuple[ActionId, ...]:
    """The buttons of a thread note that announces the mention entering ``state`` (a
    revision ready for sign-off, a failed publish): what that state offers on a revision
    nobody has signed yet. The note is a record of that moment; once a button on it can
    no longer be used (``still_offered``), the adapter redraws the note without it, and
    the service refuses it with a plain answer if it is pressed before that."""
    latest = replace(m.latest, signoffs=()) if m.latest is not None else None
    return pick(replace(m, state=state, latest=latest, actions=None), group)


def still_offered(m: MentionView, action_id: str, value: str) -> bool:
    """Whether a button drawn earlier on a message about ``m`` (its action id and button
    value) can still be used by someone in the channel: the value names this mention
    and, if it names a revision, the latest one, and the action is offered now. The
    adapters redraw their older messages with only such buttons, so a button that can
    no longer be used disappears. A button naming another mention is not judged here
    (True); one this version cannot read is not usable (False)."""
    try:
        click = parse_click(action_id, value)
    except MalformedAction:
        return False
    if click.value.mention_id != m.id:
        return True
    rev = click.value.revision
    if rev is not None and (m.latest is None or m.latest.number != rev):
        return False
    return click.id in offered(replace(m, actions=None))


# ----------------------------------------------------------------- what the person may read


def may_read_draft(rev: RevisionView, viewer: Viewer) -> bool:
    """A blocked draft's text: its author and risk approvers, privately."""
    if not rev.blocked_text:
        return True
    return viewer.private and (rev.author == viewer.key or Role.RISK in viewer.roles)


def may_read_findings(rev: RevisionView, viewer: Viewer) -> bool:
    """The words a finding flags (and override reasons, which may quote them)."""
    return viewer.private and (rev.author == viewer.key or Role.RISK in viewer.roles)


def revision_for(rev: RevisionView, viewer: Viewer) -> RevisionView:
    findings = rev.findings
    if findings and not may_read_findings(rev, viewer):
        findings = tuple(replace(f, text=None, override_reason=None) for f in findings)
    if rev.text is not None and not may_read_draft(rev, viewer):
        return replace(rev, text=None, text_hidden=True, findings=findings)
    return replace(rev, findings=findings)


def mention_for(m: MentionView, viewer: Viewer) -> MentionView:
    latest = revision_for(m.latest, viewer) if m.latest is not None else None
    return replace(m, latest=latest, actions=offered(replace(m, actions=None), viewer))


def for_viewer(status: Status, viewer: Viewer) -> Status:
    return Status(
        mention_for(status.mention, viewer),
        tuple(revision_for(r, viewer) for r in status.revisions),
        status.history,
    )


__all__ = [
    "CHAT_PLATFORMS",
    "Viewer",
    "announced",
    "for_viewer",
    "foreign",
    "may_read_draft",
    "may_read_findings",
    "mention_for",
    "offered",
    "person_may",
    "pick",
    "revision_for",
    "state_allows",
    "still_offered",
]

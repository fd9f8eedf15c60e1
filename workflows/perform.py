"""Run a button press: the one table from each action of the catalogue to its service.

Slack and Teams parse the press with ``actions.parse_click`` (or, for a press that does
not parse, hand it to ``refuse_malformed``, which audits the refusal), collect what the
action needs (a reason, a draft), and call ``perform``. The answer (``Done``) carries
the words for the person who clicked and the views to redraw; the adapters render it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflows.actions import CATALOGUE, ActionId, Click, MalformedAction, named_mention
from workflows.services import drafting, mentions, release, reporting, shared, signoff, viewing
from workflows.types import Actor
from workflows.views import IncidentView, MentionView, RevisionView, Status


@dataclass(frozen=True)
class Done:
    """What came of a press. ``message`` is plain words (no markup, no outside text)."""

    action: ActionId
    message: str = ""
    mention: MentionView | None = None
    revision: RevisionView | None = None
    status: Status | None = None
    incident: IncidentView | None = None


Runner = Callable[[shared.Deps, Actor, Click, str], Done]


def _number(click: Click) -> int:
    # parse_click guarantees a revision for actions that carry one.
    return click.value.revision or 0


def _open(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    """Open the editor (or the full text): the person may, and the revision is current."""
    number = click.value.revision if click.id is ActionId.REPLY_EDIT else None
    st = reporting.open_revision(deps, actor, click.value.mention_id, number)
    return Done(click.id, status=st, mention=st.mention)


def _assign(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    view = mentions.assign(deps, actor, click.value.mention_id, None)
    return Done(click.id, f"{view.ref} is assigned to you.", view)


def _dismiss(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    view = mentions.dismiss(deps, actor, click.value.mention_id, reason)
    return Done(click.id, f"{view.ref} was dismissed.", view)


def _sign_off(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    role = click.spec.signs_as
    assert role is not None
    n = _number(click)
    view = signoff.sign_off(deps, actor, click.value.mention_id, n, role.value)
    text = f"You signed off revision {n} of {view.ref} as {role.value}."
    if view.state in ("approved", "released"):
        text += " Both sign-offs are in: the reply is approved for release."
    return Done(click.id, text, view, view.latest)


def _request_changes(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    n = _number(click)
    view = signoff.request_changes(deps, actor, click.value.mention_id, n, reason)
    return Done(click.id, f"You asked for changes to revision {n} of {view.ref}.", view)


def _override(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    n, finding = _number(click), click.value.finding or 0
    outcome = drafting.override_finding(deps, actor, click.value.mention_id, n, finding, reason)
    text = f"Finding {finding + 1} of revision {n} of {outcome.mention.ref} is overridden."
    if outcome.revision.state == "cleared":
        text += " Every finding is now overridden: the draft goes to sign-off."
    return Done(click.id, text, outcome.mention, outcome.revision)


def _mark_posted(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    view = release.mark_posted(deps, actor, click.value.mention_id, click.value.revision)
    return Done(
        click.id,
        f"Recorded: the approved reply to {view.ref} was posted by hand. It is released.",
        view,
    )


def _retry(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    view = release.retry_publish(deps, actor, click.value.mention_id)
    return Done(click.id, f"Publishing the approved reply to {view.ref} again.", view)


def _take_down(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    incident = release.take_down(deps, actor, click.value.mention_id, reason)
    view = viewing.mention_view(deps, click.value.mention_id)
    return Done(
        click.id, f"{incident.mention_ref} is being taken down.", view, None, None, incident
    )


def _send_to_risk(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    n = _number(click)
    view = drafting.send_to_risk(deps, actor, click.value.mention_id, n)
    return Done(click.id, f"Revision {n} of {view.ref} was sent to risk for review.", view)


def _open_thread(deps: shared.Deps, actor: Actor, click: Click, reason: str) -> Done:
    view = mentions.open_thread(deps, actor, click.value.mention_id)
    return Done(
        click.id,
        f"Opening {view.ref}: its message and thread are posted in the channel; "
        "a link follows here.",
        view,
    )


RUN: dict[ActionId, Runner] = {
    ActionId.MENTION_DRAFT: _open,
    ActionId.MENTION_ASSIGN: _assign,
    ActionId.MENTION_DISMISS: _dismiss,
    ActionId.REPLY_EDIT: _open,
    ActionId.REPLY_SIGNOFF_MARKETING: _sign_off,
    ActionId.REPLY_SIGNOFF_RISK: _sign_off,
    ActionId.REPLY_REQUEST_CHANGES: _request_changes,
    ActionId.REPLY_OVERRIDE_PHI: _override,
    ActionId.REPLY_MARK_POSTED: _mark_posted,
    ActionId.REPLY_RETRY_PUBLISH: _retry,
    ActionId.REPLY_TAKEDOWN: _take_down,
    ActionId.REPLY_SEND_TO_RISK: _send_to_risk,
    ActionId.MENTION_FULL_TEXT: _open,
    ActionId.DIGEST_OPEN: _open_thread,
}


def perform(deps: shared.Deps, actor: Actor, click: Click, reason: str = "") -> Done:
    """Run the press. Refusals raise CountersignError (already audited by the service)."""
    return RUN[click.id](deps, actor, click, reason)


def refuse_malformed(
    deps: shared.Deps, actor: Actor, action_id: str, value: str, exc: MalformedAction
) -> None:
    """A press that does not parse (an old, garbled or forged button) is refused; the
    refusal of an authenticated user goes to the audit trail like any other. Neither
    the raw id nor the raw value is stored (they are outside text): a known action id,
    and the mention the value starts by naming, if any."""
    action = f"button.{action_id}" if action_id in CATALOGUE else "button.unknown"
    shared.record_refusal(deps, actor, action, named_mention(value), exc)


__all__ = ["RUN", "Done", "perform", "refuse_malformed"]

"""The action catalogue: every button a person can press, whatever the chat platform.

One entry per action says what the button carries (a mention, a revision, a finding),
what the person must add before the service runs (nothing, a reason, a draft in an
editor, or nothing because it only shows text), and which lifecycle event or sign-off
role it stands for. ``workflows.permissions`` decides from these entries who may press
what now; ``workflows.perform`` runs them; Slack and Teams only draw them.

Button values carry ids and a revision number, never text: ``M-42``, ``M-42:r3`` or
``M-42:r3:f0``. This module is the one place that reads and writes them, and the one
place that reads a mention reference typed by a person (``M-42``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum

from workflows.errors import InvalidInput
from workflows.state_machine import Event, Role


class ActionId(StrEnum):
    """Stable ids (outside systems and tests use them)."""

    MENTION_DRAFT = "mention_draft"
    MENTION_ASSIGN = "mention_assign"
    MENTION_DISMISS = "mention_dismiss"
    REPLY_EDIT = "reply_edit"
    REPLY_SIGNOFF_MARKETING = "reply_signoff_marketing"
    REPLY_SIGNOFF_RISK = "reply_signoff_risk"
    REPLY_REQUEST_CHANGES = "reply_request_changes"
    REPLY_OVERRIDE_PHI = "reply_override_phi"
    REPLY_MARK_POSTED = "reply_mark_posted"
    REPLY_RETRY_PUBLISH = "reply_retry_publish"
    REPLY_TAKEDOWN = "reply_takedown"
    # Conveniences beyond the fixed list: the author sends a blocked draft to risk;
    # anyone opens the full text of a long mention.
    REPLY_SEND_TO_RISK = "reply_send_to_risk"
    MENTION_FULL_TEXT = "mention_full_text"
    # "Open a mention…" on a burst digest: posts the listed mention's own message
    DIGEST_OPEN = "digest_open"


class Carries(Enum):
    """What the button value must name."""

    MENTION = "mention"
    REVISION = "revision"
    FINDING = "finding"


class Needs(Enum):
    """What the person adds before the service runs."""

    NOTHING = "nothing"
    REASON = "reason"  # a written reason (a form, or a text box on the card)
    EDITOR = "editor"  # the drafting editor; the service runs when the draft is sent
    READING = "reading"  # only shows text; nothing changes


class Refresh(Enum):
    """What the clicked message should show once the action is done."""

    NOTHING = "nothing"  # a short answer to the person who clicked
    MENTION = "mention"  # the mention with its new state and buttons
    REVISION = "revision"  # the latest revision with its sign-off state
    FINDINGS = "findings"  # the blocked revision's findings (for risk)


@dataclass(frozen=True)
class ActionSpec:
    id: ActionId
    label: str
    carries: Carries
    needs: Needs = Needs.NOTHING
    refresh: Refresh = Refresh.NOTHING
    # The lifecycle event the action asks for (None: it changes no state, or its
    # effect depends on the draft, as with editing).
    event: Event | None = None
    # Roles of which the person needs one (empty: any team member).
    roles: tuple[Role, ...] = ()
    # The approver role a sign-off is made in.
    signs_as: Role | None = None
    # The form that asks for the reason (its name is part of Slack modal metadata).
    form: str = ""
    prompt: str = ""
    # What happened, in two or three words (a title for the answer).
    done: str = "Done"
    danger: bool = False
    primary: bool = False


def _spec(*specs: ActionSpec) -> dict[ActionId, ActionSpec]:
    return {s.id: s for s in specs}


A = ActionId
CATALOGUE: dict[ActionId, ActionSpec] = _spec(
    ActionSpec(A.MENTION_DRAFT, "Draft reply", Carries.MENTION, Needs.EDITOR, primary=True),
    ActionSpec(A.MENTION_ASSIGN, "Assign to me", Carries.MENTION, refresh=Refresh.MENTION),
    ActionSpec(
        A.MENTION_DISMISS,
        "Dismiss",
        Carries.MENTION,
        Needs.REASON,
        Refresh.MENTION,
        event=Event.DISMISS,
        form="dismiss",
        done="Dismissed",
        prompt="Why no reply is needed",
    ),
    ActionSpec(A.REPLY_EDIT, "Edit", Carries.REVISION, Needs.EDITOR),
    ActionSpec(
        A.REPLY_SIGNOFF_MARKETING,
        "Sign off as marketing",
        Carries.REVISION,
        refresh=Refresh.REVISION,
        event=Event.SIGNED_OFF,
        roles=(Role.MARKETING,),
        signs_as=Role.MARKETING,
        primary=True,
    ),
    ActionSpec(
        A.REPLY_SIGNOFF_RISK,
        "Sign off as risk",
        Carries.REVISION,
        refresh=Refresh.REVISION,
        event=Event.SIGNED_OFF,
        roles=(Role.RISK,),
        signs_as=Role.RISK,
        primary=True,
    ),
    ActionSpec(
        A.REPLY_REQUEST_CHANGES,
        "Request changes",
        Carries.REVISION,
        Needs.REASON,
        Refresh.REVISION,
        event=Event.CHANGES_REQUESTED,
        roles=(Role.MARKETING, Role.RISK),
        form="request_changes",
        done="Changes requested",
        prompt="What should change?",
    ),
    ActionSpec(
        A.REPLY_OVERRIDE_PHI,
        "Override",
        Carries.FINDING,
        Needs.REASON,
        Refresh.FINDINGS,
        roles=(Role.RISK,),
        form="override",
        done="Finding overridden",
        prompt="Why is this not PHI?",
    ),
    ActionSpec(
        A.REPLY_MARK_POSTED,
        "Mark as posted",
        Carries.REVISION,
        event=Event.MARKED_POSTED,
        primary=True,
    ),
    ActionSpec(
        A.REPLY_RETRY_PUBLISH,
        "Retry publishing",
        Carries.MENTION,
        event=Event.RETRY_PUBLISH,
        primary=True,
    ),
    ActionSpec(
        A.REPLY_TAKEDOWN,
        "Take down",
        Carries.MENTION,
        Needs.REASON,
        Refresh.MENTION,
        event=Event.TAKE_DOWN,
        roles=(Role.RISK, Role.ADMIN),
        form="takedown",
        done="Taken down",
        prompt="Why must it come down?",
        danger=True,
    ),
    ActionSpec(A.REPLY_SEND_TO_RISK, "Send to risk for review", Carries.REVISION),
    ActionSpec(A.MENTION_FULL_TEXT, "See full text", Carries.MENTION, Needs.READING),
    ActionSpec(A.DIGEST_OPEN, "Open a mention", Carries.MENTION, done="Opening"),
)

FORMS: dict[str, ActionId] = {s.form: s.id for s in CATALOGUE.values() if s.form}

# The buttons of each kind of message, in the order they are drawn. What is drawn is
# the part of the group that ``workflows.permissions`` offers.
ON_MENTION = (A.MENTION_DRAFT, A.MENTION_ASSIGN, A.MENTION_DISMISS, A.REPLY_TAKEDOWN)
ON_REVISION = (
    A.REPLY_SIGNOFF_MARKETING,
    A.REPLY_SIGNOFF_RISK,
    A.REPLY_REQUEST_CHANGES,
    A.REPLY_EDIT,
)
ON_PUBLISH_FAILURE = (A.REPLY_RETRY_PUBLISH, A.REPLY_MARK_POSTED, A.REPLY_EDIT)
ON_HOME = (
    A.REPLY_SIGNOFF_MARKETING,
    A.REPLY_SIGNOFF_RISK,
    A.REPLY_REQUEST_CHANGES,
    A.REPLY_EDIT,
)


# ------------------------------------------------------------------- references

MAX_REF_DIGITS = 12
# ASCII digits only: ``\d`` also matches other scripts' digits (``M-١`` read as M-1).
_TYPED_REF = re.compile(rf"^[Mm]-?([0-9]{{1,{MAX_REF_DIGITS}}})$")
_VALUE = re.compile(rf"^M-([0-9]{{1,{MAX_REF_DIGITS}}})(?::r([0-9]{{1,6}}))?(?::f([0-9]{{1,4}}))?$")


def mention_ref(mention_id: int) -> str:
    return f"M-{mention_id}"


def typed_mention_id(token: str) -> int | None:
    """A mention reference a person typed (``M-42``, ``m-42``, ``M42``), else None."""
    m = _TYPED_REF.match(token.strip())
    return int(m.group(1)) if m else None


class MalformedAction(InvalidInput, ValueError):
    """A button whose id or value this version does not know (old, garbled or forged)."""

    code = "malformed_action"


@dataclass(frozen=True)
class ButtonValue:
    """``M-42``, ``M-42:r3`` or ``M-42:r3:f0`` (mention, revision number, finding index)."""

    mention_id: int
    revision: int | None = None
    finding: int | None = None

    def encode(self) -> str:
        out = mention_ref(self.mention_id)
        if self.revision is not None:
            out += f":r{self.revision}"
        if self.finding is not None:
            out += f":f{self.finding}"
        return out

    @classmethod
    def decode(cls, value: str) -> ButtonValue:
        m = _VALUE.match(value or "")
        if not m:
            raise MalformedAction("that button is out of date; use the latest message")
        rev = int(m.group(2)) if m.group(2) else None
        fin = int(m.group(3)) if m.group(3) else None
        return cls(int(m.group(1)), rev, fin)


_VALUE_PREFIX = re.compile(rf"^M-([0-9]{{1,{MAX_REF_DIGITS}}})\b")


def named_mention(value: str) -> int | None:
    """The mention a (possibly garbled) button value starts by naming, for the audit
    trail of its refusal; None when it names none."""
    m = _VALUE_PREFIX.match(value or "")
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Click:
    """A parsed button press: which action, on what."""

    spec: ActionSpec
    value: ButtonValue

    @property
    def id(self) -> ActionId:
        return self.spec.id


def parse_click(action_id: str, value: str) -> Click:
    """The action and its value, checked against what the action must carry; raises
    MalformedAction otherwise."""
    try:
        spec = CATALOGUE[ActionId(action_id)]
    except ValueError:
        raise MalformedAction("that button is out of date; use the latest message") from None
    decoded = ButtonValue.decode(value)
    if spec.carries is not Carries.MENTION and decoded.revision is None:
        raise MalformedAction("that button is out of date; use the latest message")
    if spec.carries is Carries.FINDING and decoded.finding is None:
        raise MalformedAction("that button is out of date; use the latest message")
    return Click(spec, decoded)


__all__ = [
    "CATALOGUE",
    "FORMS",
    "ON_HOME",
    "ON_MENTION",
    "ON_PUBLISH_FAILURE",
    "ON_REVISION",
    "ActionId",
    "ActionSpec",
    "ButtonValue",
    "Carries",
    "Click",
    "MalformedAction",
    "Needs",
    "Refresh",
    "mention_ref",
    "named_mention",
    "parse_click",
    "typed_mention_id",
]

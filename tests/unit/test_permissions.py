"""Who may do what, and read what: table-driven over (state, role, author or not, action),
against expectations written out by hand; no database, no chat platform."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from workflows import perform
from workflows.actions import CATALOGUE, ActionId, ButtonValue, MalformedAction, parse_click
from workflows.actions import ActionId as A
from workflows.permissions import (
    Viewer,
    for_viewer,
    foreign,
    offered,
    person_may,
    state_allows,
    still_offered,
)
from workflows.state_machine import RevisionState, State
from workflows.views import FindingView, MentionView, RevisionView, SignOffView, Status

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AUTHOR, MKT, RISK, ADMIN, MEMBER = (
    "slack:UAUTHOR",
    "slack:UMKT",
    "slack:URISK",
    "slack:UADMIN",
    "slack:UMEMBER",
)

FINDING = FindingView(0, "confirms_patient", 3, 8, "chart", "says they are a patient", "cut it")


def rev(
    state: RevisionState = RevisionState.CLEAN,
    *,
    signoffs: tuple[SignOffView, ...] = (),
    sent: bool = False,
) -> RevisionView:
    blocked = state in (RevisionState.BLOCKED, RevisionState.CLEARED)
    finding = FINDING
    if state is RevisionState.CLEARED:
        finding = replace(FINDING, overridden_by=RISK, override_reason="the word chart is fine")
    return RevisionView(
        number=1,
        author=AUTHOR,
        text="We reviewed your chart.",
        text_sha256="a" * 64,
        verdict="block" if blocked else "pass",
        state=state,
        created_at=NOW,
        findings=(finding,) if blocked else (),
        signoffs=signoffs,
        sent_to_risk=sent,
    )


def mention(state: State, latest: RevisionView | None = None, **kw: object) -> MentionView:
    values: dict[str, object] = {
        "id": 42,
        "source": "webhook",
        "platform": "google",
        "author": "Pat",
        "text": "It was bad",
        "url": None,
        "rating": 1,
        "severity": "high",
        "severity_reasons": (),
        "state": state,
        "received_at": NOW,
        "latest": latest,
    }
    values.update(kw)
    return MentionView(**values)  # type: ignore[arg-type]


MKT_SIGNED = SignOffView("marketing", MKT, "approve", NOW)

SCENES: dict[str, MentionView] = {
    "open": mention(State.OPEN),
    "open-critical": mention(State.OPEN, severity="critical"),
    "ignored": mention(State.IGNORED),
    "drafting-blocked": mention(State.DRAFTING, rev(RevisionState.BLOCKED)),
    "drafting-sent": mention(State.DRAFTING, rev(RevisionState.BLOCKED, sent=True)),
    "review": mention(State.IN_REVIEW, rev()),
    "review-cleared": mention(State.IN_REVIEW, rev(RevisionState.CLEARED)),
    "review-mkt-signed": mention(
        State.IN_REVIEW, rev(signoffs=(MKT_SIGNED,)), approvers=((MKT, "marketing"),)
    ),
    "approved": mention(State.APPROVED, rev()),
    "publish-failed": mention(State.PUBLISH_FAILED, rev()),
    "released": mention(State.RELEASED, rev()),
    "dismissed": mention(State.DISMISSED),
    "taken-down": mention(State.TAKEN_DOWN, rev()),
    "redacted-open": mention(State.OPEN, text=None, redacted=True),
}

VIEWERS: dict[str, Viewer] = {
    "member": Viewer(MEMBER),
    "marketing": Viewer(MKT, frozenset({"marketing"})),  # type: ignore[arg-type]
    "risk": Viewer(RISK, frozenset({"risk"})),  # type: ignore[arg-type]
    "admin": Viewer(ADMIN, frozenset({"admin"})),  # type: ignore[arg-type]
    # The draft's author holds both approver roles: still may not sign or override it.
    "author": Viewer(AUTHOR, frozenset({"marketing", "risk"})),  # type: ignore[arg-type]
}

BASE = {A.MENTION_DRAFT, A.MENTION_ASSIGN, A.MENTION_DISMISS, A.MENTION_FULL_TEXT}
DRAFTED = BASE | {A.REPLY_EDIT}

# (scene, viewer) -> the actions offered, written out by hand.
EXPECTED: dict[tuple[str, str], set[ActionId]] = {
    ("open", "member"): BASE,
    ("open", "marketing"): BASE,
    ("open", "risk"): BASE,
    ("open", "admin"): BASE,
    ("open", "author"): BASE,
    ("open-critical", "member"): BASE - {A.MENTION_DISMISS},
    ("open-critical", "marketing"): BASE - {A.MENTION_DISMISS},
    ("open-critical", "risk"): BASE,
    ("open-critical", "admin"): BASE,
    ("ignored", "member"): BASE,
    ("drafting-blocked", "member"): DRAFTED | {A.REPLY_SEND_TO_RISK},
    ("drafting-blocked", "marketing"): DRAFTED | {A.REPLY_SEND_TO_RISK},
    ("drafting-blocked", "risk"): DRAFTED | {A.REPLY_SEND_TO_RISK, A.REPLY_OVERRIDE_PHI},
    ("drafting-blocked", "admin"): DRAFTED | {A.REPLY_SEND_TO_RISK},
    ("drafting-blocked", "author"): DRAFTED | {A.REPLY_SEND_TO_RISK},
    ("drafting-sent", "member"): DRAFTED,
    ("drafting-sent", "risk"): DRAFTED | {A.REPLY_OVERRIDE_PHI},
    ("review", "member"): DRAFTED,
    ("review", "marketing"): DRAFTED | {A.REPLY_SIGNOFF_MARKETING, A.REPLY_REQUEST_CHANGES},
    ("review", "risk"): DRAFTED | {A.REPLY_SIGNOFF_RISK, A.REPLY_REQUEST_CHANGES},
    ("review", "admin"): DRAFTED,
    ("review", "author"): DRAFTED | {A.REPLY_REQUEST_CHANGES},
    ("review-cleared", "marketing"): DRAFTED | {A.REPLY_SIGNOFF_MARKETING, A.REPLY_REQUEST_CHANGES},
    ("review-cleared", "risk"): DRAFTED | {A.REPLY_SIGNOFF_RISK, A.REPLY_REQUEST_CHANGES},
    # Marketing signed: its button is gone for everyone; the signer may not act as risk.
    ("review-mkt-signed", "member"): DRAFTED,
    ("review-mkt-signed", "marketing"): DRAFTED,
    ("review-mkt-signed", "risk"): DRAFTED | {A.REPLY_SIGNOFF_RISK, A.REPLY_REQUEST_CHANGES},
    # Holding both roles and no role on this reply yet, a person asks for changes as
    # marketing (the first approver role), and marketing has signed.
    ("review-mkt-signed", "author"): DRAFTED,
    ("approved", "member"): {A.REPLY_MARK_POSTED, A.MENTION_FULL_TEXT},
    ("approved", "risk"): {A.REPLY_MARK_POSTED, A.MENTION_FULL_TEXT},
    ("publish-failed", "member"): DRAFTED | {A.REPLY_MARK_POSTED, A.REPLY_RETRY_PUBLISH},
    ("released", "member"): {A.MENTION_FULL_TEXT},
    ("released", "marketing"): {A.MENTION_FULL_TEXT},
    ("released", "risk"): {A.MENTION_FULL_TEXT, A.REPLY_TAKEDOWN},
    ("released", "admin"): {A.MENTION_FULL_TEXT, A.REPLY_TAKEDOWN},
    ("dismissed", "member"): {A.MENTION_DRAFT, A.MENTION_FULL_TEXT},
    ("taken-down", "risk"): {A.MENTION_FULL_TEXT},
    ("redacted-open", "member"): BASE - {A.MENTION_FULL_TEXT},
}


@pytest.mark.parametrize(("scene", "viewer"), sorted(EXPECTED))
def test_offered_for_viewer(scene: str, viewer: str) -> None:
    # any team member may open a mention listed in a burst digest, whatever its state
    expected = EXPECTED[(scene, viewer)] | {A.DIGEST_OPEN}
    assert set(offered(SCENES[scene], VIEWERS[viewer])) == expected


@pytest.mark.parametrize("scene", sorted(SCENES))
@pytest.mark.parametrize("action", list(ActionId))
def test_channel_offers_what_someone_could_do(scene: str, action: ActionId) -> None:
    """Without a viewer, an action is offered exactly when the state allows it (so a
    button disappears once nobody can use it)."""
    m = SCENES[scene]
    assert (action in offered(m)) == state_allows(m, action)
    someone = any(person_may(m, action, v) for v in VIEWERS.values())
    if action in offered(m) and action is not A.MENTION_DISMISS:
        assert someone, (scene, action)


def test_signed_role_loses_its_button_in_the_channel() -> None:
    assert A.REPLY_SIGNOFF_MARKETING in offered(SCENES["review"])
    assert A.REPLY_SIGNOFF_MARKETING not in offered(SCENES["review-mkt-signed"])
    assert A.REPLY_SIGNOFF_RISK in offered(SCENES["review-mkt-signed"])


def test_author_signoff_policy() -> None:
    m = SCENES["review"]
    author = VIEWERS["author"]
    assert A.REPLY_SIGNOFF_MARKETING not in offered(m, author)
    allowed = replace(author, allow_author_signoff=True)
    assert A.REPLY_SIGNOFF_MARKETING in offered(m, allowed)


def test_a_view_built_for_someone_is_what_adapters_render() -> None:
    m = replace(SCENES["review"], actions=(A.REPLY_EDIT,))
    assert offered(m) == (A.REPLY_EDIT,)


# ----------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("viewer", "private", "reads_text", "reads_words"),
    [
        ("author", True, True, True),
        ("risk", True, True, True),
        ("marketing", True, False, False),
        ("member", True, False, False),
        ("admin", True, False, False),
        # Where others could see the answer (a Teams channel), nobody reads them.
        ("author", False, False, False),
        ("risk", False, False, False),
    ],
)
def test_blocked_text_and_flagged_words(
    viewer: str, private: bool, reads_text: bool, reads_words: bool
) -> None:
    m = SCENES["drafting-blocked"]
    assert m.latest is not None
    st = Status(m, (m.latest,), ())
    seen = for_viewer(st, replace(VIEWERS[viewer], private=private))
    latest = seen.mention.latest
    assert latest is not None
    assert (latest.text is not None) is reads_text
    assert latest.text_hidden is (not reads_text)
    assert (seen.revisions[0].text is not None) is reads_text
    assert (latest.findings[0].text is not None) is reads_words
    assert seen.mention.actions is not None  # the view says what this person may do


def test_passed_text_is_for_everyone_but_words_are_not() -> None:
    m = SCENES["review-cleared"]
    assert m.latest is not None
    seen = for_viewer(Status(m, (m.latest,), ()), VIEWERS["marketing"])
    latest = seen.mention.latest
    assert latest is not None and latest.text is not None
    assert latest.findings[0].text is None and latest.findings[0].override_reason is None


# ----------------------------------------------------------------------------- catalogue


def test_every_action_has_a_runner_and_a_label() -> None:
    assert set(perform.RUN) == set(CATALOGUE) == set(ActionId)
    assert all(spec.label for spec in CATALOGUE.values())
    assert all(
        spec.prompt and spec.form for spec in CATALOGUE.values() if spec.needs.value == "reason"
    )


def test_action_ids_are_the_stable_ones() -> None:
    assert {a.value for a in ActionId} >= {
        "mention_draft",
        "mention_assign",
        "mention_dismiss",
        "reply_edit",
        "reply_signoff_marketing",
        "reply_signoff_risk",
        "reply_request_changes",
        "reply_override_phi",
        "reply_mark_posted",
        "reply_retry_publish",
        "reply_takedown",
    }


@pytest.mark.parametrize(
    ("action", "value", "expected"),
    [
        ("mention_assign", "M-42", ButtonValue(42)),
        ("reply_signoff_risk", "M-42:r3", ButtonValue(42, 3)),
        ("reply_override_phi", "M-42:r3:f0", ButtonValue(42, 3, 0)),
        ("reply_takedown", "M-7:r1", ButtonValue(7, 1)),
    ],
)
def test_button_values_round_trip(action: str, value: str, expected: ButtonValue) -> None:
    click = parse_click(action, value)
    assert click.value == expected and click.value.encode() == value


@pytest.mark.parametrize(
    ("action", "value"),
    [
        ("mention_assign", "M-1:r1;DROP"),
        ("mention_assign", "M-1:text=hello"),
        ("reply_signoff_risk", "M-1"),  # a sign-off must name the revision
        ("reply_override_phi", "M-1:r1"),  # an override must name the finding
        ("no_such_action", "M-1"),
        ("mention_assign", ""),
        ("mention_assign", "M-" + "9" * 13),
    ],
)
def test_malformed_presses_are_refused(action: str, value: str) -> None:
    with pytest.raises(MalformedAction) as err:
        parse_click(action, value)
    assert err.value.code == "malformed_action"


# ----------------------------------------------------------------------------- workspaces


@pytest.mark.parametrize(
    ("platform", "team", "home", "served"),
    [
        ("slack", "T1", "T1", True),
        ("slack", "T0OTHER", "T1", False),
        ("slack", None, "T1", False),
        ("slack", "T1", None, False),  # ours is not known: fail closed
        ("teams", "tenant-a", "tenant-a", True),
        ("teams", "tenant-b", "tenant-a", False),
        ("teams", "tenant-a", None, False),
        ("slack", None, None, True),  # in-process callers name no workspace
        ("cli", None, None, True),
        ("system", "x", "T1", True),
    ],
)
def test_only_our_own_workspace_or_tenant_is_served(
    platform: str, team: str | None, home: str | None, served: bool
) -> None:
    assert (foreign(platform, team, home) is None) is served


@pytest.mark.parametrize(
    ("m", "action", "value", "usable"),
    [
        # Marketing signed: its button is dead everywhere, risk's still works.
        (
            mention(State.IN_REVIEW, rev(signoffs=(MKT_SIGNED,))),
            A.REPLY_SIGNOFF_MARKETING,
            "M-42:r1",
            False,
        ),
        (
            mention(State.IN_REVIEW, rev(signoffs=(MKT_SIGNED,))),
            A.REPLY_SIGNOFF_RISK,
            "M-42:r1",
            True,
        ),
        (mention(State.IN_REVIEW, rev()), A.REPLY_SIGNOFF_MARKETING, "M-42:r1", True),
        # A button for an older revision is dead once a newer one exists.
        (
            mention(State.IN_REVIEW, replace(rev(), number=2)),
            A.REPLY_SIGNOFF_RISK,
            "M-42:r1",
            False,
        ),
        (mention(State.DRAFTING, replace(rev(), number=2)), A.REPLY_EDIT, "M-42:r1", False),
        # Released: nothing on a note is usable; taken down the same.
        (mention(State.RELEASED, rev()), A.REPLY_MARK_POSTED, "M-42:r1", False),
        (mention(State.RELEASED, rev()), A.REPLY_SIGNOFF_RISK, "M-42:r1", False),
        (mention(State.TAKEN_DOWN, rev()), A.REPLY_RETRY_PUBLISH, "M-42:r1", False),
        (mention(State.APPROVED, rev()), A.REPLY_MARK_POSTED, "M-42:r1", True),
        # Another mention's button is not judged here; garbled ones are never usable.
        (mention(State.RELEASED, rev()), A.REPLY_SIGNOFF_RISK, "M-7:r1", True),
        (mention(State.IN_REVIEW, rev()), A.REPLY_SIGNOFF_RISK, "M-42:r1;DROP", False),
        (mention(State.IN_REVIEW, rev()), "no_such_action", "M-42:r1", False),
    ],
)
def test_still_offered_retires_buttons_that_can_no_longer_be_used(
    m: MentionView, action: str, value: str, usable: bool
) -> None:
    assert still_offered(m, action, value) is usable

"""Every rule of SPEC §1-2, enforced in the services whoever calls (both databases)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from models.tables import AuditEvent, Incident, OutboxMessage, SignOff
from workflows import services as s
from workflows.errors import Forbidden, InvalidInput, InvalidState, NotFound, StaleRevision
from workflows.types import Actor, MentionInput

AUTHOR = Actor("slack", "UAUTH", team_id="T1", channel_member=True)
MKT = Actor("slack", "UMKT", team_id="T1")
RISK = Actor("slack", "URISK", team_id="T1")
RISK2 = Actor("slack", "URISK2", team_id="T1")
BOTH = Actor("slack", "UBOTH", team_id="T1")
STRANGER = Actor("slack", "USTRANGE", team_id="T1")
ADMIN = Actor("slack", "UADMIN", team_id="T1")
CLEAN = "We're sorry to hear this. Please call our Patient Relations team at 555-0100."
BLOCKED = "Dana, we reviewed your chart and your appointment notes."


@pytest.fixture
def d(deps):  # type: ignore[no-untyped-def]
    deps.policy = dataclasses.replace(deps.policy, slack_team_id="T1")
    cli = Actor.cli()
    for member, role in [
        ("slack:UMKT", "marketing"),
        ("slack:URISK", "risk"),
        ("slack:URISK2", "risk"),
        ("slack:UBOTH", "marketing"),
        ("slack:UBOTH", "risk"),
        ("slack:UADMIN", "admin"),
    ]:
        s.add_role(deps, cli, member, role)
    s.ingest(deps, [MentionInput("hook", "1", "google", "Dana Smith", "Awful wait", rating=1)])
    return deps


def audit_rows(d):  # type: ignore[no-untyped-def]
    with d.uow() as uow:
        rows = uow.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        return [(r.actor, r.outcome, r.action) for r in rows]


def count(d, model) -> int:  # type: ignore[no-untyped-def]
    with d.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_happy_path_releases_exact_text(d) -> None:  # type: ignore[no-untyped-def]
    out = s.create_revision(d, AUTHOR, "M-1", BLOCKED)
    assert out.blocked and out.mention.state == "drafting"
    assert {"confirms_patient", "appointment_history", "patient_name"} <= set(
        out.revision.finding_kinds
    )
    out = s.create_revision(d, AUTHOR, "M-1", CLEAN, base_revision=1)
    assert not out.blocked and out.mention.state == "in_review"
    assert s.sign_off(d, MKT, "M-1", 2, "marketing").state == "in_review"
    with d.uow() as uow:
        assert not uow.repo.outbox_for_mention(1, "publish")
    view = s.sign_off(d, RISK, "M-1", 2, "risk")
    assert view.state == "approved"
    with d.uow() as uow:
        (pub,) = uow.repo.outbox_for_mention(1, "publish")
        assert pub.revision_id is not None
        rev = uow.repo.revision_by_id(pub.revision_id)
        assert rev is not None and rev.text == CLEAN and rev.number == 2
    posted = s.mark_posted(d, AUTHOR, "M-1")
    assert posted.state == "released" and posted.published_hash == s.sha256(CLEAN)
    assert posted.posted_by == "slack:UAUTH"


def test_non_member_and_other_workspace_are_refused_and_audited(d) -> None:  # type: ignore[no-untyped-def]
    before = len(audit_rows(d))
    with pytest.raises(Forbidden):
        s.create_revision(d, STRANGER, "M-1", CLEAN)
    with pytest.raises(Forbidden):
        s.create_revision(d, dataclasses.replace(AUTHOR, team_id="T-OTHER"), "M-1", CLEAN)
    rows = audit_rows(d)[before:]
    assert rows == [
        ("slack:USTRANGE", "refused", "revision.create"),
        ("slack:UAUTH", "refused", "revision.create"),
    ]
    with d.uow() as uow:
        assert uow.repo.reply_for(uow.repo.mention(1)) is None  # type: ignore[arg-type]


def test_author_cannot_sign_or_override(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, MKT, "M-1", CLEAN)
    with pytest.raises(Forbidden, match="author"):
        s.sign_off(d, MKT, "M-1", 1, "marketing")
    s.create_revision(d, RISK, "M-1", BLOCKED, base_revision=1)
    with pytest.raises(Forbidden, match="author"):
        s.override_finding(d, RISK, "M-1", 2, 0, "false positive")
    assert count(d, SignOff) == 0


def test_allow_author_signoff_setting(d) -> None:  # type: ignore[no-untyped-def]
    d.policy = dataclasses.replace(d.policy, allow_author_signoff=True)
    s.create_revision(d, MKT, "M-1", CLEAN)
    assert s.sign_off(d, MKT, "M-1", 1, "marketing").state == "in_review"


def test_one_person_one_approver_role_across_revisions(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    s.sign_off(d, BOTH, "M-1", 1, "marketing")
    with pytest.raises(Forbidden, match=r"already signed|one person"):
        s.sign_off(d, BOTH, "M-1", 1, "risk")
    s.create_revision(d, AUTHOR, "M-1", CLEAN + " Thank you.", base_revision=1)
    with pytest.raises(Forbidden, match="one person"):
        s.sign_off(d, BOTH, "M-1", 2, "risk")
    assert s.sign_off(d, BOTH, "M-1", 2, "marketing").state == "in_review"


def test_edit_voids_signoffs_and_stale_buttons_fail(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    s.sign_off(d, MKT, "M-1", 1, "marketing")
    s.create_revision(d, AUTHOR, "M-1", CLEAN + " Regards.", base_revision=1)
    with pytest.raises(StaleRevision, match="the draft changed"):
        s.sign_off(d, RISK, "M-1", 1, "risk")
    view = s.sign_off(d, RISK, "M-1", 2, "risk")
    assert view.state == "in_review", "marketing's sign-off on revision 1 does not carry over"
    assert view.latest is not None and view.latest.signed_by("marketing") is None
    with pytest.raises(StaleRevision):
        s.create_revision(d, AUTHOR, "M-1", "Other text", base_revision=1)


def test_double_click_records_one_signoff(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    s.sign_off(d, MKT, "M-1", 1, "marketing")
    with pytest.raises(InvalidState, match="already has a marketing sign-off"):
        s.sign_off(d, MKT, "M-1", 1, "marketing")
    assert count(d, SignOff) == 1


def test_blocked_revision_needs_risk_override_of_each_finding(d) -> None:  # type: ignore[no-untyped-def]
    out = s.create_revision(d, AUTHOR, "M-1", BLOCKED)
    n = len(out.revision.findings)
    assert n >= 2
    with pytest.raises(InvalidState, match="blocked"):
        s.sign_off(d, MKT, "M-1", 1, "marketing")
    with pytest.raises(Forbidden):
        s.override_finding(d, MKT, "M-1", 1, 0, "fine")
    with pytest.raises(InvalidInput, match="reason"):
        s.override_finding(d, RISK, "M-1", 1, 0, "  ")
    s.send_to_risk(d, AUTHOR, "M-1", 1)
    for idx in range(n - 1):
        assert s.override_finding(d, RISK, "M-1", 1, idx, "public info").mention.state == "drafting"
    with pytest.raises(InvalidState, match="already"):
        s.override_finding(d, RISK, "M-1", 1, 0, "again")
    last = s.override_finding(d, RISK, "M-1", 1, n - 1, "public info")
    assert last.mention.state == "in_review" and last.revision.state == "cleared"
    s.sign_off(d, MKT, "M-1", 1, "marketing")
    assert s.sign_off(d, RISK, "M-1", 1, "risk").state == "approved"


def test_override_is_voided_by_a_new_revision(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", "Dana, thanks.")
    s.override_finding(d, RISK, "M-1", 1, 0, "greeting only")
    out = s.create_revision(d, AUTHOR, "M-1", "Dana, thanks again.", base_revision=1)
    assert out.blocked and out.revision.open_findings


def test_request_changes_needs_reason_and_returns_to_drafting(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    with pytest.raises(InvalidInput):
        s.request_changes(d, RISK, "M-1", 1, "")
    with pytest.raises(Forbidden):
        s.request_changes(d, AUTHOR, "M-1", 1, "too long")
    assert s.request_changes(d, RISK, "M-1", 1, "too long").state == "drafting"
    with pytest.raises(InvalidState):
        s.sign_off(d, MKT, "M-1", 1, "marketing")


def test_dismiss_rules(d) -> None:  # type: ignore[no-untyped-def]
    s.ingest(d, [MentionInput("hook", "2", "google", "Lee", "My lawyer will sue you", rating=1)])
    with pytest.raises(InvalidInput):
        s.dismiss(d, AUTHOR, "M-1", "")
    assert s.dismiss(d, AUTHOR, "M-1", "spam").state == "dismissed"
    with pytest.raises(Forbidden, match="critical"):
        s.dismiss(d, AUTHOR, "M-2", "spam")
    assert s.dismiss(d, RISK, "M-2", "handled by legal").state == "dismissed"
    # /reply M-n on a dismissed (or ignored) mention reopens it for a reply
    assert s.create_revision(d, AUTHOR, "M-1", CLEAN).mention.state == "in_review"


def test_take_down_needs_risk_or_admin_and_opens_incident(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    s.sign_off(d, MKT, "M-1", 1, "marketing")
    s.sign_off(d, RISK, "M-1", 1, "risk")
    s.mark_posted(d, AUTHOR, "M-1")
    with pytest.raises(Forbidden):
        s.take_down(d, MKT, "M-1", "oops")
    incident = s.take_down(d, ADMIN, "M-1", "named the patient's condition")
    assert incident.published_hash == s.sha256(CLEAN)
    assert (incident.assessment_due_at - incident.removed_at).days == 30
    assert incident.history["revisions"][0]["sha256"] == s.sha256(CLEAN)  # type: ignore[index]
    assert count(d, Incident) == 1
    with pytest.raises(InvalidState):
        s.take_down(d, ADMIN, "M-1", "again")


def test_publish_failure_and_retry(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    s.sign_off(d, MKT, "M-1", 1, "marketing")
    s.sign_off(d, RISK, "M-1", 1, "risk")
    with d.uow() as uow:
        rev_id = uow.repo.revision(1, 1).id  # type: ignore[union-attr]
    assert s.record_publish_failure(d, rev_id, "platform_refused").state == "publish_failed"
    assert s.retry_publish(d, AUTHOR, "M-1").state == "approved"
    with pytest.raises(InvalidState):
        s.record_published(d, rev_id, "ext-1", "0" * 64)
    assert s.record_published(d, rev_id, "ext-1", s.sha256(CLEAN)).state == "released"
    with d.uow() as uow:
        keys = sorted(o.dedupe_key for o in uow.repo.outbox_for_mention(1, "publish"))
    assert keys == [f"publish:{rev_id}:1", f"publish:{rev_id}:2"]


def test_roles_admin_only_and_validated(d) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        s.add_role(d, MKT, "slack:UX", "risk")
    with pytest.raises(InvalidInput):
        s.add_role(d, ADMIN, "bob", "risk")
    with pytest.raises(InvalidInput):
        s.add_role(d, ADMIN, "slack:UX", "owner")
    assert ("slack:UX", "risk") in s.add_role(d, ADMIN, "slack:UX", "risk")
    with pytest.raises(NotFound):
        s.remove_role(d, ADMIN, "slack:UX", "marketing")


def test_queue_and_status(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    q = s.queue(d, RISK)
    assert [i.why for i in q.items] == ["awaiting risk sign-off"]
    assert [i.why for i in s.queue(d, AUTHOR).items] == ["your draft"]
    st = s.status(d, AUTHOR, "M-1")
    assert [h.action for h in st.history] == ["mention.ingested", "revision.created"]
    with pytest.raises(NotFound):
        s.status(d, AUTHOR, "M-99")
    with pytest.raises(InvalidInput):
        s.status(d, AUTHOR, "nonsense")


def test_check_text_stores_nothing(d) -> None:  # type: ignore[no-untyped-def]
    before = (len(audit_rows(d)), count(d, OutboxMessage))
    assert s.check_text(d, AUTHOR, "Your chart says so").blocked
    assert (len(audit_rows(d)), count(d, OutboxMessage)) == before


def test_author_may_fix_their_own_blocked_attempt_from_the_same_modal(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)  # revision 1
    # The author opens the modal on revision 1 and submits twice; the first is blocked.
    assert s.create_revision(d, AUTHOR, "M-1", BLOCKED, base_revision=1).blocked
    out = s.create_revision(d, AUTHOR, "M-1", CLEAN + " Thanks.", base_revision=1)
    assert out.revision.number == 3 and not out.blocked
    # Someone else's revision in between is a real change.
    s.create_revision(d, MKT, "M-1", BLOCKED, base_revision=3)
    with pytest.raises(StaleRevision):
        s.create_revision(d, AUTHOR, "M-1", CLEAN, base_revision=3)
    # And an author's own *clean* revision is not skipped over either.
    s.create_revision(d, AUTHOR, "M-1", CLEAN + " Regards.", base_revision=4)
    with pytest.raises(StaleRevision):
        s.create_revision(d, AUTHOR, "M-1", CLEAN, base_revision=4)


def test_opening_a_stale_revision_is_refused_and_audited(d) -> None:  # type: ignore[no-untyped-def]
    s.create_revision(d, AUTHOR, "M-1", CLEAN)
    s.create_revision(d, AUTHOR, "M-1", CLEAN + " Thanks.", base_revision=1)
    assert s.open_revision(d, RISK, "M-1", 2).revisions[-1].number == 2
    before = len(audit_rows(d))
    with pytest.raises(StaleRevision, match="the draft changed"):
        s.open_revision(d, RISK, "M-1", 1)
    assert audit_rows(d)[before:] == [("slack:URISK", "refused", "revision.open")]


def test_a_failing_screen_saves_nothing_and_is_never_a_pass(d) -> None:  # type: ignore[no-untyped-def]
    from workflows.errors import ScreenUnavailable

    class Broken:
        def screen(self, reply, mention, org=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("model missing")

    d.screen = Broken()
    with pytest.raises(ScreenUnavailable):
        s.create_revision(d, AUTHOR, "M-1", CLEAN)
    with pytest.raises(ScreenUnavailable):
        s.check_text(d, AUTHOR, CLEAN)
    with d.uow() as uow:
        assert uow.repo.reply_for(uow.repo.mention(1)) is None  # type: ignore[arg-type]
        assert uow.repo.mention(1).state == "open"  # type: ignore[union-attr]


def test_installation_reference_survives_a_restart(d) -> None:  # type: ignore[no-untyped-def]
    assert s.get_installation(d, "teams") is None
    s.save_installation(d, "teams", {"conversation": {"id": "19:abc@thread.tacv2"}})
    s.save_installation(d, "teams", {"conversation": {"id": "19:def@thread.tacv2"}})
    assert s.get_installation(d, "teams") == {"conversation": {"id": "19:def@thread.tacv2"}}

"""Every rule of the product, enforced in the services whoever calls (both databases)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from models.tables import AuditEvent, Incident, OutboxMessage, SignOff
from workflows.errors import Forbidden, InvalidInput, InvalidState, NotFound, StaleRevision
from workflows.services import chat, drafting, mentions, release, reporting, roles, shared, signoff
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
        roles.add_role(deps, cli, member, role)
    mentions.ingest(
        deps, [MentionInput("hook", "1", "google", "Dana Smith", "Awful wait", rating=1)]
    )
    return deps


def audit_rows(d):  # type: ignore[no-untyped-def]
    with d.uow() as uow:
        rows = uow.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        return [(r.actor, r.outcome, r.action) for r in rows]


def count(d, model) -> int:  # type: ignore[no-untyped-def]
    with d.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_happy_path_releases_exact_text(d) -> None:  # type: ignore[no-untyped-def]
    out = drafting.create_revision(d, AUTHOR, "M-1", BLOCKED)
    assert out.blocked and out.mention.state == "drafting"
    assert {"confirms_patient", "appointment_history", "patient_name"} <= set(
        out.revision.finding_kinds
    )
    out = drafting.create_revision(d, AUTHOR, "M-1", CLEAN, base_revision=1)
    assert not out.blocked and out.mention.state == "in_review"
    assert signoff.sign_off(d, MKT, "M-1", 2, "marketing").state == "in_review"
    with d.uow() as uow:
        assert not uow.repo.outbox_for_mention(1, "publish")
    view = signoff.sign_off(d, RISK, "M-1", 2, "risk")
    assert view.state == "approved"
    with d.uow() as uow:
        (pub,) = uow.repo.outbox_for_mention(1, "publish")
        assert pub.revision_id is not None
        rev = uow.repo.revision_by_id(pub.revision_id)
        assert rev is not None and rev.text == CLEAN and rev.number == 2
    posted = release.mark_posted(d, AUTHOR, "M-1")
    assert posted.state == "released" and posted.published_hash == shared.sha256(CLEAN)
    assert posted.posted_by == "slack:UAUTH"


def test_non_member_and_other_workspace_are_refused_and_audited(d) -> None:  # type: ignore[no-untyped-def]
    before = len(audit_rows(d))
    with pytest.raises(Forbidden):
        drafting.create_revision(d, STRANGER, "M-1", CLEAN)
    with pytest.raises(Forbidden):
        drafting.create_revision(d, dataclasses.replace(AUTHOR, team_id="T-OTHER"), "M-1", CLEAN)
    rows = audit_rows(d)[before:]
    assert rows == [
        ("slack:USTRANGE", "refused", "revision.create"),
        ("slack:UAUTH", "refused", "revision.create"),
    ]
    with d.uow() as uow:
        assert uow.repo.reply_for(uow.repo.mention(1)) is None  # type: ignore[arg-type]


def test_author_cannot_sign_or_override(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, MKT, "M-1", CLEAN)
    with pytest.raises(Forbidden, match="author"):
        signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    drafting.create_revision(d, RISK, "M-1", BLOCKED, base_revision=1)
    with pytest.raises(Forbidden, match="author"):
        drafting.override_finding(d, RISK, "M-1", 2, 0, "false positive")
    assert count(d, SignOff) == 0


def test_allow_author_signoff_setting(d) -> None:  # type: ignore[no-untyped-def]
    d.policy = dataclasses.replace(d.policy, allow_author_signoff=True)
    drafting.create_revision(d, MKT, "M-1", CLEAN)
    assert signoff.sign_off(d, MKT, "M-1", 1, "marketing").state == "in_review"


def test_one_person_one_approver_role_across_revisions(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    signoff.sign_off(d, BOTH, "M-1", 1, "marketing")
    with pytest.raises(Forbidden, match=r"already signed|one person"):
        signoff.sign_off(d, BOTH, "M-1", 1, "risk")
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN + " Thank you.", base_revision=1)
    with pytest.raises(Forbidden, match="one person"):
        signoff.sign_off(d, BOTH, "M-1", 2, "risk")
    assert signoff.sign_off(d, BOTH, "M-1", 2, "marketing").state == "in_review"


def test_edit_voids_signoffs_and_stale_buttons_fail(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN + " Regards.", base_revision=1)
    with pytest.raises(StaleRevision, match="the draft changed"):
        signoff.sign_off(d, RISK, "M-1", 1, "risk")
    view = signoff.sign_off(d, RISK, "M-1", 2, "risk")
    assert view.state == "in_review", "marketing's sign-off on revision 1 does not carry over"
    assert view.latest is not None and view.latest.signed_by("marketing") is None
    with pytest.raises(StaleRevision):
        drafting.create_revision(d, AUTHOR, "M-1", "Other text", base_revision=1)


def test_double_click_records_one_signoff(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    with pytest.raises(InvalidState, match="already has a marketing sign-off"):
        signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    assert count(d, SignOff) == 1


def test_blocked_revision_needs_risk_override_of_each_finding(d) -> None:  # type: ignore[no-untyped-def]
    out = drafting.create_revision(d, AUTHOR, "M-1", BLOCKED)
    n = len(out.revision.findings)
    assert n >= 2
    with pytest.raises(InvalidState, match="blocked"):
        signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    with pytest.raises(Forbidden):
        drafting.override_finding(d, MKT, "M-1", 1, 0, "fine")
    with pytest.raises(InvalidInput, match="reason"):
        drafting.override_finding(d, RISK, "M-1", 1, 0, "  ")
    drafting.send_to_risk(d, AUTHOR, "M-1", 1)
    for idx in range(n - 1):
        assert (
            drafting.override_finding(d, RISK, "M-1", 1, idx, "public info").mention.state
            == "drafting"
        )
    with pytest.raises(InvalidState, match="already"):
        drafting.override_finding(d, RISK, "M-1", 1, 0, "again")
    last = drafting.override_finding(d, RISK, "M-1", 1, n - 1, "public info")
    assert last.mention.state == "in_review" and last.revision.state == "cleared"
    signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    assert signoff.sign_off(d, RISK, "M-1", 1, "risk").state == "approved"


def test_override_is_voided_by_a_new_revision(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", "Dana, thanks.")
    drafting.override_finding(d, RISK, "M-1", 1, 0, "greeting only")
    out = drafting.create_revision(d, AUTHOR, "M-1", "Dana, thanks again.", base_revision=1)
    assert out.blocked and out.revision.open_findings


def test_request_changes_needs_reason_and_returns_to_drafting(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    with pytest.raises(InvalidInput):
        signoff.request_changes(d, RISK, "M-1", 1, "")
    with pytest.raises(Forbidden):
        signoff.request_changes(d, AUTHOR, "M-1", 1, "too long")
    assert signoff.request_changes(d, RISK, "M-1", 1, "too long").state == "drafting"
    with pytest.raises(InvalidState):
        signoff.sign_off(d, MKT, "M-1", 1, "marketing")


def test_dismiss_rules(d) -> None:  # type: ignore[no-untyped-def]
    mentions.ingest(
        d, [MentionInput("hook", "2", "google", "Lee", "My lawyer will sue you", rating=1)]
    )
    with pytest.raises(InvalidInput):
        mentions.dismiss(d, AUTHOR, "M-1", "")
    assert mentions.dismiss(d, AUTHOR, "M-1", "spam").state == "dismissed"
    with pytest.raises(Forbidden, match="critical"):
        mentions.dismiss(d, AUTHOR, "M-2", "spam")
    assert mentions.dismiss(d, RISK, "M-2", "handled by legal").state == "dismissed"
    # /reply M-n on a dismissed (or ignored) mention reopens it for a reply
    assert drafting.create_revision(d, AUTHOR, "M-1", CLEAN).mention.state == "in_review"


def test_take_down_needs_risk_or_admin_and_opens_incident(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    signoff.sign_off(d, RISK, "M-1", 1, "risk")
    release.mark_posted(d, AUTHOR, "M-1")
    with pytest.raises(Forbidden):
        release.take_down(d, MKT, "M-1", "oops")
    incident = release.take_down(d, ADMIN, "M-1", "named the patient's condition")
    assert incident.published_hash == shared.sha256(CLEAN)
    assert (incident.assessment_due_at - incident.removed_at).days == 30
    assert incident.history["revisions"][0]["sha256"] == shared.sha256(CLEAN)  # type: ignore[index]
    assert count(d, Incident) == 1
    with pytest.raises(InvalidState):
        release.take_down(d, ADMIN, "M-1", "again")


def test_publish_failure_and_retry(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    signoff.sign_off(d, RISK, "M-1", 1, "risk")
    with d.uow() as uow:
        rev_id = uow.repo.revision(1, 1).id  # type: ignore[union-attr]
    assert release.record_publish_failure(d, rev_id, "platform_refused").state == "publish_failed"
    assert release.retry_publish(d, AUTHOR, "M-1").state == "approved"
    with pytest.raises(InvalidState):
        release.record_published(d, rev_id, "ext-1", "0" * 64)
    assert release.record_published(d, rev_id, "ext-1", shared.sha256(CLEAN)).state == "released"
    with d.uow() as uow:
        keys = sorted(o.dedupe_key for o in uow.repo.outbox_for_mention(1, "publish"))
    assert keys == [f"publish:{rev_id}:1", f"publish:{rev_id}:2"]


def test_roles_admin_only_and_validated(d) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        roles.add_role(d, MKT, "slack:UX", "risk")
    with pytest.raises(InvalidInput):
        roles.add_role(d, ADMIN, "bob", "risk")
    with pytest.raises(InvalidInput):
        roles.add_role(d, ADMIN, "slack:UX", "owner")
    assert ("slack:UX", "risk") in roles.add_role(d, ADMIN, "slack:UX", "risk")
    with pytest.raises(NotFound):
        roles.remove_role(d, ADMIN, "slack:UX", "marketing")


def test_queue_and_status(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    q = reporting.queue(d, RISK)
    assert [i.why for i in q.items] == ["awaiting risk sign-off"]
    assert [i.why for i in reporting.queue(d, AUTHOR).items] == ["your draft"]
    st = reporting.status(d, AUTHOR, "M-1")
    assert [h.action for h in st.history] == ["mention.ingested", "revision.created"]
    with pytest.raises(NotFound):
        reporting.status(d, AUTHOR, "M-99")
    with pytest.raises(InvalidInput):
        reporting.status(d, AUTHOR, "nonsense")


def test_check_text_stores_nothing(d) -> None:  # type: ignore[no-untyped-def]
    before = (len(audit_rows(d)), count(d, OutboxMessage))
    assert drafting.check_text(d, AUTHOR, "Your chart says so").blocked
    assert (len(audit_rows(d)), count(d, OutboxMessage)) == before


def test_author_may_fix_their_own_blocked_attempt_from_the_same_modal(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)  # revision 1
    # The author opens the modal on revision 1 and submits twice; the first is blocked.
    assert drafting.create_revision(d, AUTHOR, "M-1", BLOCKED, base_revision=1).blocked
    out = drafting.create_revision(d, AUTHOR, "M-1", CLEAN + " Thanks.", base_revision=1)
    assert out.revision.number == 3 and not out.blocked
    # Someone else's revision in between is a real change.
    drafting.create_revision(d, MKT, "M-1", BLOCKED, base_revision=3)
    with pytest.raises(StaleRevision):
        drafting.create_revision(d, AUTHOR, "M-1", CLEAN, base_revision=3)
    # And an author's own *clean* revision is not skipped over either.
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN + " Regards.", base_revision=4)
    with pytest.raises(StaleRevision):
        drafting.create_revision(d, AUTHOR, "M-1", CLEAN, base_revision=4)


def test_opening_a_stale_revision_is_refused_and_audited(d) -> None:  # type: ignore[no-untyped-def]
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN + " Thanks.", base_revision=1)
    assert reporting.open_revision(d, RISK, "M-1", 2).revisions[-1].number == 2
    before = len(audit_rows(d))
    with pytest.raises(StaleRevision, match="the draft changed"):
        reporting.open_revision(d, RISK, "M-1", 1)
    assert audit_rows(d)[before:] == [("slack:URISK", "refused", "revision.open")]


def test_a_failing_screen_saves_nothing_and_is_never_a_pass(d) -> None:  # type: ignore[no-untyped-def]
    from workflows.errors import ScreenUnavailable

    class Broken:
        def screen(self, reply, mention, org=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("model missing")

    d.screen = Broken()
    with pytest.raises(ScreenUnavailable):
        drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    with pytest.raises(ScreenUnavailable):
        drafting.check_text(d, AUTHOR, CLEAN)
    with d.uow() as uow:
        assert uow.repo.reply_for(uow.repo.mention(1)) is None  # type: ignore[arg-type]
        assert uow.repo.mention(1).state == "open"  # type: ignore[union-attr]


def test_installation_reference_survives_a_restart(d) -> None:  # type: ignore[no-untyped-def]
    assert chat.get_installation(d, "teams") is None
    chat.save_installation(d, "teams", {"conversation": {"id": "19:abc@thread.tacv2"}})
    chat.save_installation(d, "teams", {"conversation": {"id": "19:def@thread.tacv2"}})
    assert chat.get_installation(d, "teams") == {"conversation": {"id": "19:def@thread.tacv2"}}


def test_status_is_built_for_the_viewer(d) -> None:  # type: ignore[no-untyped-def]
    """Blocked text and flagged words only for the author and risk, only in private; the
    actions offered are this viewer's."""
    drafting.create_revision(d, AUTHOR, "M-1", BLOCKED)
    private = {"private": True}
    for who, reads in [(AUTHOR, True), (RISK, True), (MKT, False), (ADMIN, False)]:
        st = reporting.status(d, dataclasses.replace(who, **private), "M-1")
        latest = st.mention.latest
        assert latest is not None
        assert (latest.text is not None) is reads, who
        assert (st.revisions[-1].text is not None) is reads, who
        assert all((f.text is not None) is reads for f in latest.findings), who
    in_channel = reporting.status(d, AUTHOR, "M-1")  # not private: e.g. a Teams channel
    assert in_channel.mention.latest is not None and in_channel.mention.latest.text is None
    risk_view = reporting.status(d, dataclasses.replace(RISK, private=True), "M-1")
    assert "reply_override_phi" in (risk_view.mention.actions or ())
    author_view = reporting.status(d, dataclasses.replace(AUTHOR, private=True), "M-1")
    assert "reply_override_phi" not in (author_view.mention.actions or ())

"""Every action id through the real HTTP app, the full path to release, every refusal,
a double click, and acknowledgements that return at once while the work is slow."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import pytest

from tests.slack.conftest import (
    AUTHOR,
    AUTHOR2,
    CHANNEL,
    GUEST,
    MARKETING,
    OUTSIDER,
    RISK,
    Slack,
    ingest,
    until,
)
from workflows.actions import ActionId

CLEAN = "Thank you for the feedback. Please call our Patient Relations team."
BLOCKED = "We reviewed your chart and we are sorry."


def _status(slack: Any, mid: int) -> Any:
    from workflows.services import reporting
    from workflows.types import Actor

    return reporting.status(slack.container.deps, Actor.cli(), mid)


def _values(text: str, send_to_risk: bool = False, block: str = "draft_text") -> dict[str, Any]:
    selected = [{"value": "send_to_risk"}] if send_to_risk else []
    return {
        block: {"text": {"type": "plain_text_input", "value": text}},
        "draft_options": {"options": {"type": "checkboxes", "selected_options": selected}},
    }


def _reason(text: str) -> dict[str, Any]:
    return {"reason": {"reason": {"type": "plain_text_input", "value": text}}}


async def draft(slack: Any, user: str, mid: int, text: str) -> None:
    """A clean draft through `/reply M-n text`, waiting for the answer."""
    n = len(slack.ephemerals(user))
    resp = await slack.command(user, f"M-{mid} {text}")
    assert resp.status == 200
    await slack.answer(user, n)


async def click(slack: Any, user: str, action: str, value: str, team: str = "T1") -> str:
    n = len(slack.ephemerals(user))
    t0 = time.perf_counter()
    resp = await slack.click(user, action, value, team)
    assert resp.status == 200
    assert time.perf_counter() - t0 < 1.5
    return str(await slack.answer(user, n))


async def release(slack: Any) -> int:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, CLEAN)
    await click(slack, MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1")
    await click(slack, RISK, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r1")
    assert _status(slack, mid).mention.state == "approved"
    await click(slack, AUTHOR, ActionId.REPLY_MARK_POSTED, f"M-{mid}:r1")
    assert _status(slack, mid).mention.state == "released"
    return mid


def _refusals(slack: Any, mid: int) -> int:
    return sum(1 for h in _status(slack, mid).history if h.outcome == "refused")


# -- the happy path ------------------------------------------------------------------------


async def test_full_path_draft_blocked_fixed_signed_released(slack: Any) -> None:
    mid = ingest(slack.container)
    await slack.click(AUTHOR, ActionId.MENTION_DRAFT, f"M-{mid}")
    view = await slack.opened_view()
    assert view["private_metadata"] == f"M-{mid}:r0"
    assert any(b.get("block_id") == "templates" for b in view["blocks"])

    # blocked: the modal stays open with the finding inline, kept as revision 1
    resp = await slack.submit(AUTHOR, view, _values(BLOCKED))
    body = await resp.json()
    assert body["response_action"] == "errors"
    message = body["errors"]["draft_text"]
    assert "chart" in message and "revision 1" in message
    st = _status(slack, mid)
    assert st.revisions[-1].state == "blocked" and st.mention.state == "drafting"
    assert "chart" not in slack.emulator.raw_channel_payloads(CHANNEL)

    # fixed in the same modal (which still says base r0): revision 2 passes
    resp = await slack.submit(AUTHOR, view, _values(CLEAN))
    body = await resp.json()
    assert body["response_action"] == "update"
    assert "passed the PHI screen" in str(body["view"])
    st = _status(slack, mid)
    assert [r.number for r in st.revisions] == [1, 2]
    assert st.mention.state == "in_review"

    answer = await click(slack, MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r2")
    assert "as marketing" in answer
    answer = await click(slack, RISK, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r2")
    assert "approved" in answer
    assert _status(slack, mid).mention.state == "approved"
    answer = await click(slack, AUTHOR, ActionId.REPLY_MARK_POSTED, f"M-{mid}:r2")
    assert "released" in answer.lower()
    st = _status(slack, mid)
    assert st.mention.state == "released"
    assert st.mention.published_hash == hashlib.sha256(CLEAN.encode()).hexdigest()

    # the outbound relay handlers are wired: the channel gets the mention and its thread,
    # and the blocked draft's words never reach it. (Not on SQLite for now: Relay calls a
    # handler inside its open BEGIN IMMEDIATE transaction and the handler's own unit of
    # work then waits out the 30 s busy timeout; reported to the lead.)
    if slack.container.settings.DATABASE_URL.startswith("sqlite"):
        return
    await asyncio.to_thread(slack.container.relay.deliver_due)
    assert slack.emulator.messages(CHANNEL)
    assert f"M-{mid}" in slack.emulator.channel_text(CHANNEL)
    assert "chart" not in slack.emulator.raw_channel_payloads(CHANNEL)


# -- each action id ----------------------------------------------------------------------


async def test_assign(slack: Any) -> None:
    mid = ingest(slack.container)
    answer = await click(slack, AUTHOR, ActionId.MENTION_ASSIGN, f"M-{mid}")
    assert "assigned to you" in answer
    assert _status(slack, mid).mention.assignee == f"slack:{AUTHOR}"


async def test_dismiss_with_reason(slack: Any) -> None:
    mid = ingest(slack.container)
    await slack.click(AUTHOR, ActionId.MENTION_DISMISS, f"M-{mid}")
    view = await slack.opened_view()
    assert view["private_metadata"] == f"dismiss|M-{mid}"
    resp = await slack.submit(AUTHOR, view, _reason("spam, not about us"))
    body = await resp.json()
    assert body["response_action"] == "update"
    assert _status(slack, mid).mention.state == "dismissed"


async def test_dismiss_critical_needs_risk(slack: Any) -> None:
    mid = ingest(slack.container, severity_text="I will sue you.")
    assert _status(slack, mid).mention.severity == "critical"
    await slack.click(AUTHOR, ActionId.MENTION_DISMISS, f"M-{mid}")
    view = await slack.opened_view()
    resp = await slack.submit(AUTHOR, view, _reason("spam"))
    body = await resp.json()
    assert body["response_action"] == "errors"
    assert "risk approver or an admin" in body["errors"]["reason"]
    assert _status(slack, mid).mention.state == "open"
    assert _refusals(slack, mid) == 1
    await slack.click(RISK, ActionId.MENTION_DISMISS, f"M-{mid}")
    view = await slack.opened_view(1)
    resp = await slack.submit(RISK, view, _reason("duplicate of another review"))
    assert (await resp.json())["response_action"] == "update"
    assert _status(slack, mid).mention.state == "dismissed"


async def test_edit_prefills_and_creates_new_revision(slack: Any) -> None:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, CLEAN)
    await click(slack, MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1")
    await slack.click(AUTHOR2, ActionId.REPLY_EDIT, f"M-{mid}:r1")
    view = await slack.opened_view()
    assert view["private_metadata"] == f"M-{mid}:r1"
    text_block = next(b for b in view["blocks"] if b.get("block_id") == "draft_text")
    assert text_block["element"]["initial_value"] == CLEAN
    resp = await slack.submit(AUTHOR2, view, _values(CLEAN + " We care."))
    assert (await resp.json())["response_action"] == "update"
    st = _status(slack, mid)
    assert st.revisions[-1].number == 2 and st.revisions[-1].signoffs == ()
    # the old sign-off button is now stale
    answer = await click(slack, RISK, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r1")
    assert "the draft changed" in answer


async def test_edit_of_blocked_draft_hides_text_from_others(slack: Any) -> None:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, BLOCKED)
    await slack.click(AUTHOR2, ActionId.REPLY_EDIT, f"M-{mid}:r1")
    view = await slack.opened_view()
    block = next(b for b in view["blocks"] if b.get("block_id") == "draft_text")
    assert "initial_value" not in block["element"]
    await slack.click(AUTHOR, ActionId.REPLY_EDIT, f"M-{mid}:r1")
    view = await slack.opened_view(1)
    block = next(b for b in view["blocks"] if b.get("block_id") == "draft_text")
    assert block["element"]["initial_value"] == BLOCKED


async def test_request_changes(slack: Any) -> None:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, CLEAN)
    await slack.click(MARKETING, ActionId.REPLY_REQUEST_CHANGES, f"M-{mid}:r1")
    view = await slack.opened_view()
    assert view["private_metadata"] == f"request_changes|M-{mid}:r1"
    resp = await slack.submit(MARKETING, view, _reason("Too long; shorten it"))
    assert (await resp.json())["response_action"] == "update"
    st = _status(slack, mid)
    assert st.mention.state == "drafting"
    assert st.revisions[-1].signoffs[0].decision == "changes"


async def test_send_to_risk_and_override_phi(slack: Any) -> None:
    mid = ingest(slack.container)
    await slack.click(AUTHOR, ActionId.MENTION_DRAFT, f"M-{mid}")
    view = await slack.opened_view()
    resp = await slack.submit(AUTHOR, view, _values(BLOCKED, send_to_risk=True))
    body = await resp.json()
    assert body["response_action"] == "update"
    assert "sent to risk" in str(body["view"])
    st = _status(slack, mid)
    assert st.revisions[-1].sent_to_risk and st.revisions[-1].state == "blocked"

    await slack.click(RISK, ActionId.REPLY_OVERRIDE_PHI, f"M-{mid}:r1:f0")
    view = await slack.opened_view(1)
    assert view["private_metadata"] == f"override|M-{mid}:r1:f0"
    assert "chart" in str(view["blocks"])  # risk approvers see the words
    resp = await slack.submit(RISK, view, _reason("Generic phrase, not a record"))
    assert (await resp.json())["response_action"] == "update"
    st = _status(slack, mid)
    assert st.revisions[-1].state == "cleared"
    assert st.mention.state == "in_review"


async def test_send_to_risk_after_errors_in_same_modal(slack: Any) -> None:
    """The second submission reaches another replica: the blocked attempt is found in
    the database, not in the first replica's memory."""
    from aiohttp.test_utils import TestClient, TestServer

    from app import build_http_app

    mid = ingest(slack.container)
    await slack.click(AUTHOR, ActionId.MENTION_DRAFT, f"M-{mid}")
    view = await slack.opened_view()
    assert (await (await slack.submit(AUTHOR, view, _values(BLOCKED))).json())[
        "response_action"
    ] == "errors"
    other = TestClient(TestServer(build_http_app(slack.container)))
    await other.start_server()
    try:
        replica = Slack(other, slack.emulator, slack.container)
        resp = await replica.submit(AUTHOR, view, _values(BLOCKED, send_to_risk=True))
        assert (await resp.json())["response_action"] == "update"
    finally:
        await other.close()
    st = _status(slack, mid)
    assert len(st.revisions) == 1 and st.revisions[0].sent_to_risk


async def test_send_to_risk_button(slack: Any) -> None:
    from bot.slack.handlers import SEND_TO_RISK_ACTION

    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, BLOCKED)
    answer = await click(slack, AUTHOR, SEND_TO_RISK_ACTION, f"M-{mid}:r1")
    assert "sent to risk" in answer
    assert _status(slack, mid).revisions[-1].sent_to_risk


async def test_override_modal_hides_words_from_non_risk(slack: Any) -> None:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, BLOCKED)
    await slack.click(MARKETING, ActionId.REPLY_OVERRIDE_PHI, f"M-{mid}:r1:f0")
    view = await slack.opened_view()
    assert "chart" not in str(view["blocks"])
    resp = await slack.submit(MARKETING, view, _reason("looks fine"))
    body = await resp.json()
    assert body["response_action"] == "errors"
    assert "only a risk approver" in body["errors"]["reason"]


async def test_retry_publish(slack: Any) -> None:
    from workflows.services import release as release_cases

    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, CLEAN)
    await click(slack, MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1")
    await click(slack, RISK, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r1")
    with slack.container.deps.uow() as uow:
        revision_id = uow.repo.revision(mid, 1).id
    release_cases.record_publish_failure(slack.container.deps, revision_id, "platform_refused")
    assert _status(slack, mid).mention.state == "publish_failed"
    answer = await click(slack, AUTHOR, ActionId.REPLY_RETRY_PUBLISH, f"M-{mid}:r1")
    assert "again" in answer
    assert _status(slack, mid).mention.state == "approved"


async def test_takedown_button_opens_incident_note(slack: Any) -> None:
    mid = await release(slack)
    await slack.click(RISK, ActionId.REPLY_TAKEDOWN, f"M-{mid}:r1")
    view = await slack.opened_view()
    assert "breach risk assessment" in str(view["blocks"])
    resp = await slack.submit(RISK, view, _reason("It confirmed the reviewer was a patient"))
    body = await resp.json()
    assert body["response_action"] == "update"
    note = str(body["view"]["blocks"])
    assert "Incident note" in note and "SHA-256" in note
    assert _status(slack, mid).mention.state == "taken_down"


async def test_full_text_and_template_select(slack: Any) -> None:
    from bot.slack.handlers import FULL_TEXT_ACTION
    from bot.slack.modals import load_templates

    mid = ingest(slack.container)
    await slack.click(AUTHOR, FULL_TEXT_ACTION, f"M-{mid}")
    view = await slack.opened_view()
    assert "Terrible wait" in str(view["blocks"])
    await slack.click(AUTHOR, ActionId.MENTION_DRAFT, f"M-{mid}")
    drafting = await slack.opened_view(1)
    template = load_templates()[0]
    await slack.select(AUTHOR, drafting, "draft_template", template.id)
    await until(lambda: slack.emulator.calls_to("views.update"))
    updated = slack.emulator.calls_to("views.update")[-1].params["view"]
    block = next(b for b in updated["blocks"] if b.get("block_id", "").startswith("draft_text_"))
    assert block["element"]["initial_value"] == template.text
    assert updated["private_metadata"] == f"M-{mid}:r0"


async def test_app_home_shows_queue(slack: Any) -> None:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, CLEAN)
    resp = await slack.event({"type": "app_home_opened", "user": MARKETING, "tab": "home"})
    assert resp.status == 200
    await until(lambda: MARKETING in slack.emulator.home)
    assert f"M-{mid}" in str(slack.emulator.home[MARKETING]["blocks"])


# -- refusals ---------------------------------------------------------------------------


async def test_refusals_are_answered_audited_and_change_nothing(slack: Any) -> None:
    from workflows.services import roles
    from workflows.types import Actor

    mid = ingest(slack.container)
    await draft(slack, MARKETING, mid, CLEAN)  # marketing approver authored r1
    before = _status(slack, mid)

    # no role
    assert "only a marketing approver" in await click(
        slack, AUTHOR2, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1"
    )
    # the author signing
    assert "author of a draft cannot sign" in await click(
        slack, MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1"
    )
    # another workspace (Slack Connect)
    assert "own organisation" in await click(
        slack, GUEST, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r1", team="T0OTHER"
    )
    # not a channel member and no role (answered by direct message)
    assert "only members of the review channel" in await click(
        slack, OUTSIDER, ActionId.MENTION_ASSIGN, f"M-{mid}"
    )
    after = _status(slack, mid)
    assert after.mention == before.mention
    assert after.revisions == before.revisions
    assert _refusals(slack, mid) == 4

    # the same person in both roles
    cli = Actor.cli("test")
    roles.add_role(slack.container.deps, cli, f"slack:{AUTHOR2}", "marketing")
    roles.add_role(slack.container.deps, cli, f"slack:{AUTHOR2}", "risk")
    await click(slack, AUTHOR2, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1")
    answer = await click(slack, AUTHOR2, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r1")
    assert "other role" in answer or "both approver roles" in answer
    st = _status(slack, mid)
    assert [s.role for s in st.revisions[-1].signoffs] == ["marketing"]
    assert _refusals(slack, mid) == 5


async def test_stale_button_from_older_revision(slack: Any) -> None:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, CLEAN)
    await draft(slack, AUTHOR, mid, CLEAN + " Thanks again.")
    for action, value in (
        (ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1"),
        (ActionId.REPLY_EDIT, f"M-{mid}:r1"),
        (ActionId.REPLY_OVERRIDE_PHI, f"M-{mid}:r1:f0"),
    ):
        user = MARKETING if action != ActionId.REPLY_OVERRIDE_PHI else RISK
        assert "the draft changed" in await click(slack, user, action, value)
    # a modal opened on r1 and submitted after r2 exists is refused too
    await slack.click(MARKETING, ActionId.REPLY_REQUEST_CHANGES, f"M-{mid}:r1")
    view = await slack.opened_view()
    body = await (await slack.submit(MARKETING, view, _reason("shorter"))).json()
    assert "the draft changed" in body["errors"]["reason"]
    assert _status(slack, mid).revisions[-1].signoffs == ()


async def test_malformed_button_value(slack: Any) -> None:
    answer = await click(slack, AUTHOR, ActionId.MENTION_ASSIGN, "M-1:text=hello")
    assert "out of date" in answer


async def test_double_click_records_one_signoff(slack: Any) -> None:
    mid = ingest(slack.container)
    await draft(slack, AUTHOR, mid, CLEAN)
    results = await asyncio.gather(
        slack.click(MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1"),
        slack.click(MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"M-{mid}:r1"),
    )
    assert all(r.status == 200 for r in results)
    await until(lambda: len(slack.ephemerals(MARKETING)) >= 2)
    answers = slack.ephemerals(MARKETING)
    assert sum("You signed off" in a for a in answers) == 1
    assert sum("already has a marketing sign-off" in a for a in answers) == 1
    assert [s.role for s in _status(slack, mid).revisions[-1].signoffs] == ["marketing"]


# -- acknowledgement budget ------------------------------------------------------------------


async def test_ack_returns_at_once_while_database_is_slow(slack: Any) -> None:
    mid = ingest(slack.container)
    deps = slack.container.deps
    fast_uow = deps.uow

    def slow_uow() -> Any:
        time.sleep(1.0)
        return fast_uow()

    deps.uow = slow_uow
    try:
        for send in (
            lambda: slack.click(AUTHOR, ActionId.MENTION_ASSIGN, f"M-{mid}"),
            lambda: slack.command(AUTHOR, "queue"),
        ):
            t0 = time.perf_counter()
            resp = await send()
            elapsed = time.perf_counter() - t0
            assert resp.status == 200
            assert elapsed < 0.5, elapsed
        await until(lambda: len(slack.ephemerals(AUTHOR)) >= 2, wait=15)
    finally:
        deps.uow = fast_uow
    assert _status(slack, mid).mention.assignee == f"slack:{AUTHOR}"


async def test_slow_screen_answers_checking_then_views_update(slack: Any, screen: Any) -> None:
    mid = ingest(slack.container)
    await slack.click(AUTHOR, ActionId.MENTION_DRAFT, f"M-{mid}")
    view = await slack.opened_view()
    screen.delay = 2.6
    t0 = time.perf_counter()
    resp = await slack.submit(AUTHOR, view, _values(BLOCKED))
    elapsed = time.perf_counter() - t0
    body = await resp.json()
    assert body["response_action"] == "update"
    assert "Checking" in str(body["view"])
    assert elapsed < 2.9, elapsed
    await until(lambda: slack.emulator.calls_to("views.update"), wait=10)
    call = slack.emulator.calls_to("views.update")[-1]
    assert call.params["view_id"] == view["id"]
    final = call.params["view"]
    # blocked: the drafting modal again, based on the blocked revision, findings on top
    assert final["private_metadata"] == f"M-{mid}:r1"
    assert "chart" in str(final["blocks"])
    screen.delay = 0.0
    assert _status(slack, mid).revisions[-1].state == "blocked"


@pytest.mark.parametrize("text", [CLEAN])
async def test_slow_screen_clean_draft(slack: Any, screen: Any, text: str) -> None:
    mid = ingest(slack.container)
    await slack.click(AUTHOR, ActionId.MENTION_DRAFT, f"M-{mid}")
    view = await slack.opened_view()
    screen.delay = 2.3
    body = await (await slack.submit(AUTHOR, view, _values(text))).json()
    assert "Checking" in str(body["view"])
    await until(lambda: slack.emulator.calls_to("views.update"), wait=10)
    final = slack.emulator.calls_to("views.update")[-1].params["view"]
    assert "passed the PHI screen" in str(final["blocks"])
    screen.delay = 0.0


async def test_malformed_button_value_is_refused_and_audited(slack: Any) -> None:
    mid = ingest(slack.container)
    answer = await click(slack, AUTHOR, ActionId.MENTION_ASSIGN, f"M-{mid}:r1;DROP")
    assert "out of date" in answer
    await until(lambda: _refusals(slack, mid) == 1)
    refused = [h for h in _status(slack, mid).history if h.outcome == "refused"]
    assert refused[-1].actor == f"slack:{AUTHOR}"
    assert refused[-1].action == "button.mention_assign"
    assert _status(slack, mid).mention.assignee is None

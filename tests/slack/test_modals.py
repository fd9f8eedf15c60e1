"""Pure modal builders: Block Kit limits (checked with the emulator's validator),
escaping of outside text, ids-only metadata, the errors and "checking…" responses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack import modals
from sandbox.slack_emulator import validate_blocks
from workflows.actions import ButtonValue
from workflows.views import FindingView, IncidentView, MentionView, RevisionView

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def mention(
    text: str = "Awful <!channel> visit & wait", author: str = "<@U999> Jane"
) -> MentionView:
    return MentionView(
        id=42,
        source="webhook",
        platform="google",
        author=author,
        text=text,
        url="https://example.test/r/1",
        rating=1,
        severity="high",
        severity_reasons=(),
        state="open",
        received_at=NOW,
        sla_due_at=NOW,
    )


def revision(blocked: bool = True) -> RevisionView:
    findings = (
        FindingView(
            0, "confirms_patient", 12, 17, "chart", "confirms a care relationship", "remove it"
        ),
        FindingView(1, "patient_name", 0, 4, "<@U1>", "names the reviewer", "no names"),
    )
    return RevisionView(
        number=3,
        author="slack:U1",
        text="We saw your chart",
        text_sha256="0" * 64,
        verdict="block" if blocked else "pass",
        state="blocked" if blocked else "clean",
        created_at=NOW,
        findings=findings if blocked else (),
    )


def _ok(view: dict) -> None:  # type: ignore[type-arg]
    assert validate_blocks(view["blocks"], surface=view["type"]) == []
    assert len(view["title"]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000


def test_drafting_modal_escapes_and_carries_ids_only() -> None:
    view = modals.drafting_modal(mention(), 0)
    _ok(view)
    dumped = str(view["blocks"])
    assert "<!channel>" not in dumped and "<@U999>" not in dumped
    assert "&lt;!channel&gt;" in dumped
    assert view["private_metadata"] == "M-42:r0"
    assert ButtonValue.decode(view["private_metadata"]) == ButtonValue(42, 0)
    selects = [b for b in view["blocks"] if b.get("block_id") == "templates"]
    assert selects and selects[0]["elements"][0]["options"]


def test_drafting_modal_prefilled_on_edit() -> None:
    view = modals.drafting_modal(mention(), 3, initial_text="Hello there")
    block = next(b for b in view["blocks"] if b.get("block_id") == "draft_text")
    assert block["element"]["initial_value"] == "Hello there"
    assert view["private_metadata"] == "M-42:r3"
    assert view["title"]["text"].startswith("Edit")


def test_long_mention_is_truncated_with_pointer_to_full_text() -> None:
    view = modals.drafting_modal(mention(text="x" * 50_000), 0)
    _ok(view)
    assert "Shortened here" in str(view["blocks"])
    full = modals.full_text_modal(mention(text="y" * 50_000))
    _ok(full)


def test_blocked_errors_names_words_and_why() -> None:
    resp = modals.blocked_errors(revision(), "draft_text")
    assert resp["response_action"] == "errors"
    msg = resp["errors"]["draft_text"]
    assert "chart" in msg and "confirms a care relationship" in msg and "revision 3" in msg
    assert len(msg) <= modals.ERROR_LIMIT


def test_checking_view_is_update() -> None:
    resp = modals.checking_view("M-42")
    assert resp["response_action"] == "update"
    _ok(resp["view"])
    assert "Checking" in str(resp["view"])


def test_reason_modals_and_metadata_round_trip() -> None:
    value = ButtonValue(42, 3, 1)
    for view, kind in (
        (modals.request_changes_modal(ButtonValue(42, 3)), "request_changes"),
        (modals.dismiss_modal(ButtonValue(42)), "dismiss"),
        (modals.override_modal(value, revision().findings[1], True), "override"),
        (modals.takedown_modal(ButtonValue(42, 3)), "takedown"),
    ):
        _ok(view)
        parsed = modals.read_reason_metadata(view["private_metadata"])
        assert parsed is not None and parsed[0] == kind
        assert parsed[1].mention_id == 42
    assert modals.read_reason_metadata("evil|M-1") is None
    assert modals.read_reason_metadata("dismiss|M-1 text") is None
    hidden = modals.override_modal(value, revision().findings[0], False)
    assert "chart" not in str(hidden["blocks"])
    shown = modals.override_modal(value, revision().findings[1], True)
    assert "&lt;@U1&gt;" in str(shown["blocks"])


def test_takedown_modal_explains_incident_note() -> None:
    text = str(modals.takedown_modal(ButtonValue(42), 30)["blocks"])
    for part in ("incident note", "SHA-256", "override history", "60-day", "30 days"):
        assert part in text
    incident = IncidentView(
        "M-42", "named <!here>", NOW, NOW, "ab" * 32, "slack:U1", NOW, {"revisions": []}
    )
    view = modals.incident_view(incident)
    _ok(view)
    assert "<!here>" not in str(view["blocks"])


def test_done_views_and_blocked_edit_view() -> None:
    _ok(modals.draft_done_view(mention(), revision(False), False))
    done = modals.draft_done_view(mention(), revision(True), True)
    _ok(done)
    assert "sent to risk" in str(done["blocks"])
    again = modals.blocked_edit_view(mention(), revision(), "We saw your chart")
    _ok(again)
    assert again["private_metadata"] == "M-42:r3"
    _ok(modals.not_saved_view(42, "the draft changed", "my text " * 1000))


def test_with_template_replaces_text_block() -> None:
    view = {**modals.drafting_modal(mention(), 0), "id": "V1", "hash": "h"}
    once = modals.with_template(view, "Template A")
    twice = modals.with_template(once, "Template B")
    ids = [
        b.get("block_id")
        for b in twice["blocks"]
        if str(b.get("block_id")).startswith("draft_text")
    ]
    assert ids == ["draft_text_2"]
    assert modals.text_block_id(twice) == "draft_text_2"
    _ok(twice)
    assert "id" not in twice and twice["private_metadata"] == "M-42:r0"


def test_submitted_values_are_read() -> None:
    view = {
        "blocks": [{"block_id": "draft_text_1"}],
        "state": {
            "values": {
                "draft_text_1": {"text": {"value": "hi"}},
                "draft_options": {"options": {"selected_options": [{"value": "send_to_risk"}]}},
                "reason": {"reason": {"value": "because"}},
            }
        },
    }
    assert modals.submitted_text(view) == "hi"
    assert modals.send_to_risk_ticked(view)
    assert modals.submitted_reason(view) == "because"
    assert modals.submitted_text({}) == "" and not modals.send_to_risk_ticked({})


def test_templates_file_is_admin_editable(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text(
        "templates:\n  - id: a\n    label: A\n    text: Hello\n  - id: a\n    text: dup\n"
        "  - nonsense\n  - id: b\n    text: World\n",
        encoding="utf-8",
    )
    got = modals.load_templates(path)
    assert [t.id for t in got] == ["a", "b"]
    assert modals.load_templates(tmp_path / "missing.yml") == ()
    bad = tmp_path / "bad.yml"
    bad.write_text("templates: [unclosed", encoding="utf-8")
    assert modals.load_templates(bad) == ()
    shipped = modals.load_templates()
    assert shipped and all(len(t.label) <= 75 for t in shipped)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=5000), st.text(max_size=200))
def test_outside_text_never_becomes_live(text: str, author: str) -> None:
    view = modals.drafting_modal(mention(text=text, author=author), 0)
    _ok(view)
    for block in view["blocks"]:
        if block.get("type") == "section":
            rendered = block["text"]["text"]
            assert "<" not in rendered and ">" not in rendered.replace("\n>", "").lstrip(">")

"""Block Kit builders: limits, button values, audiences, and the property that nothing
from outside text ever becomes a live Slack token."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack import blocks as b
from sandbox.slack_emulator import flatten_blocks, validate_blocks
from workflows.actions import ButtonValue
from workflows.views import FindingView, MentionView, Queue, QueueItem, RevisionView, SignOffView

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TRUSTED = ("slack:UAUTHOR1", "slack:UMKT0001", "slack:URISK001")
ATTACKS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U12345678>",
    "<#C12345678>",
    "<#C1|general>",
    "<https://evil.test|click me>",
    "<mailto:a@b.test|mail>",
    "<!subteam^S123|@team>",
    "<!date^1^{date}|x>",
    "&lt;!channel&gt;",
    "\u200b<!here\u200b>",
    "<<!channel>>",
    "|>",
]
untrusted = st.one_of(
    st.sampled_from(ATTACKS),
    st.text(alphabet=st.sampled_from(list("<>!@#&|^;:/ Uhttpsl.CX*_~`\n")), max_size=60),
    st.lists(st.sampled_from([*ATTACKS, "word", " ", "&amp;", "\n"]), max_size=12).map("".join),
    st.text(max_size=200),
)

# Our own live tokens: stored Slack user ids, <!date^…> times and sanitised links.
OWN_TOKEN = re.compile(
    r"<@U(?:AUTHOR1|MKT0001|RISK001)>"
    r"|<!date\^\d+\^(?:\{date_short_pretty\} \{time\}|\{ago\})\|[0-9: -]+UTC>"
    r"|<https?://[^\s<>|]+\|(?:Open on [A-Za-z0-9 ._-]+|Open the review(?: on [A-Za-z0-9 ._-]+)?)>"
)

QUOTE = re.compile(r"(?m)^>(?: |$)")  # our blockquote markup at line starts


def finding(idx: int, text: str, reason: str = "r", override: str | None = None) -> FindingView:
    return FindingView(
        idx, "patient_name", 0, 4, text, reason, "sugg", TRUSTED[2] if override else None, override
    )


def revision(
    text: str | None, *, state: str = "clean", findings: tuple[FindingView, ...] = ()
) -> RevisionView:
    return RevisionView(
        number=2,
        author=TRUSTED[0],
        text=text,
        text_sha256="a" * 64,
        verdict="block" if findings else "pass",
        state=state,
        created_at=NOW,
        findings=findings,
        signoffs=(
            SignOffView("marketing", TRUSTED[1], "approve", NOW),
            SignOffView("risk", TRUSTED[2], "changes", NOW, reason="needs work"),
        ),
    )


def mention(
    text: str | None = "It was bad", *, author: str = "Pat", state: str = "in_review", **kw: Any
) -> MentionView:
    values: dict[str, Any] = {
        "id": 42,
        "source": "webhook",
        "platform": "google",
        "author": author,
        "text": text,
        "url": "https://maps.google.com/r?id=1&x=2",
        "rating": 1,
        "severity": "high",
        "severity_reasons": ("one-star rating",),
        "state": state,
        "received_at": NOW,
        "sla_due_at": NOW + timedelta(hours=8),
        "assignee": TRUSTED[0],
        "latest": revision("Thanks"),
    }
    values.update(kw)
    return MentionView(**values)


def every_message(s: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every builder, with ``s`` in every untrusted field."""
    f = finding(0, s, reason=s, override=s)
    rev_blocked = revision(s, state="blocked", findings=(f, finding(1, s, reason=s)))
    rev = RevisionView(
        **{
            **revision(s).__dict__,
            "signoffs": (SignOffView("risk", TRUSTED[2], "changes", NOW, reason=s),),
        }
    )
    m = mention(
        s,
        author=s,
        url=s if s.startswith("http") else f"https://x.test/{s}",
        severity_reasons=(s,),
        latest=rev,
        platform=s,
        state="released",
        published_hash="b" * 64,
        published_at=NOW,
        posted_by=TRUSTED[1],
    )
    m_open = mention(s, author=s, state="open", latest=None, url=s)
    out = [
        ("mention", b.mention_message(m, now=NOW).blocks),
        ("mention_open", b.mention_message(m_open, now=NOW + timedelta(days=1)).blocks),
        ("passed", b.revision_passed(m, rev).blocks),
        ("blocked", b.revision_blocked(m, rev_blocked).blocks),
        ("risk_review", b.risk_review_requested(m, rev_blocked).blocks),
        ("private", b.private_blocked(m, rev_blocked, for_risk=True).blocks),
        ("override", b.override_note(m, rev_blocked, 0, True).blocks),
        ("signoff", b.signoff_note(m, rev, "marketing", False).blocks),
        ("changes", b.changes_requested_note(m, rev, "risk").blocks),
        ("released", b.released_note(m, 2, True).blocks),
        ("failed", b.publish_failed_note(m, 2, s).blocks),
        ("taken_down", b.taken_down_note(m).blocks),
        ("refusal", b.refusal_note("M-42", s, s).blocks),
        ("manual", b.manual_publish_message(m, rev).blocks),
        ("digest", b.burst_listing([m, m_open]).blocks),
        (
            "home",
            b.home_view(
                Queue(
                    TRUSTED[0],
                    ("risk", s),
                    (
                        QueueItem(m, s),
                        QueueItem(mention(s, latest=rev_blocked), "your draft is blocked"),
                    ),
                ),
                now=NOW,
            )["blocks"],
        ),
    ]
    out.extend(("continuation", c.blocks) for c in b.continuation_messages(m_open))
    # Fallback texts are shown in notifications: they are text fields too.
    out.append(
        (
            "fallbacks",
            [{"text": b.mention_message(m).text}, {"text": b.revision_passed(m, rev).text}],
        )
    )
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(untrusted)
def test_no_outside_text_ever_becomes_a_live_token(s: str) -> None:
    for name, blocks in every_message(s):
        for text in b.text_fields(blocks):
            stripped = QUOTE.sub("", OWN_TOKEN.sub("", text))
            assert "<" not in stripped and ">" not in stripped, (name, text)
            for token in OWN_TOKEN.findall(text):
                assert "&lt;" not in token and "&gt;" not in token
        # Button values carry ids only.
        for value in _values(blocks):
            ButtonValue.decode(value)


def _values(blocks: Any) -> list[str]:
    found: list[str] = []
    if isinstance(blocks, dict):
        if blocks.get("type") == "button" and "value" in blocks:
            found.append(blocks["value"])
        for v in blocks.values():
            found.extend(_values(v))
    elif isinstance(blocks, list):
        for v in blocks:
            found.extend(_values(v))
    return found


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=9000))
def test_block_kit_limits_hold_for_any_text(s: str) -> None:
    for name, blocks in every_message(s):
        surface = "home" if name == "home" else "message"
        if name == "fallbacks":
            continue
        assert validate_blocks(blocks, surface=surface) == [], name


def test_untrusted_sections_are_verbatim() -> None:
    m = mention("visit #general or www.evil.test")
    section = b.mention_message(m).blocks[2]
    assert section["text"]["verbatim"] is True


def test_parent_message_shows_what_the_channel_needs() -> None:
    m = mention("Awful & slow", state="open", latest=None)
    msg = b.mention_message(m, now=NOW)
    text = flatten_blocks(msg.blocks)
    for part in (
        "M-42",
        "Google",
        "★☆☆☆☆",
        "Pat",
        "high",
        "Reply due",
        "Open on Google",
        "Awful & slow",
        "Open — no draft yet",
    ):
        assert part in text, part
    ids = [
        e["action_id"] for blk in msg.blocks if blk["type"] == "actions" for e in blk["elements"]
    ]
    assert ids == ["mention_draft", "mention_assign", "mention_dismiss"]
    assert "Awful" not in msg.text  # notifications never carry mention text
    late = flatten_blocks(b.mention_message(m, now=NOW + timedelta(days=2)).blocks)
    assert "overdue" in late


def test_parent_message_states_and_who_holds_what() -> None:
    rev = revision("Thanks")
    released = mention(
        state="released",
        latest=rev,
        published_hash="c" * 64,
        published_at=NOW,
        posted_by=TRUSTED[1],
    )
    msg = b.mention_message(released)
    ids = [
        e["action_id"] for blk in msg.blocks if blk["type"] == "actions" for e in blk["elements"]
    ]
    assert ids == ["reply_takedown"]
    flat = json.dumps(msg.blocks)
    assert "<@UMKT0001>" in flat and "cccccccccccc" in flat
    review = flatten_blocks(b.mention_message(mention(state="in_review", latest=rev)).blocks)
    assert "Marketing" in review and "Risk" in review and "waiting" in review


def test_long_text_is_cut_with_a_way_to_the_rest() -> None:
    text = "x" * 2000 + " & " + "y" * 8000
    m = mention(text, state="open", latest=None)
    msg = b.mention_message(m)
    assert all(len(t) <= 3000 for t in b.text_fields(msg.blocks))
    assert b.FULL_TEXT_ACTION in json.dumps(msg.blocks)
    rest = b.continuation_messages(m)
    assert rest
    shown = flatten_blocks(msg.blocks) + "".join(flatten_blocks(c.blocks) for c in rest)
    assert shown.count("y") >= 8000 and "&" in shown


def test_draft_text_split_exactly_for_signing() -> None:
    draft = ("a&b<c> " * 700)[:4000]
    rev = revision(draft)
    msg = b.manual_publish_message(mention(latest=rev), rev)
    pieces = [t for t in b.text_fields(msg.blocks) if t.startswith("```")]
    joined = "".join(p[3:-3] for p in pieces)
    assert joined.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == draft
    assert "reply_mark_posted" in json.dumps(msg.blocks)


def test_blocked_note_for_the_channel_has_kinds_not_words() -> None:
    f = finding(0, "Jane Secretname", reason="names Jane Secretname")
    rev = revision("Hi Jane Secretname, about your chart", state="blocked", findings=(f,))
    m = mention(latest=rev)
    public = json.dumps(b.revision_blocked(m, rev).blocks) + json.dumps(
        b.risk_review_requested(m, rev).blocks
    )
    public += json.dumps(b.override_note(m, rev, 0, False).blocks)
    assert "Secretname" not in public and "chart" not in public
    assert "patient name" in public
    private = json.dumps(b.private_blocked(m, rev, for_risk=True).blocks)
    assert "Secretname" in private and "reply_override_phi" in private and "M-42:r2:f0" in private
    author_only = json.dumps(b.private_blocked(m, rev, for_risk=False).blocks)
    assert "reply_override_phi" not in author_only


def test_signoff_buttons_carry_ids_and_revision_only() -> None:
    rev = revision("Secret reply text")
    msg = b.revision_passed(mention(latest=rev), rev)
    values = _values(msg.blocks)
    assert values and all(v == "M-42:r2" for v in values)
    ids = [
        e["action_id"] for blk in msg.blocks if blk["type"] == "actions" for e in blk["elements"]
    ]
    assert ids == [
        "reply_signoff_marketing",
        "reply_signoff_risk",
        "reply_request_changes",
        "reply_edit",
    ]


def test_publish_failed_offers_retry_manual_and_edit() -> None:
    msg = b.publish_failed_note(mention(), 2, "platform_refused")
    ids = [
        e["action_id"] for blk in msg.blocks if blk["type"] == "actions" for e in blk["elements"]
    ]
    assert ids == ["reply_retry_publish", "reply_mark_posted", "reply_edit"]


def test_home_view_queue_and_limits() -> None:
    rev = revision("Thanks")
    items = tuple(
        QueueItem(mention(latest=rev, id=i), "awaiting risk sign-off") for i in range(1, 80)
    )
    view = b.home_view(Queue(TRUSTED[2], ("risk",), items), now=NOW)
    assert view["type"] == "home"
    assert validate_blocks(view["blocks"], surface="home") == []
    assert "reply_signoff_risk" in json.dumps(view["blocks"])
    empty = b.home_view(Queue(TRUSTED[2], (), ()))
    assert "Nothing is waiting" in flatten_blocks(empty["blocks"])


def test_burst_listing_stays_within_limits_and_shows_no_author_or_text() -> None:
    ms = [mention(f"text {i}", id=i, author=f"<!here> {i}") for i in range(1, 400)]
    msg = b.burst_listing(ms)
    assert validate_blocks(msg.blocks) == []
    flat = flatten_blocks(msg.blocks)
    assert "M-1 " in flat and "100 new negative mentions" in flat.lower()
    assert "M-100 " in flat and "M-101 " not in flat, "one message lists at most 100"
    assert "<!here>" not in json.dumps(msg.blocks) and "text 1" not in flat


def test_safe_url_cannot_break_a_link() -> None:
    assert b.safe_url("javascript:alert(1)") is None
    assert b.safe_url("https://a.test/x|y>z<w") == "https://a.test/x%7Cy%3Ez%3Cw"
    assert b.safe_url("https://a.test/?a=1&b=2") == "https://a.test/?a=1&amp;b=2"
    assert b.safe_url(None) is None


def test_refusal_note_says_who_and_why_in_plain_words() -> None:
    note = flatten_blocks(
        b.refusal_note("M-42", "revision.signoff", "forbidden", TRUSTED[0]).blocks
    )
    assert "asked for a sign-off on M-42" in note
    assert "not allowed for this person" in note
    anonymous = flatten_blocks(b.refusal_note("M-42", "reply.take_down", "stale_revision").blocks)
    assert "Taking the reply down on M-42 was refused" in anonymous
    assert "the draft had changed since" in anonymous


def test_delivery_failed_note_names_the_mention_and_the_notification() -> None:
    from workflows.labels import topic_label

    msg = b.delivery_failed_note(mention(), topic_label("chat.signoff"))
    text = flatten_blocks(msg.blocks)
    assert "M-" in text and "sign-off notification could not be delivered" in text
    assert validate_blocks(msg.blocks) == []
    assert topic_label("chat.unknown") == "chat"

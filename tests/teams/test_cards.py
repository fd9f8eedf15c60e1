"""Adaptive Card builders: escaping of outside text (property-tested), ids-only button
data with an Action.Submit fallback, and no blocked text in channel cards."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.teams import cards
from bot.teams.cards import MARKDOWN_SPECIALS, escape, unescape
from workflows.views import FindingView, MentionView, Queue, QueueItem, RevisionView

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)

# Text built from the characters that matter, plus anything.
TOKENS = [
    *"\\`*_~[](){}#>!|:<>&-+=.0123456789 \n\tat/hps",
    "\u200b",
    "\u202e",
    "\u2066",
    "<at>",
    "</at>",
    "https://",
    "{{DATE(",
    "www.",
    "&lt;",
]
tricky = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join) | st.text(max_size=80)


def _inert(escaped: str) -> None:
    """Every markdown control character is backslash-escaped, no raw ``<``/``>``, no
    invisible controls, no list/heading/rule marker at a line start, no live URL."""
    i = 0
    line_start = True
    while i < len(escaped):
        ch = escaped[i]
        if ch == "\\":
            assert i + 1 < len(escaped), "dangling backslash"
            i += 2
            line_start = False
            continue
        assert ch not in MARKDOWN_SPECIALS, f"unescaped {ch!r} in {escaped!r}"
        assert ch not in "<>", escaped
        if line_start and ch not in " \t":
            assert ch not in "-+=", escaped
            assert not (ch.isdigit() and _list_number(escaped, i)), escaped
        if ch == "\n":
            line_start = True
        elif ch not in " \t":
            line_start = False
        i += 1
    assert not INVISIBLE.search(escaped)
    assert not re.search(r"(?<!\\)://", escaped), escaped
    assert "<at" not in escaped.lower()


def _list_number(text: str, i: int) -> bool:
    m = re.match(r"\d+[.)]", text[i:])
    return m is not None


@settings(max_examples=400, deadline=None)
@given(tricky)
def test_escape_makes_outside_text_inert(text: str) -> None:
    escaped = escape(text)
    _inert(escaped)
    # Nothing is lost but the invisible controls: the reader sees the original text.
    assert unescape(escaped) == INVISIBLE.sub("", text)


def test_escape_examples() -> None:
    assert escape("[click](https://evil.test)") == "\\[click\\]\\(https\\://evil.test\\)"
    assert escape("<at>CEO</at>") == "&lt;at&gt;CEO&lt;/at&gt;"
    assert (
        escape("**bold** _it_ ~~s~~ `c` # h")
        == "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`c\\` \\# h"
    )
    assert escape("1. one\n- two\n+ three") == "\\1. one\n\\- two\n\\+ three"
    assert escape("a\u200bb\u202ec") == "abc"
    assert escape("{{DATE(2020-01-01T00:00:00Z)}}").startswith("\\{\\{DATE\\(")


def _mention(**kw: Any) -> MentionView:
    values: dict[str, Any] = {
        "id": 42,
        "source": "webhook",
        "platform": "google",
        "author": "Jane [Roe](https://x.test)",
        "text": "Awful *wait* <at>Dr Who</at> https://evil.test " + "x" * 5000,
        "url": "https://example.test/review/1",
        "rating": 1,
        "severity": "high",
        "severity_reasons": (),
        "state": "open",
        "received_at": NOW,
        "sla_due_at": NOW,
    }
    values.update(kw)
    return MentionView(**values)


def _revision(state: str = "clean", verdict: str = "pass", **kw: Any) -> RevisionView:
    findings = ()
    if verdict == "block":
        findings = (
            FindingView(
                0, "confirms_patient", 3, 8, "chart", "says they are a patient", "remove it"
            ),
        )
    values: dict[str, Any] = {
        "number": 2,
        "author": "teams:aad-author",
        "text": "We reviewed your chart zebra.",
        "text_sha256": "ab" * 32,
        "verdict": verdict,
        "state": state,
        "created_at": NOW,
        "findings": findings,
    }
    values.update(kw)
    return RevisionView(**values)


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                out.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(card)
    return out


def test_mention_card_fields_and_escaping() -> None:
    m = _mention()
    card = cards.mention_card(m, now=NOW)
    dumped = json.dumps(card, ensure_ascii=False)
    assert card["version"] == "1.4" and card["type"] == "AdaptiveCard"
    assert "M-42 · Google · ★☆☆☆☆" in dumped
    assert "<at>" not in dumped and "https://evil" not in dumped
    assert "Jane \\\\[Roe\\\\]" in dumped
    assert "…" in dumped  # long text cut
    assert "DATE(2026-11-27T12:00:00Z, SHORT)" in dumped
    verbs = {a["verb"] for a in _actions(card)}
    assert verbs == {"mention_draft", "mention_assign", "mention_dismiss"}
    open_url = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    assert open_url[0]["url"] == "https://example.test/review/1"


def test_button_data_is_ids_only_with_submit_fallback() -> None:
    m = _mention(state="in_review", latest=_revision())
    for card in (
        cards.mention_card(m),
        cards.revision_card(m, _revision()),
        cards.private_blocked(m, _revision("blocked", "block"), for_risk=True),
        cards.publish_failed_note(m, 2, "boom"),
    ):
        for a in _actions(card):
            assert set(a["data"]) == {"value"}
            assert re.fullmatch(r"M-\d+(:r\d+)?(:f\d+)?", a["data"]["value"])
            fb = a["fallback"]
            assert fb["type"] == "Action.Submit"
            assert fb["data"] == {"verb": a["verb"], "value": a["data"]["value"]}


def test_revision_card_has_signoff_buttons_and_hash() -> None:
    m = _mention(state="in_review")
    card = cards.revision_card(m, _revision())
    verbs = [a["verb"] for a in _actions(card)]
    assert verbs == [
        "reply_signoff_marketing",
        "reply_signoff_risk",
        "reply_request_changes",
        "reply_edit",
    ]
    assert "SHA-256 abababababab…" in json.dumps(card, ensure_ascii=False)


def test_blocked_notice_has_kinds_only() -> None:
    m = _mention(state="drafting")
    rev = _revision("blocked", "block")
    dumped = json.dumps(cards.blocked_notice(m, rev))
    assert "confirms a care relationship" in dumped
    assert "chart" not in dumped and "zebra" not in dumped
    private = json.dumps(cards.private_blocked(m, rev))
    assert "zebra" in private and "chart" in private


def test_status_hides_blocked_text_unless_allowed() -> None:
    from workflows.views import Status

    rev = _revision("blocked", "block")
    s = Status(_mention(state="drafting", latest=rev), (rev,), ())
    assert "zebra" not in json.dumps(cards.status_card(s))
    assert "zebra" in json.dumps(cards.status_card(s, show_blocked_text=True))


def test_queue_card() -> None:
    q = Queue("teams:x", ("marketing",), (QueueItem(_mention(), "awaiting marketing sign-off"),))
    dumped = json.dumps(cards.queue_card(q), ensure_ascii=False)
    assert "M-42" in dumped and "awaiting marketing sign-off" in dumped
    assert "Awful" not in dumped
    assert "Nothing waits" in json.dumps(cards.queue_card(Queue("teams:x", (), ())))

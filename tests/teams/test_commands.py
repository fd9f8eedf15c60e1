"""The Teams command parser: pure, never raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.teams.commands import Command, parse


def test_commands() -> None:
    assert parse("<at>Countersign</at> draft M-42 Hello &amp; welcome") == Command(
        "draft", 42, "Hello & welcome"
    )
    assert parse("draft m42 line one\nline two").text == "line one\nline two"
    assert parse("check we saw you") == Command("check", text="we saw you")
    assert parse("<at>Countersign</at>  queue ") == Command("queue")
    assert parse("status M-7") == Command("status", 7)
    assert parse("help") == Command("help")
    assert parse("HELP").name == "help"


def test_bad_input_is_help() -> None:
    for text in (
        "",
        None,
        "draft",
        "draft M-1",
        "draft X-1 hi",
        "status",
        "status nine",
        "check",
        "dance",
        "<at>Countersign</at>",
    ):
        cmd = parse(text)
        assert cmd.name == "help", text
    assert parse("draft M-1").problem
    assert parse("dance").problem


def test_draft_and_check_carry_text() -> None:
    assert parse("draft M-1 x").carries_text
    assert parse("check x").carries_text
    assert not parse("queue").carries_text


@settings(max_examples=500, deadline=None)
@given(
    st.text(max_size=200)
    | st.from_regex(
        r"(<at>[^<]*</at> )?(draft|check|status|queue|help)( M-?\d{0,14})?.*", fullmatch=True
    )
)
def test_parse_never_raises(text: str) -> None:
    cmd = parse(text)
    assert cmd.name in ("draft", "check", "queue", "status", "help")
    if cmd.name in ("draft", "status"):
        assert cmd.mention_id is not None
    if cmd.name in ("draft", "check"):
        assert cmd.text.strip()

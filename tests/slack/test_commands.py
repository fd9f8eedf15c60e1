"""`/reply` through the real HTTP app: every subcommand, ephemeral answers, entity
decoding, and the pure parser's properties (never raises; round-trips)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack import commands as c
from tests.slack.conftest import ADMIN, AUTHOR, MARKETING, OUTSIDER, RISK, ingest

# -- the pure parser -------------------------------------------------------------------


def test_parse_examples() -> None:
    assert c.parse("") == c.Help()
    assert c.parse("  help ") == c.Help()
    assert c.parse("M-42") == c.OpenModal(42)
    assert c.parse("m-7   ") == c.OpenModal(7)
    assert c.parse("M-42 Thanks &amp; sorry &lt;3") == c.Draft(42, "Thanks & sorry <3")
    assert c.parse("M-42 line one\nline two") == c.Draft(42, "line one\nline two")
    assert c.parse("check we saw your chart") == c.Check("we saw your chart")
    assert c.parse("queue") == c.QueueCmd()
    assert c.parse("status M-3") == c.StatusCmd(3)
    assert c.parse("takedown M-3 named the patient") == c.Takedown(3, "named the patient")
    assert c.parse("roles") == c.Roles("list")
    assert c.parse("roles list") == c.Roles("list")
    assert c.parse("roles add <@U0ABC|dana> risk") == c.Roles("add", "U0ABC", "risk")
    assert c.parse("roles remove <@U0ABC> Marketing") == c.Roles("remove", "U0ABC", "marketing")


def test_parse_unknown_and_incomplete_give_usage() -> None:
    for text in (
        "frobnicate",
        "check",
        "status",
        "status 42",
        "takedown M-1",
        "takedown",
        "roles add @dana risk",
        "roles add <@U1> boss",
        "queue now",
        "M-99999999999999 hi",
        "<!channel>",
    ):
        got = c.parse(text)
        assert isinstance(got, c.Help), text
        assert got.problem
        assert "/reply M-42" in c.usage(got)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_parse_never_raises(text: str) -> None:
    got = c.parse(text)
    assert got is not None
    c.format_command(got)  # every parsed command can be written back


_free = st.text(min_size=1, max_size=200).map(str.strip).filter(bool)
_ids = st.integers(min_value=1, max_value=10**12 - 1)
_users = st.from_regex(r"U[A-Z0-9]{2,12}", fullmatch=True)
_commands = st.one_of(
    st.just(c.Help()),
    _ids.map(c.OpenModal),
    st.builds(c.Draft, _ids, _free),
    st.builds(c.Check, _free),
    st.just(c.QueueCmd()),
    _ids.map(c.StatusCmd),
    st.builds(c.Takedown, _ids, _free),
    st.just(c.Roles("list")),
    st.builds(c.Roles, st.sampled_from(["add", "remove"]), _users, st.sampled_from(c.ROLE_NAMES)),
)


@settings(max_examples=400, deadline=None)
@given(_commands)
def test_round_trip(cmd: Any) -> None:
    assert c.parse(c.format_command(cmd)) == cmd


# -- through the HTTP app ------------------------------------------------------------------


async def test_help_and_unknown_answer_at_once_with_usage(slack: Any) -> None:
    for text in ("", "help", "what is this"):
        resp = await slack.command(AUTHOR, text)
        assert resp.status == 200
        body = await resp.json()
        assert "/reply M-42" in body["text"]
        assert body.get("response_type", "ephemeral") == "ephemeral"


async def test_open_modal(slack: Any) -> None:
    mid = ingest(slack.container)
    resp = await slack.command(AUTHOR, f"M-{mid}")
    assert resp.status == 200
    view = await slack.opened_view()
    assert view["callback_id"] == "countersign_draft"
    assert view["private_metadata"] == f"M-{mid}:r0"


async def test_direct_draft_stores_decoded_text(slack: Any) -> None:
    from workflows.services import reporting
    from workflows.types import Actor

    mid = ingest(slack.container)
    resp = await slack.command(AUTHOR, f"M-{mid} Thanks &amp; sorry &lt;we&gt; care")
    assert resp.status == 200
    answer = await slack.answer(AUTHOR)
    assert "passed the PHI screen" in answer
    st_ = reporting.status(slack.container.deps, Actor.cli(), mid)
    assert st_.revisions[-1].text == "Thanks & sorry <we> care"
    assert st_.mention.state == "in_review"


async def test_direct_draft_blocked_shows_words_only_to_author(slack: Any) -> None:
    mid = ingest(slack.container)
    await slack.command(AUTHOR, f"M-{mid} We reviewed your chart")
    answer = await slack.answer(AUTHOR)
    assert "blocked" in answer and "chart" in answer
    assert "chart" not in slack.emulator.raw_channel_payloads("C0REVIEW")


async def test_check_stores_nothing(slack: Any) -> None:
    from workflows.services import reporting
    from workflows.types import Actor

    mid = ingest(slack.container)
    await slack.command(AUTHOR, "check we saw your diagnosis")
    answer = await slack.answer(AUTHOR)
    assert "would block" in answer and "diagnosis" in answer
    await slack.command(AUTHOR, "check thanks for the feedback")
    assert "found nothing" in await slack.answer(AUTHOR, 1)
    assert reporting.status(slack.container.deps, Actor.cli(), mid).revisions == ()


async def test_queue_status(slack: Any) -> None:
    mid = ingest(slack.container)
    await slack.command(AUTHOR, f"M-{mid} Thank you for the feedback")
    await slack.answer(AUTHOR)
    await slack.command(AUTHOR, "queue")
    assert f"M-{mid}" in await slack.answer(AUTHOR, 1)
    await slack.command(MARKETING, "queue")
    assert "awaiting marketing sign-off" in await slack.answer(MARKETING)
    await slack.command(AUTHOR, f"status M-{mid}")
    status = await slack.answer(AUTHOR, 2)
    assert f"M-{mid}" in status and "in review" in status and "revision 1" in status
    assert "Thank you for the feedback" not in status


async def test_status_unknown_mention_is_refused_cleanly(slack: Any) -> None:
    await slack.command(AUTHOR, "status M-999")
    assert "no mention M-999" in await slack.answer(AUTHOR)


async def test_roles_list_add_remove_admin_only(slack: Any) -> None:
    from workflows.services import roles
    from workflows.types import Actor

    await slack.command(ADMIN, "roles add <@U0AUTHOR2|author2> marketing")
    assert "marketing" in await slack.answer(ADMIN)
    assert "marketing" in roles.roles_of(slack.container.deps, Actor("slack", "U0AUTHOR2", "T1"))
    await slack.command(ADMIN, "roles list")
    assert "U0AUTHOR2" in await slack.answer(ADMIN, 1)
    await slack.command(ADMIN, "roles remove <@U0AUTHOR2> marketing")
    await slack.answer(ADMIN, 2)
    assert not roles.roles_of(slack.container.deps, Actor("slack", "U0AUTHOR2", "T1"))
    # not an admin: refused
    await slack.command(RISK, "roles add <@U0AUTHOR|a> risk")
    assert "only admin" in await slack.answer(RISK)


async def test_takedown_command_risk_only(slack: Any) -> None:
    from tests.slack.test_actions import release

    mid = await release(slack)
    await slack.command(AUTHOR, f"takedown M-{mid} it named the patient")
    assert "only risk or admin" in await slack.answer(AUTHOR, 2)
    n = len(slack.ephemerals(RISK))
    await slack.command(RISK, f"takedown M-{mid} it named the patient")
    note = await slack.answer(RISK, n)
    assert "taken down" in note and "breach risk assessment due" in note


async def test_non_member_without_role_is_refused(slack: Any) -> None:
    mid = ingest(slack.container)
    await slack.command(OUTSIDER, f"M-{mid} hello there")
    assert "only members of the review channel" in await slack.answer(OUTSIDER)


async def test_answers_go_to_response_url_when_slack_gives_one(slack: Any) -> None:
    """Real Slack sends a response_url with commands and clicks; answers use it."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    got: list[dict[str, Any]] = []

    async def sink(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", sink)
    server = TestServer(app)
    await server.start_server()
    try:
        url = str(server.make_url("/hook"))
        await slack.command(AUTHOR, "queue", response_url=url)
        from tests.slack.conftest import until

        await until(lambda: got)
        assert got[0]["response_type"] == "ephemeral"
        assert got[0]["replace_original"] is False
        assert "Nothing is waiting" in got[0]["text"] or "Waiting for you" in got[0]["text"]
        assert slack.ephemerals(AUTHOR) == []
    finally:
        await server.close()


def test_escaped_links_and_mentions_decode_to_what_was_typed() -> None:
    from bot.slack.mrkdwn import unescape

    assert unescape("see <https://example.org/faq|example.org/faq> &amp; call") == (
        "see example.org/faq & call"
    )
    assert unescape("<https://example.org/a?b=1&amp;c=2>") == "https://example.org/a?b=1&c=2"
    assert unescape("write <mailto:care@example.org|care@example.org>") == (
        "write care@example.org"
    )
    assert unescape("ask <@U0ABC|dana> in <#C0XYZ|reviews>") == "ask @dana in #reviews"
    assert unescape("<!here> and <!subteam^S1|@risk-team>") == "@here and @risk-team"
    assert unescape("1 &lt; 2 &gt; 0") == "1 < 2 > 0"


_TYPED = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=200, deadline=None)
@given(_TYPED)
def test_text_escaped_as_slack_does_comes_back_unchanged(text: str) -> None:
    from bot.slack.mrkdwn import unescape

    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert unescape(escaped) == text

"""Teams through the real HTTP app (``app.build_http_app`` on loopback) against the fake
Bot Connector, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.teams.handlers import ANSWERED_PRIVATELY, INSTALLATION_TTL_SECONDS, Incoming
from bot.teams.wiring import TEAMS_BOT_KEY
from sandbox.bot_connector import FakeConnector
from tests.teams.conftest import (
    ADMIN,
    AUTHOR,
    CHANNEL,
    GENERAL,
    MARKETING,
    OTHER_TENANT,
    OUTSIDER,
    RISK,
    TENANT,
    Teams,
    aad,
    build,
    from_id,
    ingest,
    personal,
    serve,
    teams_settings,
)
from workflows.services import chat, mentions, reporting, viewing
from workflows.types import Actor

CLI = Actor.cli("test")


def _history(container: Any, mention_id: int) -> list[Any]:
    return list(reporting.status(container.deps, CLI, mention_id).history)


async def _posted_mention(teams: Teams, mention_id: int) -> str:
    """Install, deliver the new mention; return the parent activity id."""
    await teams.install()
    await teams.deliver()
    thread = chat.get_thread(teams.container.deps, mention_id, "teams")
    assert thread is not None and thread.ts
    return str(thread.ts)


# ----------------------------------------------------------------------------- HTTP edges


async def test_malformed_json_is_400(teams: Teams) -> None:
    r = await teams.client.post(
        "/api/messages", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status == 400
    r = await teams.client.post("/api/messages", json=[1, 2])
    assert r.status == 400
    r = await teams.client.post("/api/messages", json={"type": 5})
    assert r.status == 400


async def test_odd_activities_never_500(teams: Teams) -> None:
    for body in (
        {"type": "message"},
        {"type": "message", "from": "x", "conversation": 3, "channelData": []},
        {"type": "invoke", "name": "adaptiveCard/action", "value": "nope"},
        {"type": "conversationUpdate", "membersAdded": ["x", None]},
        {"type": "typing"},
    ):
        r = await teams.post(body)
        assert r.status < 500, body


async def test_help_and_unknown_text(teams: Teams, connector: FakeConnector) -> None:
    r = await teams.say(AUTHOR, "what can you do", conversation=personal(AUTHOR))
    assert r.status == 200
    answer = connector.to(personal(AUTHOR))[-1]
    assert "draft M-42" in answer.dump


async def test_a_message_is_acknowledged_before_its_answer_is_sent(
    teams: Teams, connector: FakeConnector
) -> None:
    from bot.teams.wiring import TEAMS_BOT_KEY

    connector.held = asyncio.Event()  # the Bot Connector answers nothing until set
    body = teams.activity("message", AUTHOR, conversation=personal(AUTHOR), text="help")
    r = await asyncio.wait_for(teams.client.post("/api/messages", json=body), 10)
    assert r.status == 200
    assert connector.to(personal(AUTHOR)) == []
    connector.held.set()
    await teams.client.server.app[TEAMS_BOT_KEY].idle()
    assert "draft M-42" in connector.to(personal(AUTHOR))[-1].dump


async def test_auth_disabled_refused_off_loopback(sqlite_url: str, clock: Any, screen: Any) -> None:
    from app import ConfigError, build_http_app

    c = build(teams_settings(sqlite_url, HOST="0.0.0.0"), clock, screen, roles=False)  # noqa: S104
    try:
        with pytest.raises(ConfigError, match="TEAMS_AUTH_DISABLED"):
            build_http_app(c)
    finally:
        c.close()


async def test_auth_on_without_header_is_401_and_changes_nothing(
    sqlite_url: str, clock: Any, screen: Any, connector: FakeConnector
) -> None:
    settings = teams_settings(
        sqlite_url,
        TEAMS_AUTH_DISABLED=False,
        TEAMS_APP_ID="00000000-0000-0000-0000-00000000a11d",
        TEAMS_APP_PASSWORD="secret",
    )
    c = build(settings, clock, screen)
    teams, client = await serve(c, connector)
    try:
        mention_id = ingest(c)
        before = len(_history(c, mention_id))
        failures = c.metrics.auth_failures.labels("teams")._value.get()
        body = teams.activity("message", AUTHOR, conversation=personal(AUTHOR))
        body["text"] = f"draft M-{mention_id} We are sorry to hear this."
        r = await teams.post(body)
        assert r.status == 401
        r = await teams.post(body, headers={"Authorization": "Bearer not-a-jwt"})
        assert r.status == 401
        assert c.metrics.auth_failures.labels("teams")._value.get() == failures + 2
        assert len(_history(c, mention_id)) == before
        assert viewing.mention_view(c.deps, mention_id).latest is None
        assert connector.sent == []
    finally:
        await client.close()
        c.close()


async def test_auth_on_needs_tenant_and_password(sqlite_url: str, clock: Any, screen: Any) -> None:
    from app import ConfigError, build_http_app

    c = build(
        teams_settings(
            sqlite_url, TEAMS_AUTH_DISABLED=False, TEAMS_APP_ID="app", TEAMS_APP_TENANT_ID=None
        ),
        clock,
        screen,
        roles=False,
    )
    try:
        with pytest.raises(ConfigError, match="TEAMS_APP_PASSWORD"):
            build_http_app(c)
    finally:
        c.close()


# ----------------------------------------------------------------------------- tenants


async def test_other_tenant_is_refused_and_audited(teams: Teams, connector: FakeConnector) -> None:
    mention_id = ingest(teams.container)
    conv = personal(AUTHOR)
    r = await teams.say(
        AUTHOR, f"draft M-{mention_id} Sorry to hear this.", conversation=conv, tenant=OTHER_TENANT
    )
    assert r.status == 200
    answer = connector.to(conv)[-1]
    assert "own organisation" in answer.dump
    assert viewing.mention_view(teams.container.deps, mention_id).latest is None
    refused = [h for h in _history(teams.container, mention_id) if h.outcome == "refused"]
    assert refused and refused[-1].actor == f"teams:{aad(AUTHOR)}"
    # Installing into another tenant is ignored.
    await teams.install(tenant=OTHER_TENANT)
    assert chat.get_installation(teams.container.deps, "teams") is None


async def test_the_installation_is_read_again_once_its_cached_copy_is_stale(
    teams: Teams, connector: FakeConnector
) -> None:
    """The team whose members may act comes from the installation. A replica keeps the
    installation it read for ``INSTALLATION_TTL_SECONDS``: its own installs are seen at
    once, another replica's once that time has passed."""
    now = [1000.0]
    bot = teams.client.server.app[TEAMS_BOT_KEY]
    bot.monotonic = lambda: now[0]
    other_team = "19:other-team@thread.tacv2"
    connector.members[other_team] = {from_id(OUTSIDER)}
    await teams.install()
    mention_id = ingest(teams.container)
    conv = personal(OUTSIDER)

    async def refused() -> bool:
        await teams.say(OUTSIDER, f"status M-{mention_id}", conversation=conv)
        return "only members of the review channel" in connector.to(conv)[-1].dump

    assert await refused()
    # another replica records an installation in the other team
    moved = teams.activity(
        "conversationUpdate",
        ADMIN,
        conversation=GENERAL,
        channelData={"tenant": {"id": TENANT}, "team": {"id": other_team}},
    )
    chat.save_installation(teams.container.deps, "teams", Incoming.parse(moved).reference())
    now[0] += INSTALLATION_TTL_SECONDS - 1
    assert await refused()  # the cached installation, not a database read
    now[0] += 2
    assert not await refused()  # read again: the outsider is in the installed team
    await teams.install()  # this replica's own install is seen at once
    assert await refused()


async def test_outsider_in_personal_chat_is_refused(teams: Teams, connector: FakeConnector) -> None:
    await teams.install()
    mention_id = ingest(teams.container)
    conv = personal(OUTSIDER)
    await teams.say(OUTSIDER, f"status M-{mention_id}", conversation=conv)
    assert "only members of the review channel" in connector.to(conv)[-1].dump


# ----------------------------------------------------------------------------- commands


async def test_check_in_channel_never_echoes_text(teams: Teams, connector: FakeConnector) -> None:
    secret = "we reviewed your chart zebra-7731"
    r = await teams.say(AUTHOR, f"check {secret}")
    assert r.status == 200
    channel_msgs = connector.to(CHANNEL)
    assert [m.activity.get("text") for m in channel_msgs] == [ANSWERED_PRIVATELY]
    assert all("zebra" not in m.dump and "chart" not in m.dump for m in channel_msgs)
    private = connector.to(personal(AUTHOR))
    assert private and "Blocked" in private[-1].dump and "chart" in private[-1].dump


async def test_draft_blocked_channel_gets_only_kinds(
    teams: Teams, connector: FakeConnector
) -> None:
    mention_id = ingest(teams.container)
    parent = await _posted_mention(teams, mention_id)
    conv = personal(AUTHOR)
    await teams.say(
        AUTHOR, f"draft M-{mention_id} We checked your chart, zebra-9.", conversation=conv
    )
    view = viewing.mention_view(teams.container.deps, mention_id)
    assert view.latest is not None and view.latest.verdict == "block"
    private = connector.to(conv)[-1]
    assert "zebra" in private.dump and "confirms a care relationship" in private.dump
    await teams.deliver()
    notes = connector.thread(CHANNEL, parent)
    assert notes, "the thread got the blocked notice"
    assert "blocked" in notes[-1].dump and "confirms a care relationship" in notes[-1].dump
    for sent in connector.to(CHANNEL):
        assert "zebra" not in sent.dump and "chart" not in sent.dump


async def test_draft_typed_in_channel_is_answered_privately(
    teams: Teams, connector: FakeConnector
) -> None:
    mention_id = ingest(teams.container)
    await _posted_mention(teams, mention_id)
    await teams.say(AUTHOR, f"draft M-{mention_id} Please call our office, zebra.")
    replies = [m for m in connector.to(CHANNEL) if m.method == "reply"]
    assert replies[-1].activity.get("text") == ANSWERED_PRIVATELY
    assert "Saved revision 1" in connector.to(personal(AUTHOR))[-1].dump
    assert viewing.mention_view(teams.container.deps, mention_id).state == "in_review"


async def test_queue_and_status(teams: Teams, connector: FakeConnector) -> None:
    mention_id = ingest(teams.container)
    await _posted_mention(teams, mention_id)
    conv = personal(AUTHOR)
    await teams.say(AUTHOR, f"draft M-{mention_id} Please call our office.", conversation=conv)
    await teams.say(AUTHOR, "queue", conversation=conv)
    assert f"M-{mention_id}" in connector.to(conv)[-1].dump
    await teams.say(AUTHOR, f"status M-{mention_id}", conversation=conv)
    assert "revision.created" in connector.to(conv)[-1].dump


# ----------------------------------------------------------------------------- buttons


async def test_signoff_invoke_returns_card_and_releases(
    teams: Teams, connector: FakeConnector
) -> None:
    mention_id = ingest(teams.container)
    parent = await _posted_mention(teams, mention_id)
    await teams.say(
        AUTHOR, f"draft M-{mention_id} Please call our office.", conversation=personal(AUTHOR)
    )
    await teams.deliver()

    r = await teams.click(MARKETING, "reply_signoff_marketing", f"M-{mention_id}:r1")
    assert r.status == 200
    raw = await r.text()
    body = json.loads(raw)
    assert isinstance(body, dict), "not double-encoded"
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert isinstance(body["value"], dict) and body["value"]["type"] == "AdaptiveCard"
    assert "Sign off as risk" in json.dumps(body["value"])

    # The author cannot sign; the refusal is a message for the clicker only.
    r = await teams.click(AUTHOR, "reply_signoff_risk", f"M-{mention_id}:r1")
    body = await r.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "only a risk approver" in body["value"]

    r = await teams.click(RISK, "reply_signoff_risk", f"M-{mention_id}:r1")
    assert (await r.json())["type"] == "application/vnd.microsoft.card.adaptive"
    view = viewing.mention_view(teams.container.deps, mention_id)
    assert view.state == "approved"
    await teams.deliver()
    notes = connector.thread(CHANNEL, parent)
    assert any("approved by marketing and risk" in n.dump for n in notes)
    assert any("Mark as posted" in n.dump for n in notes)  # manual publishing
    assert connector.updates(CHANNEL), "the parent card was updated"

    r = await teams.click(MARKETING, "reply_mark_posted", f"M-{mention_id}:r1")
    assert "posted by hand" in (await r.json())["value"]
    assert viewing.mention_view(teams.container.deps, mention_id).state == "released"


async def test_stale_and_garbled_buttons(teams: Teams) -> None:
    mention_id = ingest(teams.container)
    r = await teams.click(MARKETING, "reply_signoff_marketing", "M-x:r1")
    assert (await r.json())["value"] == "That button is out of date; use the latest card."
    r = await teams.click(MARKETING, "no_such_verb", f"M-{mention_id}")
    assert (await r.json())["type"] == "application/vnd.microsoft.activity.message"


async def test_assign_and_dismiss_from_the_card(teams: Teams) -> None:
    mention_id = ingest(teams.container)
    r = await teams.click(AUTHOR, "mention_assign", f"M-{mention_id}")
    body = await r.json()
    assert body["value"]["type"] == "AdaptiveCard"
    assert viewing.mention_view(teams.container.deps, mention_id).assignee == f"teams:{aad(AUTHOR)}"
    r = await teams.click(ADMIN, "mention_dismiss", f"M-{mention_id}", reason="spam")
    assert (await r.json())["value"]["type"] == "AdaptiveCard"
    assert viewing.mention_view(teams.container.deps, mention_id).state == "dismissed"


# ----------------------------------------------------------------------------- proactive


async def test_new_mention_is_posted_to_teams_channel_id(
    teams: Teams, connector: FakeConnector
) -> None:
    await teams.install(conversation=GENERAL)
    mention_id = ingest(teams.container, text="Rude staff *everywhere* <at>Boss</at>")
    await teams.deliver()
    posts = connector.posts(CHANNEL)
    assert len(posts) == 1 and connector.posts(GENERAL) == []
    card = posts[0].cards[0]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    dumped = json.dumps(card)
    assert "<at>" not in dumped and "\\\\*everywhere\\\\*" in dumped
    thread = chat.get_thread(teams.container.deps, mention_id, "teams")
    assert thread is not None and thread.channel == CHANNEL and thread.ts == posts[0].activity_id
    assert thread.conversation_ref and thread.conversation_ref["serviceUrl"] == connector.base_url
    # Dismissed and reopened: a second chat.mention_new updates the card, never reposts.
    mentions.dismiss(teams.container.deps, CLI, mention_id, "spam")
    mentions.open_for_reply(teams.container.deps, CLI, mention_id)
    await teams.deliver()
    assert len(connector.posts(CHANNEL)) == 1
    assert connector.updates(CHANNEL)[-1].activity_id == posts[0].activity_id


@pytest.mark.parametrize("teams_overrides", [{"TEAMS_CHANNEL_ID": None}])
async def test_without_channel_id_posts_to_installation_after_restart(
    teams: Teams, connector: FakeConnector, db_url: str, clock: Any, screen: Any
) -> None:
    mention_id = ingest(teams.container)
    assert await teams.deliver() == 0  # not installed yet: retried later
    await teams.install(conversation=GENERAL)
    assert chat.get_installation(teams.container.deps, "teams") is not None

    # "Restart": a new container and app on the same database.
    c2 = build(teams_settings(db_url, TEAMS_CHANNEL_ID=None), clock, screen, roles=False)
    teams2, client2 = await serve(c2, connector)
    try:
        clock.advance(seconds=120)
        assert await teams2.deliver() >= 1
        posts = connector.posts(GENERAL)
        assert len(posts) == 1 and f"M-{mention_id}" in posts[0].dump
        thread = chat.get_thread(c2.deps, mention_id, "teams")
        assert thread is not None and thread.channel == GENERAL
    finally:
        await client2.close()
        c2.close()
    assert TENANT  # the installation was in our tenant


async def test_notes_are_posted_once_per_outbox_item(
    teams: Teams, connector: FakeConnector
) -> None:
    from bot.teams.wiring import TEAMS_POSTER_KEY
    from workflows.relay import OutboxItem

    mention_id = ingest(teams.container)
    parent = await _posted_mention(teams, mention_id)
    poster = teams.client.server.app[TEAMS_POSTER_KEY]
    item = OutboxItem(
        id=987654,
        topic="chat.refusal",
        mention_id=mention_id,
        revision_id=None,
        payload={"action": "revision.signoff", "code": "forbidden"},
        attempts=1,
    )
    await asyncio.to_thread(poster.handle_chat, item)
    await asyncio.to_thread(poster.handle_chat, item)
    notes = connector.thread(CHANNEL, parent)
    assert len(notes) == 1 and "was refused (forbidden)" in notes[0].dump


async def test_submit_fallback_runs_the_button(teams: Teams, connector: FakeConnector) -> None:
    mention_id = ingest(teams.container)
    body = teams.activity(
        "message", AUTHOR, value={"verb": "mention_assign", "value": f"M-{mention_id}"}
    )
    r = await teams.post(body)
    assert r.status == 200
    assert viewing.mention_view(teams.container.deps, mention_id).assignee == f"teams:{aad(AUTHOR)}"
    assert connector.to(CHANNEL)[-1].cards, "answered with the refreshed card"


async def test_garbled_button_is_refused_and_audited(teams: Teams) -> None:
    mention_id = ingest(teams.container)
    r = await teams.click(MARKETING, "reply_signoff_marketing", f"M-{mention_id}:r1;DROP")
    assert (await r.json())["value"] == "That button is out of date; use the latest card."
    refused = [h for h in _history(teams.container, mention_id) if h.outcome == "refused"]
    assert refused and refused[-1].action == "button.reply_signoff_marketing"


async def test_without_a_tenant_setting_nobody_is_served(
    sqlite_url: str, clock: Any, screen: Any, connector: FakeConnector
) -> None:
    """Fail-closed: with TEAMS_APP_TENANT_ID unset (allowed only with authentication off,
    on loopback) a role holder's button is refused and audited, and installs are ignored."""
    c = build(teams_settings(sqlite_url, TEAMS_APP_TENANT_ID=None), clock, screen)
    teams, client = await serve(c, connector)
    try:
        mention_id = ingest(c)
        r = await teams.click(ADMIN, "mention_assign", f"M-{mention_id}")
        assert "does not know which workspace" in (await r.json())["value"]
        assert viewing.mention_view(c.deps, mention_id).assignee is None
        refused = [h for h in _history(c, mention_id) if h.outcome == "refused"]
        assert refused and refused[-1].action == "mention.assign"
        await teams.install()
        assert chat.get_installation(c.deps, "teams") is None
    finally:
        await client.close()
        c.close()


def _thread_cards(connector: FakeConnector, parent: str) -> dict[str, str]:
    """Each thread note's activity id → what it shows now (the last update wins)."""
    cid = f"{CHANNEL};messageid={parent}"
    now: dict[str, str] = {}
    for s in connector.sent:
        if s.conversation_id == cid and s.method in ("send", "update") and s.activity_id:
            now[s.activity_id] = s.dump
    return now


async def test_used_buttons_disappear_from_thread_cards(
    teams: Teams, connector: FakeConnector
) -> None:
    mention_id = ingest(teams.container)
    parent = await _posted_mention(teams, mention_id)
    await teams.say(
        AUTHOR, f"draft M-{mention_id} Please call our office.", conversation=personal(AUTHOR)
    )
    await teams.deliver()
    assert any("reply_signoff_marketing" in d for d in _thread_cards(connector, parent).values())

    # The invoke answer redraws only the clicked card; the poster redraws the thread note.
    r = await teams.click(MARKETING, "reply_signoff_marketing", f"M-{mention_id}:r1")
    assert (await r.json())["type"] == "application/vnd.microsoft.card.adaptive"
    await teams.deliver()
    shown = _thread_cards(connector, parent)
    assert not any("reply_signoff_marketing" in d for d in shown.values()), shown
    assert any("reply_signoff_risk" in d for d in shown.values())
    assert any("Please call our office." in d for d in shown.values())  # the text stays
    updates = len(connector.sent)
    assert await teams.deliver() == 0
    assert len(connector.sent) == updates  # nothing redrawn twice

    r = await teams.click(RISK, "reply_signoff_risk", f"M-{mention_id}:r1")
    await teams.deliver()
    assert any("reply_mark_posted" in d for d in _thread_cards(connector, parent).values())
    r = await teams.click(MARKETING, "reply_mark_posted", f"M-{mention_id}:r1")
    assert "posted by hand" in (await r.json())["value"]
    await teams.deliver()
    shown = _thread_cards(connector, parent)
    # Released: no thread card offers a sign-off, nor anything else.
    assert not any("Action.Execute" in d for d in shown.values()), shown
    assert any("Please call our office." in d for d in shown.values())


async def test_a_newer_revision_retires_the_older_card(
    teams: Teams, connector: FakeConnector
) -> None:
    mention_id = ingest(teams.container)
    parent = await _posted_mention(teams, mention_id)
    await teams.say(
        AUTHOR, f"draft M-{mention_id} Please call our office.", conversation=personal(AUTHOR)
    )
    await teams.deliver()
    r = await teams.click(RISK, "reply_request_changes", f"M-{mention_id}:r1", reason="Shorter")
    assert r.status == 200
    await teams.deliver()
    await teams.say(AUTHOR, f"draft M-{mention_id} Please call us.", conversation=personal(AUTHOR))
    await teams.deliver()
    shown = list(_thread_cards(connector, parent).values())
    assert not any(f'M-{mention_id}:r1"' in d for d in shown), shown
    assert any(f'M-{mention_id}:r2"' in d and "reply_signoff_marketing" in d for d in shown)

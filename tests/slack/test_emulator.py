"""The Slack Web API emulator answers slack_sdk like Slack does."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack_emulator import DEFAULT_TOKEN, SlackEmulator, flatten_blocks, mrkdwn_to_text

CH = "C0REVIEWS"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    e = SlackEmulator()
    e.add_channel(CH, "reviews", members=["U1", "U2"])
    e.add_user("U1", "alice")
    e.add_user("U2", "bob")
    e.start_background()
    yield e
    e.stop_background()


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=DEFAULT_TOKEN, base_url=emu.base_url, retry_handlers=[])


def test_auth_test_and_bad_token(emu: SlackEmulator, client: WebClient) -> None:
    r = client.auth_test()
    assert r["team_id"] == emu.team_id and r["user_id"] == emu.bot_user_id
    bad = WebClient(token="xoxb-wrong", base_url=emu.base_url)
    with pytest.raises(SlackApiError) as exc:
        bad.auth_test()
    assert exc.value.response["error"] == "invalid_auth"
    assert emu.calls_to("auth.test")[0].token == DEFAULT_TOKEN


def test_post_thread_update_delete_and_render(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(
        channel=CH,
        text="fallback",
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": "M-1"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "a &lt;!channel&gt; b"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "mention_draft",
                        "text": {"type": "plain_text", "text": "Draft"},
                        "value": "M-1",
                    }
                ],
            },
        ],
    )
    assert parent["channel"] == CH and parent["ts"]
    reply = client.chat_postMessage(channel=CH, thread_ts=parent["ts"], text="a note")
    # replying to a reply lands in the same thread
    client.chat_postMessage(channel=CH, thread_ts=reply["ts"], text="second note")
    assert [m.text for m in emu.replies(CH, parent["ts"])] == ["a note", "second note"]
    client.chat_update(channel=CH, ts=parent["ts"], text="updated", blocks=[])
    assert emu.message(CH, parent["ts"]).edited  # type: ignore[union-attr]
    out = emu.render_channel(CH)
    assert "updated" in out and "a note" in out and "2 replies" in out
    client.chat_delete(channel=CH, ts=reply["ts"])
    assert [m.text for m in emu.replies(CH, parent["ts"])] == ["second note"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=CH, ts="1.000", text="x")
    assert exc.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="CNOPE", text="x")
    assert exc.value.response["error"] == "channel_not_found"


def test_json_form_and_query_bodies_are_recorded(emu: SlackEmulator, client: WebClient) -> None:
    client.api_call("chat.postMessage", params={"channel": CH, "text": "form body"})
    client.chat_postMessage(
        channel=CH, text="json body", metadata={"event_type": "x", "event_payload": {"a": 1}}
    )
    with urllib.request.urlopen(
        f"{emu.base_url}conversations.info?channel={CH}&token={DEFAULT_TOKEN}"
    ) as resp:
        assert json.load(resp)["channel"]["id"] == CH
    posts = emu.calls_to("chat.postMessage")
    assert posts[0].params["text"] == "form body" and posts[0].http_method == "POST"
    assert posts[1].params["metadata"]["event_payload"] == {"a": 1}
    assert emu.calls_to("conversations.info")[0].http_method == "GET"


def test_conversations_info_members_users_and_dm(emu: SlackEmulator, client: WebClient) -> None:
    info = client.conversations_info(channel=CH)["channel"]
    assert info["is_ext_shared"] is False and info["is_member"] is True
    emu.set_ext_shared(CH)
    assert client.conversations_info(channel=CH)["channel"]["is_ext_shared"] is True
    members = client.conversations_members(channel=CH, limit=2)
    assert len(members["members"]) == 2 and members["response_metadata"]["next_cursor"]
    rest = client.conversations_members(
        channel=CH, cursor=members["response_metadata"]["next_cursor"]
    )
    assert set(members["members"]) | set(rest["members"]) == {"U1", "U2", emu.bot_user_id}
    assert client.users_info(user="U1")["user"]["name"] == "alice"
    with pytest.raises(SlackApiError):
        client.users_info(user="U404")
    dm = client.conversations_open(users="U2")["channel"]["id"]
    client.chat_postMessage(channel=dm, text="just for you")
    assert [m.text for m in emu.dms("U2")] == ["just for you"]


def test_ephemeral_only_to_members(emu: SlackEmulator, client: WebClient) -> None:
    client.chat_postEphemeral(channel=CH, user="U1", text="secret")
    assert emu.ephemerals_for("U1")[0]["text"] == "secret"
    assert "secret" not in emu.render_channel(CH)
    emu.add_user("U9", "outsider")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel=CH, user="U9", text="x")
    assert exc.value.response["error"] == "user_not_in_channel"
    assert "secret" in emu.render_ephemerals("U1")


def test_views_open_update_push_publish(emu: SlackEmulator, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Draft"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    opened = client.views_open(trigger_id="t1", view=modal)["view"]
    with pytest.raises(SlackApiError) as exc:  # triggers work once
        client.views_open(trigger_id="t1", view=modal)
    assert exc.value.response["error"] == "expired_trigger_id"
    modal2 = {**modal, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]}
    updated = client.views_update(view_id=opened["id"], view=modal2)["view"]
    assert (
        updated["id"] == opened["id"]
        and emu.views[opened["id"]]["blocks"][0]["text"]["text"] == "x"
    )
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id=opened["id"], view=modal2, hash="stale")
    assert exc.value.response["error"] == "hash_conflict"
    client.views_push(trigger_id="t2", view=modal)
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "q"}}],
    }
    client.views_publish(user_id="U1", view=home)
    assert emu.home["U1"]["blocks"][0]["text"]["text"] == "q"


def test_block_limits_are_enforced(emu: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(
            channel=CH,
            text="x",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}],
        )
    assert exc.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError):
        client.api_call("chat.postMessage", json={"channel": CH})  # no text, no blocks


def test_rate_limit_answers_429_with_retry_after(client: WebClient) -> None:
    now = [100.0]
    emu = SlackEmulator(rate_limit_interval=1.0, monotonic=lambda: now[0])
    emu.add_channel(CH)
    emu.start_background()
    try:
        c = WebClient(token=DEFAULT_TOKEN, base_url=emu.base_url, retry_handlers=[])
        c.chat_postMessage(channel=CH, text="one")
        with pytest.raises(SlackApiError) as exc:
            c.chat_postMessage(channel=CH, text="two")
        assert exc.value.response.status_code == 429
        assert exc.value.response.headers.get("Retry-After") == "1"
        emu.add_channel("C0OTHER")
        c.chat_postMessage(channel="C0OTHER", text="other channel is fine")
        now[0] += 1.0
        c.chat_postMessage(channel=CH, text="two")
        assert [m.text for m in emu.messages(CH)] == ["one", "two"]
    finally:
        emu.stop_background()


def test_injected_failures_plain_and_ambiguous(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail("chat.postMessage", "internal_error", status=500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=CH, text="lost")
    assert emu.messages(CH) == []
    emu.fail("chat.postMessage", "internal_error", status=500, apply=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=CH, text="posted anyway")
    assert [m.text for m in emu.messages(CH)] == ["posted anyway"]
    client.chat_postMessage(channel=CH, text="fine again")
    assert len(emu.messages(CH)) == 2


def test_history_and_replies_with_metadata(emu: SlackEmulator, client: WebClient) -> None:
    meta = {"event_type": "countersign", "event_payload": {"outbox": 7}}
    p = client.chat_postMessage(channel=CH, text="p", metadata=meta)
    client.chat_postMessage(channel=CH, text="r", thread_ts=p["ts"], metadata=meta)
    hist = client.conversations_history(channel=CH, include_all_metadata=True)
    assert hist["messages"][0]["metadata"]["event_payload"] == {"outbox": 7}
    rep = client.conversations_replies(channel=CH, ts=p["ts"], include_all_metadata=True)
    assert [m["text"] for m in rep["messages"]] == ["p", "r"]


def test_history_pages_with_a_cursor(emu: SlackEmulator, client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel=CH, text=str(i))
    first = client.conversations_history(channel=CH, limit=2)
    assert [m["text"] for m in first["messages"]] == ["4", "3"] and first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel=CH, limit=10, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["2", "1", "0"]
    assert not rest["has_more"] and rest["response_metadata"]["next_cursor"] == ""


async def test_async_api() -> None:
    async with SlackEmulator() as emu:
        emu.add_channel(CH)
        c = AsyncWebClient(token=DEFAULT_TOKEN, base_url=emu.base_url)
        r = await c.chat_postMessage(channel=CH, text="async hello")
        assert r["ok"] and emu.messages(CH)[0].text == "async hello"


def test_flatten_and_mrkdwn_rendering() -> None:
    users = {"U1": {"name": "alice"}}
    assert mrkdwn_to_text("<https://x.test|site> &lt;!here&gt; <@U1>", users) == (
        "site (https://x.test) <!here> @alice"
    )
    text = flatten_blocks(
        [
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "a"}, {"type": "plain_text", "text": "b"}],
            },
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": "*x*"}, {"type": "mrkdwn", "text": "y"}],
            },
            {"type": "divider"},
        ]
    )
    assert "a  b" in text and "x  ·  y" in text


def test_slow_failure_delay(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail("auth.test", "ok", delay=0.2, apply=True)
    started = time.monotonic()
    with pytest.raises(SlackApiError):
        client.auth_test()
    assert time.monotonic() - started >= 0.2

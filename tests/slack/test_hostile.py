"""Hostile input on ``POST /slack/events``, through the real HTTP app and the Web API
emulator: forged signatures (hypothesis), correctly signed but malformed bodies (an
explicit list of every shape that used to give a 500, then a hypothesis mutation of
real payloads), fuzzed slash-command text, SQL wildcards and injection in command
arguments, and mrkdwn injection in what is posted. Every answer is 200, 400, 401 or
404, never 500, and nothing is written but audited refusals."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.wiring import signed_headers
from tests.slack.conftest import (
    AUTHOR,
    CHANNEL,
    MARKETING,
    OUTSIDER,
    SECRET,
    TEAM,
    ingest,
)
from tests.support.hostile import FUZZ, INJECTIONS, Snapshot, json_values, settle, tally
from tests.support.relay import deliver
from workflows.actions import ActionId

CT = "application/x-www-form-urlencoded"
JSON = "application/json"
OK = (200, 400, 404)  # 404: Bolt has no listener for that (valid) kind of request


def form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def click_payload(slack: Any, user: str, action_id: str, value: str) -> dict[str, Any]:
    """The payload of a button click as the emulator's helper builds it."""
    payload: dict[str, Any] = json.loads(
        parse_qs(slack.click_body(user, action_id, value))[b"payload"][0]
    )
    return payload


def submit_payload(user: str, callback: str, metadata: str, values: Any) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0COUNTERSIGN",
        "trigger_id": f"trig-{time.monotonic_ns()}",
        "view": {
            "id": "V0HOSTILE",
            "type": "modal",
            "callback_id": callback,
            "private_metadata": metadata,
            "state": {"values": values},
        },
    }


def event_body(event: Any, **extra: Any) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0COUNTERSIGN",
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event": event,
        **extra,
    }


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: these suites are about the HTTP surface, and the whole set must run
    in about a minute; the databases' behaviour is the persistence suites' subject."""
    return sqlite_url


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Any:
    """Errors logged by the app (a listener that raised is answered 200 by Bolt)."""
    caplog.set_level(logging.ERROR)

    def read() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.levelno >= logging.ERROR and r.name.startswith("countersign")
        ]

    return read


async def send(slack: Any, body: bytes, content_type: str, suite: str) -> int:
    resp = await slack.post(body, content_type)
    await resp.read()
    await settle()
    tally(suite, resp.status)
    return int(resp.status)


# -- signatures ----------------------------------------------------------------------------

HEADER_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
forged_headers = st.one_of(
    st.fixed_dictionaries(
        {
            "X-Slack-Request-Timestamp": st.one_of(
                st.integers(-(2**40), 2**40).map(str), st.text(HEADER_CHARS, max_size=12)
            ),
            "X-Slack-Signature": st.one_of(
                st.text(HEADER_CHARS, max_size=80),
                st.from_regex(r"\Av0=[0-9a-f]{64}\Z"),
                st.from_regex(r"\Av1=[0-9a-f]{64}\Z"),
            ),
        }
    ),
    # signed with another secret, or with ours at a time more than five minutes off
    st.tuples(
        st.text(min_size=1, max_size=30).filter(lambda s: s != SECRET),
        st.integers(-3600, 3600),
    ).map(lambda p: ("other", p)),
    st.integers(301, 10**6).map(lambda off: ("stale", off)),
    st.integers(301, 10**6).map(lambda off: ("future", off)),
)


@FUZZ
@given(headers=forged_headers, kind=st.sampled_from(["command", "click", "event"]))
async def test_forged_and_expired_signatures_are_401_and_change_nothing(
    slack: Any, headers: Any, kind: str
) -> None:
    mid = ingest(slack.container)
    body = {
        "command": slack.command_body(MARKETING, f"M-{mid} Thank you"),
        "click": slack.click_body(AUTHOR, ActionId.MENTION_ASSIGN, f"M-{mid}"),
        "event": json.dumps(event_body({"type": "app_home_opened", "user": AUTHOR})).encode(),
    }[kind]
    now = int(time.time())
    if isinstance(headers, tuple) and headers[0] == "other":
        secret, off = headers[1]
        h = signed_headers(secret, body, now + off)
    elif isinstance(headers, tuple):
        off = headers[1] if headers[0] == "future" else -headers[1]
        h = signed_headers(SECRET, body, now + off)
    else:
        h = headers
    before = Snapshot.take(slack.container)
    resp = await slack.post(body, JSON if kind == "event" else CT, headers=h, sign=False)
    await settle()
    tally("slack: forged, expired signatures", resp.status)
    assert resp.status == 401
    before.assert_nothing(slack.container, h)


async def test_replayed_click_is_acknowledged_and_acts_once(slack: Any) -> None:
    """A replay of a genuine button click (not only of a command) does nothing: it gets
    the same empty acknowledgement (the replay check runs after the answer) and its work
    is dropped and counted as a refusal."""
    mid = ingest(slack.container)
    body = slack.click_body(AUTHOR, ActionId.MENTION_ASSIGN, f"M-{mid}")
    good = signed_headers(SECRET, body)
    first = await slack.post(body, CT, headers=good, sign=False)
    assert first.status == 200
    await slack.answer(AUTHOR)
    await settle()
    before = Snapshot.take(slack.container)
    answers = len(slack.ephemerals(AUTHOR))
    for _ in range(5):
        resp = await slack.post(body, CT, headers=good, sign=False)
        tally("slack: replayed signatures", resp.status)
        assert resp.status == 200
        assert await resp.text() == ""
    await settle()
    before.assert_nothing(slack.container, "replay")
    assert len(slack.ephemerals(AUTHOR)) == answers
    refused = slack.container.metrics.registry.get_sample_value(
        "countersign_auth_failures_total", {"surface": "slack"}
    )
    assert refused == 5


# -- correctly signed, malformed -------------------------------------------------------------


def malformed_bodies(slack: Any, mid: int) -> dict[str, tuple[bytes, str]]:
    """Every shape that reached Bolt and raised before (each was a 500), and more."""
    base = click_payload(slack, AUTHOR, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r1")
    bad_fields: dict[str, Any] = {
        "team list": {"team": ["x"]},
        "user list": {"user": [AUTHOR]},
        "user null": {"user": None},
        "user string": {"user": AUTHOR},
        "user id number": {"user": {"id": 5, "team_id": TEAM}},
        "actions string": {"actions": "mention_assign"},
        "actions list of strings": {"actions": ["mention_assign"]},
        "actions list of numbers": {"actions": [1, 2]},
        "actions empty": {"actions": []},
        "actions object": {"actions": {"action_id": "mention_assign"}},
        "actions null": {"actions": None},
        "action_id number": {"actions": [{"action_id": 5, "value": f"M-{mid}"}]},
        "action_id missing": {"actions": [{"value": f"M-{mid}"}]},
        "value object": {"actions": [{"action_id": "mention_assign", "value": {"a": 1}}]},
        "selected_option string": {
            "actions": [{"action_id": "template_select", "selected_option": "x"}]
        },
        "channel list": {"channel": [CHANNEL]},
        "container string": {"container": "x"},
        "authorizations string": {"authorizations": "x"},
        "authorizations of strings": {"authorizations": ["x"]},
        "enterprise list": {"enterprise": []},
        "type list": {"type": ["block_actions"]},
        "type null": {"type": None},
        "lone surrogate user": {"user": {"id": "U\ud800", "team_id": TEAM}},
        "lone surrogate value": {"actions": [{"action_id": "mention_assign", "value": "\udfff"}]},
        "huge value": {"actions": [{"action_id": "mention_assign", "value": "M-" + "9" * 900_000}]},
    }
    out: dict[str, tuple[bytes, str]] = {
        name: (form({**base, **fields}), CT) for name, fields in bad_fields.items()
    }
    views: dict[str, Any] = {
        "view missing": {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": AUTHOR}},
        "view null": {**submit_payload(AUTHOR, "draft", "", {}), "view": None},
        "view string": {**submit_payload(AUTHOR, "draft", "", {}), "view": "draft"},
        "view no callback": {
            **submit_payload(AUTHOR, "draft", "", {}),
            "view": {"id": "V1", "state": {"values": {}}},
        },
        "view without type": {
            **submit_payload(AUTHOR, "draft", "", {}),
            "view": {"id": "V1", "callback_id": "countersign_info", "state": {"values": {}}},
        },
        "view type list": {
            **submit_payload(AUTHOR, "countersign_info", "", {}),
            "view": {"id": "V1", "type": ["modal"], "callback_id": "countersign_info"},
        },
        "view state string": {
            **submit_payload(AUTHOR, "draft", "", {}),
            "view": {"callback_id": "draft", "state": "x"},
        },
        "view state.values list": {
            **submit_payload(AUTHOR, "draft", "", {}),
            "view": {"callback_id": "draft", "state": {"values": []}},
        },
        "private_metadata object": {
            **submit_payload(AUTHOR, "draft", "", {}),
            "view": {"callback_id": "draft", "private_metadata": {"m": 1}},
        },
    }
    out.update({name: (form(p), CT) for name, p in views.items()})
    home = {"type": "app_home_opened", "user": AUTHOR, "tab": "home"}
    events: dict[str, Any] = {
        "event null": event_body(None),
        "event list": event_body([home]),
        "event string": event_body("app_home_opened"),
        "event without type": event_body({"user": AUTHOR}),
        "event type list": event_body({**home, "type": ["app_home_opened"]}),
        "event user list": event_body({**home, "user": [AUTHOR]}),
        "event user object": event_body({**home, "user": {"id": AUTHOR}}),
        "team_id list": event_body(home, team_id=[TEAM]),
        "authorizations object": event_body(home, authorizations={"team_id": TEAM}),
        "challenge object": {"type": "url_verification", "challenge": {"a": 1}},
        "event_callback list": [event_body(home)],
    }
    out.update({name: (json.dumps(b).encode(), JSON) for name, b in events.items()})
    out.update(
        {
            "payload not JSON": (b"payload=%7Bnot", CT),
            "payload a list": (form([1, 2]), CT),
            "payload a string": (form("block_actions"), CT),
            "payload null": (form(None), CT),
            "payload without type": (form({"user": {"id": AUTHOR}}), CT),
            "empty body": (b"", CT),
            "form without command": (b"a=1&b", CT),
            "JSON nested 100000 deep": (b"[" * 100_000 + b"]" * 100_000, JSON),
            "payload nested 5000 deep": (
                urlencode({"payload": '{"type":"x","a":' + "[" * 5000 + "]" * 5000 + "}"}).encode(),
                CT,
            ),
            "JSON lone surrogate": (
                b'{"type":"event_callback","team_id":"T1","event":{"type":"app_home_opened",'
                b'"user":"\\ud800"}}',
                JSON,
            ),
            "JSON with a NUL": (json.dumps(event_body({**home, "user": "U\x00"})).encode(), JSON),
            "not UTF-8": (b"\xff\xfe" + b"payload=x", CT),
        }
    )
    return out


async def test_malformed_signed_bodies_are_4xx_and_write_nothing(slack: Any, errors: Any) -> None:
    from workflows.services import reporting
    from workflows.types import Actor

    mid = ingest(slack.container)
    await slack.command(AUTHOR, f"M-{mid} Thank you for the feedback.")
    await slack.answer(AUTHOR)
    await settle()
    assert len(reporting.status(slack.container.deps, Actor.cli(), mid).revisions) == 1
    statuses: dict[str, int] = {}
    for name, (body, ct) in malformed_bodies(slack, mid).items():
        before = Snapshot.take(slack.container)
        statuses[name] = await send(slack, body, ct, "slack: malformed signed bodies (list)")
        assert statuses[name] in OK, name
        before.assert_only_refusals(slack.container, name)
    assert statuses["actions string"] == 400 and statuses["event null"] == 400
    assert statuses["team list"] == 400 and statuses["JSON nested 100000 deep"] == 400
    assert statuses["JSON lone surrogate"] == 400 and statuses["not UTF-8"] == 400
    assert not errors()


async def test_unknown_action_id_is_answered_and_audited(slack: Any) -> None:
    """A signed click on a button this version does not know is answered "out of date"
    and audited as a refusal (it used to get Bolt's bare 404)."""
    mid = ingest(slack.container)
    before = Snapshot.take(slack.container)
    resp = await slack.post(
        form(click_payload(slack, AUTHOR, "reply_delete_everything", f"M-{mid}")), CT
    )
    assert resp.status == 200
    assert "out of date" in await slack.answer(AUTHOR)
    await settle()
    assert before.assert_only_refusals(slack.container) == 1


# -- hypothesis: real payloads with one field replaced by anything ---------------------------


PATHS = (
    ("type",),
    ("team",),
    ("team", "id"),
    ("user",),
    ("user", "id"),
    ("user", "team_id"),
    ("channel",),
    ("container",),
    ("trigger_id",),
    ("actions",),
    ("actions", 0),
    ("actions", 0, "action_id"),
    ("actions", 0, "value"),
    ("view",),
    ("view", "callback_id"),
    ("view", "type"),
    ("view", "private_metadata"),
    ("view", "state"),
    ("view", "state", "values"),
    ("view", "id"),
    ("event",),
    ("event", "type"),
    ("event", "user"),
    ("event", "tab"),
    ("team_id",),
    ("authorizations",),
    ("response_url",),
)


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> bool:
    for key in path[:-1]:
        try:
            doc = doc[key]
        except (KeyError, IndexError, TypeError):
            return False
    try:
        doc[path[-1]] = value
    except (IndexError, TypeError):
        return False
    return True


@FUZZ
@given(
    template=st.sampled_from(["signoff", "assign_outsider", "draft", "reason", "home"]),
    path=st.sampled_from(PATHS),
    value=json_values,
)
async def test_fuzzed_payload_fields_never_500_nor_write(
    slack: Any, errors: Any, template: str, path: tuple[Any, ...], value: Any
) -> None:
    # Every template is something its sender may not do (AUTHOR has no risk role;
    # OUTSIDER is not in the channel), so any change at all would be a defect.
    mid = ingest(slack.container)
    ref = f"M-{mid}"
    doc: dict[str, Any] = {
        "signoff": lambda: click_payload(slack, AUTHOR, ActionId.REPLY_SIGNOFF_RISK, f"{ref}:r1"),
        "assign_outsider": lambda: click_payload(slack, OUTSIDER, ActionId.MENTION_ASSIGN, ref),
        "draft": lambda: submit_payload(
            OUTSIDER,
            "draft",
            f"{ref}:r0",
            {"draft_text": {"text": {"type": "plain_text_input", "value": "Thanks"}}},
        ),
        "reason": lambda: submit_payload(
            AUTHOR,
            "reason",
            f"takedown|{ref}",
            {"reason": {"reason": {"type": "plain_text_input", "value": "because"}}},
        ),
        "home": lambda: event_body({"type": "app_home_opened", "user": OUTSIDER, "tab": "home"}),
    }[template]()
    _replace(doc, path, value)
    body, ct = (json.dumps(doc).encode(), JSON) if template == "home" else (form(doc), CT)
    before = Snapshot.take(slack.container)
    status = await send(slack, body, ct, "slack: fuzzed payload fields (hypothesis)")
    assert status in OK
    before.assert_only_refusals(slack.container, (template, path, value))
    assert not errors()


# -- slash-command text ----------------------------------------------------------------------

command_text = st.one_of(
    st.text(max_size=200),
    st.tuples(
        st.sampled_from(
            ["", "M-1 ", "status ", "takedown M-1 ", "roles add ", "check ", "queue ", "draft "]
        ),
        st.text(max_size=80),
    ).map("".join),
)


@FUZZ
@given(text=command_text)
async def test_fuzzed_command_text_from_an_outsider(slack: Any, errors: Any, text: str) -> None:
    ingest(slack.container)
    body = slack.command_body(OUTSIDER, text)
    before = Snapshot.take(slack.container)
    status = await send(slack, body, CT, "slack: fuzzed /reply text (hypothesis)")
    assert status == 200
    before.assert_only_refusals(slack.container, text)
    assert not errors()


async def test_sql_wildcards_and_injection_in_command_arguments(slack: Any, errors: Any) -> None:
    """Arguments are ids read by a strict pattern and bound as parameters: wildcards
    and SQL in an id's place match nothing and change nothing; as draft text they are
    stored exactly as typed, on that mention only."""
    from workflows.services import reporting
    from workflows.types import Actor

    mid = ingest(slack.container)
    other = ingest(slack.container, 2)
    forms = (
        "status {x}",
        "takedown {x} because",
        "roles add {x} risk",
        "roles remove {x} marketing",
        f"M-{mid}{{x}} hello",
    )
    for arg in INJECTIONS:
        for f in forms:
            for user in ("U0ADMIN",):
                before = Snapshot.take(slack.container)
                status = await send(
                    slack,
                    slack.command_body(user, f.format(x=arg)),
                    CT,
                    "slack: SQL wildcards and injection",
                )
                assert status == 200
                before.assert_only_refusals(slack.container, (user, f, arg))
    # As draft text (and Bolt's old reading of any form containing "payload").
    texts = [*INJECTIONS, "our payload=1&x is fine", "payload"]
    for text in texts:
        n = len(slack.ephemerals(MARKETING))
        status = await send(
            slack,
            slack.command_body(MARKETING, f"M-{mid} Sorry. {text}"),
            CT,
            "slack: SQL wildcards and injection",
        )
        assert status == 200
        await slack.answer(MARKETING, n)
        latest = reporting.status(slack.container.deps, Actor.cli(), mid).revisions[-1]
        assert latest.text == f"Sorry. {text}".strip()
    cli = Actor.cli()
    assert len(reporting.status(slack.container.deps, cli, mid).revisions) == len(texts)
    assert reporting.status(slack.container.deps, cli, other).revisions == ()
    assert not errors()


MARKUP = (
    "<!channel> <!here> <!everyone> <@U0RISK> <#C0REVIEW> <!subteam^S123>",
    "*bold* _it_ ~s~ `code` ```block``` <https://evil.example|Click to verify>",
    '{"type":"AdaptiveCard","body":[{"type":"TextBlock","text":"x"}]}',
    "&lt;!channel&gt; &amp;lt; \u202eevil\u202c \u200b<!channel>",
)


async def test_mrkdwn_injection_in_drafts_is_inert_in_the_channel(slack: Any) -> None:
    """Text a person typed (a draft) is shown in the channel, never as live markup."""
    for i, text in enumerate(MARKUP):
        mid = ingest(slack.container, i)
        n = len(slack.ephemerals(AUTHOR))
        await slack.command(AUTHOR, f"M-{mid} Thank you. {text}")
        await slack.answer(AUTHOR, n)
        tally("slack: mrkdwn injection")
    await settle()
    await asyncio.to_thread(deliver, slack.container)
    raw = slack.emulator.raw_channel_payloads(CHANNEL)
    assert raw
    for call in slack.emulator.calls_to("chat.postMessage") + slack.emulator.calls_to(
        "chat.update"
    ):
        for text in _texts(call.params):
            stripped = QUOTE.sub("", OWN_TOKEN.sub("", text))
            assert "<" not in stripped and ">" not in stripped, text
    for token in ("<!channel>", "<!here>", "<!everyone>", "<@U0RISK>", "<https://evil"):
        assert token not in raw


# Our own live tokens in these messages: the emulator's user ids, <!date^…> times and
# the sanitised "Open on …" links (tests/slack/test_blocks.py has the same for its ids).
OWN_TOKEN = re.compile(
    r"<@U0(?:AUTHOR2?|MKT|RISK|ADMIN)>"
    r"|<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9: -]+UTC>"
    r"|<https?://[^\s<>|]+\|(?:Open on [A-Za-z0-9 ._-]+|Open the review(?: on [A-Za-z0-9 ._-]+)?)>"
)
QUOTE = re.compile(r"(?m)^>(?: |$)")


def _texts(params: dict[str, Any]) -> list[str]:
    """Every mrkdwn/plain text field of a postMessage/update call."""
    from bot.slack.blocks import text_fields

    out = [str(params.get("text") or "")]
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    out += text_fields(blocks or [])
    return out


async def test_oversized_body_is_413_before_the_signature(slack: Any) -> None:
    before = Snapshot.take(slack.container)
    big = b"payload=" + b"x" * (1024 * 1024)
    for sign in (True, False):
        resp = await slack.post(big, CT, sign=sign)
        tally("all endpoints: oversized bodies", resp.status)
        assert resp.status == 413
    before.assert_nothing(slack.container)

"""Privacy, end to end: a unique marker typed into mentions and drafts reaches Slack and
Teams (they are the chat surface) and nowhere else. The real HTTP app, with the Slack
emulator and the fake Bot Connector, logging configured by ``configure_logging`` at
DEBUG; the marker travels every path (the signed webhook, a file import with a rejected
row, Slack command and modal drafts, a Teams draft, a blocked draft, refusals, malformed
requests, a dependency that fails with the marker in its message, an audit export), then
the logs, ``/metrics``, the export, the outbox payloads, the raw database and the
buttons the app sent are searched for it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import secrets
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text

from sandbox.bot_connector import FakeConnector
from sandbox.slack_emulator import SlackEmulator
from tests.conftest import make_settings
from tests.slack import conftest as sl
from tests.support.fakes import FakeScreen, FixedSentiment
from tests.teams import conftest as tm
from web.server import webhook_signature
from workflows.actions import ActionId
from workflows.phi.types import MentionContext, OrgContext, ScreenResult

WEBHOOK_SECRET = "whsec-test"
EXPLODE = "EXPLODE"  # a text carrying this makes the injected dependencies fail


# ----------------------------------------------------------------------------- detector


def new_marker() -> str:
    """Mixed case and one non-ASCII letter, so lower-casing, URL- and JSON-escaping all
    change it."""
    return f"Pv{secrets.token_hex(5)}Mk\u00e9{secrets.token_hex(3)}Zr"


def variants(marker: str) -> set[str]:
    escaped = json.dumps(marker)[1:-1]
    return {
        marker,
        marker.lower(),
        marker.upper(),
        quote(marker),
        quote_plus(marker),
        quote(marker).lower(),
        escaped,
        escaped.lower(),
        marker.encode("unicode_escape").decode("ascii"),
    }


def leaks(marker: str, haystack: str | bytes) -> list[str]:
    """The forms of ``marker`` found in ``haystack`` (text, or bytes read as UTF-8,
    UTF-16 and Latin-1)."""
    if isinstance(haystack, bytes):
        texts = [haystack.decode(enc, "ignore") for enc in ("utf-8", "utf-16-le", "latin-1")]
    else:
        texts = [haystack]
    found = set()
    for t in texts:
        found |= {v for v in variants(marker) if v in t}
        found |= {v for v in variants(marker) if v.lower() in t.lower()}
    return sorted(found)


def test_detector_sees_every_form() -> None:
    m = new_marker()
    for form in (
        m,
        m.lower(),
        json.dumps({"t": m}),
        urlencode({"t": m}),
        f"x{m}y".encode(),
        m.encode("utf-16-le"),
    ):
        assert leaks(m, form), form
    assert not leaks(m, "nothing here " + m[:-1])


# ----------------------------------------------------------------------------- fakes


class ExplodingScreen(FakeScreen):
    """The FakeScreen, except that a draft saying EXPLODE makes it fail, quoting it."""

    def screen(
        self, reply: str, mention: MentionContext, org: OrgContext | None = None
    ) -> ScreenResult:
        if EXPLODE in reply:
            raise RuntimeError(f"screen crashed on {reply!r}")
        return super().screen(reply, mention, org)


class ExplodingSentiment(FixedSentiment):
    def score(self, text: str) -> float | None:
        if EXPLODE in text:
            try:
                raise KeyError(text)
            except KeyError as inner:  # a chained error: both messages carry the text
                raise ValueError(f"cannot score {text}") from inner
        return super().score(text)


# ----------------------------------------------------------------------------- fixtures


class Streams:
    def __init__(self) -> None:
        self.stdout, self.stderr, self.handler = io.StringIO(), io.StringIO(), io.StringIO()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Streams]:
    """sys.stdout and sys.stderr replaced by buffers, then logging configured by the app
    at DEBUG (so onto that stderr), plus a second root handler with the app's own
    formatter into a third buffer; all restored afterwards."""
    from app import configure_logging

    streams = Streams()
    monkeypatch.setattr(sys, "stdout", streams.stdout)
    monkeypatch.setattr(sys, "stderr", streams.stderr)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.raiseExceptions)
    configure_logging("DEBUG")
    extra = logging.StreamHandler(streams.handler)
    extra.setFormatter(root.handlers[0].formatter)
    root.addHandler(extra)
    yield streams
    root.handlers[:], lvl, logging.raiseExceptions = saved
    root.setLevel(lvl)
    structlog.reset_defaults()


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    emu = SlackEmulator(token=sl.TOKEN, team_id=sl.TEAM, rate_limit_interval=None)
    await emu.start()
    for uid in (sl.AUTHOR, sl.AUTHOR2, sl.MARKETING, sl.RISK, sl.ADMIN, sl.OUTSIDER):
        emu.add_user(uid, uid.lower()[2:])
    emu.add_channel(sl.CHANNEL, "reviews", members=sl.MEMBERS)
    yield emu
    await emu.stop()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    members = {tm.from_id(u) for u in (tm.AUTHOR, tm.AUTHOR2, tm.MARKETING, tm.RISK, tm.ADMIN)}
    for conv in (tm.CHANNEL, tm.GENERAL, tm.TEAM):
        fake.members[conv] = set(members)
    yield fake
    await fake.stop()


@pytest.fixture
def container(db_url: str, clock: Any, emulator: SlackEmulator) -> Iterator[Any]:
    from app import build_container
    from workflows.services import roles
    from workflows.types import Actor

    settings = make_settings(
        db_url,
        HOST="127.0.0.1",
        SLACK_BOT_TOKEN=sl.TOKEN,
        SLACK_SIGNING_SECRET=sl.SECRET,
        SLACK_CHANNEL_ID=sl.CHANNEL,
        SLACK_API_BASE_URL=emulator.base_url,
        SLACK_TEAM_ID=sl.TEAM,
        TEAMS_AUTH_DISABLED=True,
        TEAMS_APP_TENANT_ID=tm.TENANT,
        TEAMS_CHANNEL_ID=tm.CHANNEL,
    )
    c = build_container(
        settings, screen=ExplodingScreen(), clock=clock, sentiment=ExplodingSentiment()
    )
    cli = Actor.cli("test")
    for member, role in (
        (f"slack:{sl.MARKETING}", "marketing"),
        (f"slack:{sl.RISK}", "risk"),
        (f"slack:{sl.ADMIN}", "admin"),
        (f"teams:{tm.aad(tm.MARKETING)}", "marketing"),
        (f"teams:{tm.aad(tm.RISK)}", "risk"),
    ):
        roles.add_role(c.deps, cli, member, role)
    yield c
    c.close()


# ----------------------------------------------------------------------------- helpers


def _webhook_headers(body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Countersign-Signature": webhook_signature(secret, body),
    }


def _mention(marker: str, n: int, *, author: str = "Dana Example", **kw: Any) -> dict[str, Any]:
    return {
        "source": "listening",
        "external_id": f"priv-{n}",
        "platform": "google",
        "author": author,
        "text": f"Awful visit, nobody listened {marker}",
        "url": f"https://example.org/r/{n}",
        "rating": 1,
        **kw,
    }


def _cli_env(db_url: str, tmp_path: Path) -> dict[str, str | None]:
    """The command line's environment as tests/integration/test_cli.py builds it, at DEBUG."""
    from tests.integration.test_cli import _env

    return dict(_env(db_url, tmp_path, LOG_LEVEL="DEBUG"))


class Ran:
    def __init__(self, result: Any) -> None:
        self.returncode = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr

    def __repr__(self) -> str:
        return f"exit {self.returncode}\n{self.stdout}\n{self.stderr}"


def _cli(env: dict[str, str | None], *args: str) -> Ran:
    """`python app.py …` in process (a subprocess costs seconds of imports): the command
    configures logging itself, onto the runner's captured stderr."""
    from typer.testing import CliRunner

    from cli.commands import cli

    return Ran(CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False))


def _walk(obj: Any, keys: frozenset[str], out: list[str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys and isinstance(v, str | int):
                out.append(f"{k}={v}")
            _walk(v, keys, out)
    elif isinstance(obj, list):
        for v in obj:
            _walk(v, keys, out)


SLACK_MACHINE_KEYS = frozenset(
    {"value", "action_id", "block_id", "private_metadata", "callback_id", "external_id"}
)


def slack_button_values(emulator: SlackEmulator) -> list[str]:
    """Every button value, action id, block id, view metadata and message metadata the
    app sent to Slack (the machine-read parts, not the text people read)."""
    out: list[str] = []
    for call in emulator.calls:
        params = call.params
        for key in ("blocks", "view", "attachments"):
            value = params.get(key)
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    out.append(value)
                    continue
            _walk(value, SLACK_MACHINE_KEYS, out)
        metadata = params.get("metadata")
        if metadata is not None:
            out.append(json.dumps(metadata, ensure_ascii=False))
    return out


def teams_action_data(connector: FakeConnector) -> list[str]:
    """Every Action.Execute/Submit data object and card id the app sent to Teams."""
    out: list[str] = []

    def actions(obj: Any) -> None:
        if isinstance(obj, dict):
            if str(obj.get("type", "")).startswith("Action."):
                out.append(json.dumps(obj.get("data"), ensure_ascii=False))
                out.append(str(obj.get("verb", "")))
                out.append(str(obj.get("id", "")))
            for v in obj.values():
                actions(v)
        elif isinstance(obj, list):
            for v in obj:
                actions(v)

    for sent in connector.sent:
        for card in sent.cards:
            actions(card)
        out.append(json.dumps(sent.activity.get("channelData"), ensure_ascii=False))
        out.append(json.dumps(sent.activity.get("value"), ensure_ascii=False))
    return out


def database_dump(db_url: str) -> dict[str, bytes]:
    """SQLite: the raw bytes of the database file and its journals. PostgreSQL: every
    row of every table in the public schema, as text."""
    if db_url.startswith("sqlite"):
        path = Path(db_url.split("///", 1)[1])
        files = [path, *(Path(f"{path}{sfx}") for sfx in ("-wal", "-shm", "-journal"))]
        return {f.name: f.read_bytes() for f in files if f.exists()}
    eng = create_engine(db_url)
    out: dict[str, bytes] = {}
    try:
        with eng.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
            ).scalars()
            for table in list(tables):
                rows = conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()
                out[table] = "\n".join(rows).encode()
    finally:
        eng.dispose()
    return out


def unpace_slack(container: Any) -> None:
    """The Slack poster paces posts to about one a second per channel; not here."""
    from bot.slack.poster import SlackPoster

    for handler in container.relay.handlers["chat"].values():
        poster = getattr(handler, "__self__", None)
        if isinstance(poster, SlackPoster):
            poster.per_second, poster.burst, poster.sleep = 1000.0, 1000, lambda _s: None


async def _wait(cond: Any, wait: float = 10.0) -> None:
    deadline = time.monotonic() + wait
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the condition")
        await asyncio.sleep(0.02)


# ----------------------------------------------------------------------------- the test


async def test_marker_reaches_chat_and_nowhere_else(
    db_url: str,
    container: Any,
    emulator: SlackEmulator,
    connector: FakeConnector,
    captured: Streams,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from app import build_http_app

    marker = new_marker()
    started = time.monotonic()
    client = TestClient(TestServer(build_http_app(container), host="127.0.0.1"))
    unpace_slack(container)
    await client.start_server()
    slack = sl.Slack(client, emulator, container)
    teams = tm.Teams(client, connector, container)
    answered: dict[str, int] = {}

    async def slack_said(user: str) -> str:
        n = answered.get(user, 0)
        answered[user] = n + 1
        return await slack.answer(user, n)

    async def deliver() -> None:
        await teams.deliver()

    try:
        # 1. the webhook: marker in the text and the author; one whose scoring fails
        body = json.dumps(
            [
                _mention(marker, 1, author=f"Dana {marker}"),
                _mention(marker, 2),
                _mention(marker, 3),
            ]
        ).encode()
        r = await client.post("/webhooks/mentions", data=body, headers=_webhook_headers(body))
        assert r.status == 202, await r.text()
        m1, m2, m3 = (m["id"] for m in (await r.json())["mentions"])
        body = json.dumps(_mention(f"{EXPLODE} {marker}", 4)).encode()
        r = await client.post("/webhooks/mentions", data=body, headers=_webhook_headers(body))
        assert r.status == 500

        # 2. malformed webhooks carrying the marker
        bad_bodies = [
            f'{{"text": "{marker}", '.encode(),  # not JSON
            b'{"text": "\xff\xfe ' + marker.encode() + b'"}',  # not UTF-8
            json.dumps(_mention(marker, 5, text=f"\ud800 {marker}")).encode(),  # lone surrogate
            json.dumps(_mention(marker, 6, text=f"{marker}\x07")).encode(),  # control char
            json.dumps(_mention(marker, 7, url=f"javascript:{marker}")).encode(),
            json.dumps({"mentions": marker, marker: marker}).encode(),
        ]
        for bad in bad_bodies:
            r = await client.post("/webhooks/mentions", data=bad, headers=_webhook_headers(bad))
            assert r.status == 400, bad
        wrong = json.dumps(_mention(marker, 8)).encode()
        r = await client.post(
            "/webhooks/mentions", data=wrong, headers=_webhook_headers(wrong, "not-the-secret")
        )
        assert r.status == 401
        await deliver()
        await _wait(lambda: marker in emulator.raw_channel_payloads(sl.CHANNEL))

        # 3. Slack: a slash-command draft (blocked: the marker names the reviewer, and
        # next to a PHI word), a clean one, a modal draft, a failing screen, refusals
        await slack.command(sl.AUTHOR, f"{m1} We reviewed your chart, {marker}")
        assert "blocked" in await slack_said(sl.AUTHOR)
        await slack.command(sl.AUTHOR, f"{m2} Thank you {marker}, please call us.")
        assert "passed the PHI screen" in await slack_said(sl.AUTHOR)
        await slack.command(sl.AUTHOR, f"{m2} {EXPLODE} {marker}")
        await slack_said(sl.AUTHOR)
        await slack.command(sl.AUTHOR, f"check your diagnosis {marker}")
        assert "would block" in await slack_said(sl.AUTHOR)
        await slack.command(sl.OUTSIDER, f"{m2} Outsider reply {marker}")
        await slack_said(sl.OUTSIDER)
        await slack.command(sl.AUTHOR, f"{m2} Other workspace {marker}", team="T0OTHER")
        await slack.click(sl.AUTHOR2, ActionId.REPLY_SIGNOFF_MARKETING, f"{m2}:r1")
        await slack_said(sl.AUTHOR2)
        await slack.click(sl.AUTHOR, ActionId.REPLY_SIGNOFF_RISK, f"{m2}:r1:{marker}")
        await slack.click(sl.AUTHOR, f"not_an_action_{marker}", marker)

        await slack.click(sl.AUTHOR2, ActionId.MENTION_DRAFT, m3)
        view = await slack.opened_view()
        values = {"draft_text": {"text": {"type": "plain_text_input", "value": ""}}}
        values["draft_text"]["text"]["value"] = f"We reviewed your chart {marker}"
        r = await slack.submit(sl.AUTHOR2, view, values)
        assert (await r.json())["response_action"] == "errors"
        values["draft_text"]["text"]["value"] = f"Sorry to hear it {marker}. Call us."
        r = await slack.submit(sl.AUTHOR2, view, values)
        assert (await r.json())["response_action"] == "update"
        values["draft_text"]["text"]["value"] = f"{EXPLODE} {marker}"
        r = await slack.submit(sl.AUTHOR2, view, values)
        assert r.status == 200

        # the approvers sign the clean Slack draft of m2: approved, publish job queued
        await slack.click(sl.MARKETING, ActionId.REPLY_SIGNOFF_MARKETING, f"{m2}:r1")
        await slack_said(sl.MARKETING)
        await slack.click(sl.RISK, ActionId.REPLY_SIGNOFF_RISK, f"{m2}:r1")
        await slack_said(sl.RISK)

        # 4. malformed Slack requests
        cmd = slack.command_body(sl.AUTHOR, f"{m2} {marker}")
        r = await slack.post(cmd, "application/x-www-form-urlencoded", sign=False)
        assert r.status == 401
        r = await slack.post(
            cmd,
            "application/x-www-form-urlencoded",
            headers={"X-Slack-Signature": "v0=" + "0" * 64},
        )
        assert r.status == 401
        r = await slack.post(
            f'{{"type": "event_callback", "x": "{marker}"'.encode(), "application/json"
        )
        assert r.status >= 400
        r = await slack.post(b"\xff\xfe" + cmd, "application/x-www-form-urlencoded")
        assert r.status >= 400
        r = await slack.post(
            urlencode({"payload": f'{{"type": "{marker}"'}).encode(),
            "application/x-www-form-urlencoded",
        )
        assert r.status >= 400

        # 5. Teams: a draft in personal chat, a blocked one, a failing screen, a refusal,
        # malformed activities
        conv = tm.personal(tm.AUTHOR)
        before = len(connector.sent)
        await teams.say(tm.AUTHOR, f"draft {m3} We are sorry, {marker}.", conversation=conv)
        await teams.say(tm.AUTHOR, f"draft {m3} Your chart says {marker}", conversation=conv)
        await teams.say(tm.AUTHOR, f"draft {m3} {EXPLODE} {marker}", conversation=conv)
        await teams.say(tm.OUTSIDER, f"draft {m3} {marker}", conversation=tm.personal(tm.OUTSIDER))
        await teams.say(tm.AUTHOR, f"draft {m3} {marker}", tenant=tm.OTHER_TENANT)
        await teams.click(tm.AUTHOR2, "reply_signoff_marketing", f"{m3}:r1")
        await teams.click(tm.AUTHOR, "reply_signoff_risk", f"{m3}:{marker}")
        await _wait(lambda: len(connector.sent) > before + 3)
        r = await client.post(
            "/api/messages",
            data=f'{{"type": "message", "text": "{marker}"'.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status >= 400
        r = await client.post(
            "/api/messages",
            data=b'{"type": "message", "text": "\xff ' + marker.encode() + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert r.status >= 400
        r = await teams.post({"type": "message", "text": marker, "from": marker})
        assert r.status < 500
        await deliver()

        # 6. /metrics
        r = await client.get("/metrics")
        assert r.status == 200
        metrics = await r.text()
    finally:
        await client.close()

    # 7. the command line: an import with a rejected row, an export without text
    env = _cli_env(db_url, tmp_path)
    rows = tmp_path / "import.jsonl"
    rows.write_text(
        "\n".join(
            [
                json.dumps(_mention(marker, 20, author=f"Imported {marker}")),
                json.dumps(_mention(marker, 21, rating=f"five {marker}")),
                json.dumps(_mention(marker, 22, text=f"\ud800{marker}")),
                f'{{"text": "{marker}"',
            ]
        ),
        encoding="utf-8",
    )
    imported = _cli(env, "mentions", "import", str(rows))
    assert "imported 1" in imported.stdout and "rejected 3" in imported.stdout, imported
    table = tmp_path / "import.csv"
    with table.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(_mention(marker, 0)))
        writer.writeheader()
        writer.writerow(_mention(marker, 30))
        writer.writerow(_mention(marker, 31, rating=marker))
    imported_csv = _cli(env, "mentions", "import", str(table))
    assert "imported 1" in imported_csv.stdout, imported_csv
    export = _cli(env, "audit", "export")
    export_csv = _cli(env, "audit", "export", "--format", "csv")
    assert export.returncode == 0 and export_csv.returncode == 0, export.stderr
    assert '"action": "revision.created"' in export.stdout

    # what the chat surfaces received: the marker is there (the detector works)
    slack_seen = emulator.raw_channel_payloads(sl.CHANNEL)
    assert leaks(marker, slack_seen), "the mention should have been posted to Slack"
    assert any(leaks(marker, s.dump) for s in connector.sent), "Teams should have the draft"

    from workflows.services import reporting
    from workflows.types import Actor

    stored = reporting.status(container.deps, Actor.cli(), int(m1[2:]))
    assert leaks(marker, stored.mention.text or ""), "the text is stored, decryptable"
    assert leaks(marker, stored.mention.author), "the author is stored, decryptable"
    container.engine.dispose()
    with create_engine(db_url).connect() as conn:
        raw_payloads = conn.execute(text("SELECT payload FROM outbox")).scalars().all()

    out, err = capfd.readouterr()  # anything written to the file descriptors
    places: dict[str, str | bytes] = {
        "sys.stderr": captured.stderr.getvalue(),
        "sys.stdout": captured.stdout.getvalue(),
        "fd 1 and 2": out + err,
        "log handler": captured.handler.getvalue(),
        "/metrics": metrics,
        "import (stdout, stderr)": imported.stdout + imported.stderr,
        "csv import (stdout, stderr)": imported_csv.stdout + imported_csv.stderr,
        "export": export.stdout + export.stderr,
        "csv export": export_csv.stdout + export_csv.stderr,
        "outbox.payload": "\n".join(str(p) for p in raw_payloads),
        "Slack button values and metadata": "\n".join(slack_button_values(emulator)),
        "Teams card action data": "\n".join(teams_action_data(connector)),
    }
    for name, content in database_dump(db_url).items():
        places[f"database {name}"] = content
    found = {name: leaks(marker, content) for name, content in places.items()}
    assert {k: v for k, v in found.items() if v} == {}
    # the log stream is not empty: the paths above were logged, just without the text
    assert "message withheld" in captured.handler.getvalue()
    assert "message withheld" in captured.stderr.getvalue()
    assert time.monotonic() - started < 30

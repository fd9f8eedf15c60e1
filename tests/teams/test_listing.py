"""Teams bursts: listed in listing cards (ids, severity, platform, age; no author or
text) at the poster's pace, every mention within two simulated minutes, none listed
twice; "Open a mention" posts the mention's own card once; a failed listing post loses
nothing."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest

from sandbox.bot_connector import FakeConnector
from tests.teams.conftest import AUTHOR, CHANNEL, GENERAL, Teams
from workflows.services import chat, mentions
from workflows.types import MentionInput

BURST = 1000


def _ingest(container: Any, n: int) -> list[int]:
    results = mentions.ingest(
        container.deps,
        [
            MentionInput(
                source="webhook",
                external_id=f"burst-{i}",
                platform="google",
                author="Pat Q **bold** <at>Boss</at>",
                text="Rude staff zqxmarker",
                url="https://example.test/r",
                rating=1,
            )
            for i in range(n)
        ],
    )
    return [r.id for r in results]


def _paced(teams: Teams, clock: Any) -> tuple[Any, list[float]]:
    """The app's Teams poster on the fake clock, one post a second, recording when each
    listing card was sent."""
    from bot.teams.wiring import TEAMS_POSTER_KEY

    def now() -> float:
        return float(clock.now.timestamp())

    poster = teams.client.server.app[TEAMS_POSTER_KEY]
    poster.per_second, poster.digest_threshold = 1.0, 3
    poster.wall_clock = now
    poster.sleep = lambda s: clock.advance(seconds=s)
    sent_at: list[float] = []
    send = poster.connector.send

    def recording(service_url: str, conversation: str, activity: Any) -> str:
        if "arrived together" in str(activity.summary or ""):
            sent_at.append(now())
        return str(send(service_url, conversation, activity))

    poster.connector.send = recording
    return poster, sent_at


def _listed(connector: FakeConnector) -> list[int]:
    """Mention ids in every listing card's choices, in order (repeats kept)."""
    out: list[int] = []
    for sent in connector.posts(CHANNEL):
        for card in sent.cards:
            for item in card.get("body", []):
                if item.get("type") == "Input.ChoiceSet":
                    out += [int(c["value"].removeprefix("M-")) for c in item["choices"]]
    return out


async def _drain(teams: Teams, clock: Any, *, seconds: int) -> None:
    for _ in range(seconds):
        while await teams.deliver():
            pass
        if not _pending(teams):
            return
        clock.advance(seconds=1)


def _last_errors(teams: Teams) -> list[str]:
    from sqlalchemy import select

    from models.tables import OutboxMessage

    with teams.container.deps.uow() as uow:
        return [str(e) for e in uow.session.execute(select(OutboxMessage.last_error)).scalars()]


def _pending(teams: Teams) -> bool:
    from sqlalchemy import func, select

    from models.tables import OutboxMessage

    with teams.container.deps.uow() as uow:
        n = uow.session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.topic == "chat.mention_new")
        ).scalar_one()
    return bool(n)


async def test_a_burst_is_listed_in_cards_within_two_minutes_and_opens_once(
    teams: Teams, connector: FakeConnector, clock: Any
) -> None:
    await teams.install(conversation=GENERAL)  # where the service URL comes from
    _poster, sent_at = _paced(teams, clock)
    ids = _ingest(teams.container, BURST)
    start = clock.now.timestamp()
    await _drain(teams, clock, seconds=120)
    assert not _pending(teams)
    assert clock.now.timestamp() - start <= 120
    own = [
        int(m.group(1))
        for s in connector.posts(CHANNEL)
        for m in [re.match(r"M-(\d+):", str(s.activity.get("summary") or ""))]
        if m
    ]
    listed = _listed(connector)
    assert len(listed) == len(set(listed)), "a mention listed twice"
    assert sorted([*own, *listed]) == sorted(ids), "every mention visible exactly once"
    assert len(own) == 3 and len(sent_at) == -(-(BURST - 3) // 100)
    assert all(b - a >= 0.99 for a, b in itertools.pairwise(sent_at))
    cards = [c for s in connector.posts(CHANNEL) for c in s.cards if "arrived together" in str(c)]
    dumped = json.dumps(cards)
    assert "Pat Q" not in dumped and "zqxmarker" not in dumped and "<at>" not in dumped
    (action,) = cards[0]["actions"]
    assert action["type"] == "Action.Execute" and action["verb"] == "digest_open"

    # Opening a listed mention (twice) posts its own card once, with its buttons.
    target = ids[500]
    before = len(connector.posts(CHANNEL))
    for _ in range(2):
        answer = await teams.click(AUTHOR, "digest_open", f"M-{target}")
        assert answer.status == 200
    for _ in range(3):
        await teams.deliver()
        clock.advance(seconds=1)
    mine = [s for s in connector.posts(CHANNEL) if f"M-{target}:" in str(s.activity.get("summary"))]
    assert len(mine) == 1 and len(connector.posts(CHANNEL)) == before + 1
    assert "mention_draft" in json.dumps(mine[0].cards)
    thread = chat.get_thread(teams.container.deps, target, "teams")
    assert thread is not None and thread.ts == mine[0].activity_id


@pytest.mark.parametrize("status", [500])
async def test_a_failed_listing_post_loses_no_mention(
    teams: Teams, connector: FakeConnector, clock: Any, status: int
) -> None:
    await teams.install(conversation=GENERAL)
    _paced(teams, clock)
    ids = _ingest(teams.container, 3)
    await teams.deliver()  # three own cards
    connector.fail_next.append(status)  # then the first listing's post fails
    ids += [
        r.id
        for r in mentions.ingest(
            teams.container.deps,
            [
                MentionInput("webhook", f"more-{i}", "google", "Pat Q", "Rude", rating=1)
                for i in range(27)
            ],
        )
    ]
    await _drain(teams, clock, seconds=30)
    assert not _pending(teams), _last_errors(teams)
    listed = set(_listed(connector))
    own = {
        int(m.group(1))
        for s in connector.posts(CHANNEL)
        for m in [re.match(r"M-(\d+):", str(s.activity.get("summary") or ""))]
        if m
    }
    assert own | listed == set(ids)
    for mid in listed:
        thread = chat.get_thread(teams.container.deps, mid, "teams")
        assert thread is not None and (thread.conversation_ref or {}).get("digest_ts")

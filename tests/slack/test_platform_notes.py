"""Publisher notes reach the Slack thread: a mention polled from a fake Google Business
Profile is published back through the API, and an edit made on Google afterwards is
flagged in the thread (emulator, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack.poster import client_factory, register_handlers
from connectors.gbp import GoogleBusinessProfile
from connectors.http import HttpClient
from sandbox.slack_emulator import DEFAULT_TOKEN, SlackEmulator
from tests.support.platforms import FakeGoogle, serve
from tests.support.relay import deliver
from workflows import polling
from workflows.publishing import Publishing
from workflows.services import drafting, roles, signoff
from workflows.topics import Topic
from workflows.types import Actor

CH = "C0REVIEWS"
AUTHOR = Actor("slack", "U0AUTHOR", channel_member=True)
MARKETING = Actor("slack", "U0MKT", channel_member=True)
RISK = Actor("slack", "U0RISK", channel_member=True)
REPLY = "We are sorry. Please call our Patient Relations team at 555-0100."


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    e = SlackEmulator()
    e.add_channel(CH, "reviews", members=["U0AUTHOR", "U0MKT", "U0RISK"])
    e.start_background()
    yield e
    e.stop_background()


def test_published_through_google_then_edited_on_google_is_flagged(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    deps = container.deps
    roles.add_role(deps, Actor.cli(), "slack:U0MKT", "marketing")
    roles.add_role(deps, Actor.cli(), "slack:U0RISK", "risk")
    poster = register_handlers(
        container.relay,
        deps,
        client_factory(DEFAULT_TOKEN, emu.base_url),
        CH,
        per_second=1000.0,
        burst=1000,
        sleep=lambda _s: None,
    )
    fake = FakeGoogle()
    fake.add_review("L1", "r1", comment="Waited four hours in the ER.")
    with serve(fake) as url:
        gbp = GoogleBusinessProfile(
            HttpClient(retries=0),
            base_url=url + "/v4/",
            token_url=url + "/token",
            client_id="cid",
            client_secret="csecret",
            refresh_token="rt-good",
            account_id="111",
            location_ids=("L1",),
        )
        publishing = Publishing(deps, {"gbp": gbp}, manual=poster.handle_publish)
        container.relay.handlers[Topic.PUBLISH] = {}
        container.relay.register(Topic.PUBLISH, publishing.handle_publish, adapter="platforms")
        (result,) = polling.poll_source(deps, gbp).results
        deliver(container)
        drafting.create_revision(deps, AUTHOR, result.id, REPLY)
        signoff.sign_off(deps, MARKETING, result.id, 1, "marketing")
        signoff.sign_off(deps, RISK, result.id, 1, "risk")
        deliver(container)
        assert fake.replies["accounts/111/locations/L1/reviews/r1"]["comment"] == REPLY
        fake.replies["accounts/111/locations/L1/reviews/r1"]["comment"] = REPLY + " Edited."
        clock.advance(hours=1)
        assert publishing.post_publish_checks() == 1
        deliver(container)
    out = emu.render_channel(CH)
    assert "published to Google" in out
    assert "differs from the approved text" in out
    assert "Edited." not in out, "the platform's text is never copied into the channel"

"""Yelp's partner Respond-to-Reviews API through the outbox (SQLite and PostgreSQL):
exactly the approved text, once under 429s and 500s; a POST whose answer was lost is
never sent again (Yelp cannot be read back) but handed to a person with a note; with
the API off, or for a business not configured, the reply is handed over by hand; a
takedown says how to delete the comment by hand; the post-publish check stays quiet."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from connectors.yelp import YelpPartner
from models.tables import OutboxMessage
from workflows.publishing import Publishing
from workflows.relay import OutboxItem, Relay
from workflows.services import drafting, mentions, release, roles, shared, signoff, viewing
from workflows.topics import Topic
from workflows.types import Actor, MentionInput

AUTHOR = Actor("slack", "UAUTH", team_id="T1", channel_member=True)
MKT = Actor("slack", "UMKT", team_id="T1")
RISK = Actor("slack", "URISK", team_id="T1")
TEXT = "We're sorry to hear this. Please call Patient Relations at 555-0100 & ask for Sam."


def approve(d: Any, location: str | None = "biz-1", source: str = "yelp") -> str:
    (result,) = mentions.ingest(
        d,
        [
            MentionInput(
                source, "rev-1", "yelp", "Kim", "Waited hours.", rating=1, location=location
            )
        ],
    )
    drafting.create_revision(d, AUTHOR, result.ref, TEXT)
    signoff.sign_off(d, MKT, result.ref, 1, "marketing")
    assert signoff.sign_off(d, RISK, result.ref, 1, "risk").state == "approved"
    return result.ref


class Hand:
    """The manual publisher: records which mentions were handed over."""

    def __init__(self) -> None:
        self.items: list[int | None] = []

    def __call__(self, item: OutboxItem) -> None:
        self.items.append(item.mention_id)


@pytest.fixture
def hand() -> Hand:
    return Hand()


def relay_for(d: Any, publishing: Publishing) -> Relay:
    relay = Relay(d)
    relay.register(Topic.PUBLISH, publishing.handle_publish, adapter="platforms")
    relay.register(Topic.UNPUBLISH, publishing.handle_unpublish, adapter="platforms")
    return relay


def drain(relay: Relay, clock: Any, rounds: int = 12, step: float = 400) -> None:
    for _ in range(rounds):
        relay.deliver_due()
        clock.advance(seconds=step)


def notes(d: Any) -> list[dict[str, Any]]:
    with d.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.payload)
            .where(OutboxMessage.topic == Topic.PLATFORM_NOTE)
            .order_by(OutboxMessage.id)
        ).scalars()
        return [json.loads(p or "{}") for p in rows]


def test_publishes_exactly_the_approved_text_once_under_429s_and_500s(d, yelp, clock, hand) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    ref = approve(d)
    fake.fail("POST", 429, headers={"Retry-After": "30"})
    fake.fail("POST", 500, times=3)
    drain(relay_for(d, Publishing(d, {"yelp": client}, manual=hand)), clock)
    assert fake.comments == {"rev-1": [TEXT]} and fake.count("POST") == 5
    view = viewing.mention_view(d, ref)
    assert view.state == "released" and view.published_hash == shared.sha256(TEXT)
    assert hand.items == [] and notes(d) == []
    with d.uow() as uow:
        reply = uow.repo.reply_for(uow.repo.mention(view.id))
        assert reply is not None and reply.published_external_id == "rev-1"


def test_a_lost_answer_is_never_sent_again_but_handed_over(d, yelp, clock, hand) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    ref = approve(d)
    fake.fail("POST", drop_after_apply=True)
    drain(relay_for(d, Publishing(d, {"yelp": client}, manual=hand)), clock)
    assert fake.count("POST") == 1 and fake.comment_count() == 1
    view = viewing.mention_view(d, ref)
    assert view.state == "approved" and hand.items == [view.id]
    (note,) = notes(d)
    assert note["kind"] == "publish_unverified" and "Mark as posted" in note["message"]
    assert TEXT not in note["message"]
    release.mark_posted(d, AUTHOR, ref)
    assert viewing.mention_view(d, ref).state == "released"


def test_after_a_restart_a_retry_is_handed_over_not_resent(d, yelp, clock, hand) -> None:  # type: ignore[no-untyped-def]
    """The process died after Yelp took the comment and before the commit: the next
    process (a new publisher, knowing nothing) hands it over."""
    fake, client = yelp
    approve(d)

    class Crash(BaseException):
        pass

    def die(*args: Any) -> None:
        raise Crash

    with pytest.raises(Crash):
        relay_for(d, Publishing(d, {"yelp": client}, record=die)).deliver_due()
    assert fake.comment_count() == 1
    clock.advance(seconds=600)  # past the lease
    fresh = YelpPartner(client.http, client.base_url, client.token, ("biz-1",))
    drain(relay_for(d, Publishing(d, {"yelp": fresh}, manual=hand)), clock, rounds=3)
    assert fake.count("POST") == 1 and hand.items == [1]
    assert [n["kind"] for n in notes(d)] == ["publish_unverified"]


def test_api_off_or_other_business_goes_to_the_manual_handler(d, yelp, clock, hand) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    approve(d, location="biz-other")
    drain(relay_for(d, Publishing(d, {"yelp": client}, manual=hand)), clock, rounds=2)
    assert fake.count("POST") == 0 and hand.items == [1]
    assert notes(d)[0]["kind"] == "publish_manual"
    assert "business_not_configured" in notes(d)[0]["message"]


def test_without_the_partner_api_replies_are_manual(d, clock, hand) -> None:  # type: ignore[no-untyped-def]
    approve(d)
    drain(relay_for(d, Publishing(d, {}, manual=hand)), clock, rounds=2)
    assert hand.items == [1] and viewing.mention_view(d, "M-1").state == "approved"


def test_refused_text_dead_letters_to_publish_failed(d, yelp, clock) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    fake.reviews.clear()  # the review was removed from Yelp
    ref = approve(d)
    drain(relay_for(d, Publishing(d, {"yelp": client})), clock, rounds=3)
    assert viewing.mention_view(d, ref).state == "publish_failed" and fake.count("POST") == 1


def test_takedown_is_by_hand_and_the_post_publish_check_is_quiet(d, yelp, clock) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    ref = approve(d)
    roles.add_role(d, Actor.cli(), "slack:URISK", "admin")
    publishing = Publishing(d, {"yelp": client})
    relay = relay_for(d, publishing)
    relay.deliver_due()
    assert viewing.mention_view(d, ref).state == "released"
    clock.advance(hours=1)
    assert publishing.post_publish_checks() == 0 and notes(d) == []
    release.take_down(d, RISK, ref, "named a clinician")
    relay.deliver_due()
    (note,) = notes(d)
    assert note["kind"] == "takedown_manual" and "yelp_has_no_delete_api" in note["message"]
    assert fake.comment_count() == 1

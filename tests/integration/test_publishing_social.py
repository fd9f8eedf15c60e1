"""Facebook and X through the outbox (SQLite and PostgreSQL): a POST that broke after
the platform applied it is read back, never posted twice; X's refusal of an API reply
hands the reply over for manual posting with a note."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from connectors.facebook import FacebookPage
from connectors.http import HttpClient
from connectors.x import XMentions
from models.tables import OutboxMessage
from tests.support.platforms import FakeFacebook, FakeX, serve
from workflows import polling
from workflows.publishing import Publishing
from workflows.relay import OutboxItem, Relay
from workflows.services import drafting, release, signoff, viewing
from workflows.topics import Topic
from workflows.types import Actor

AUTHOR = Actor("slack", "UAUTH", team_id="T1", channel_member=True)
MKT = Actor("slack", "UMKT", team_id="T1")
RISK = Actor("slack", "URISK", team_id="T1")
TEXT = "We're sorry. Please send us a direct message so we can help."


def approve(d: Any, source: Any) -> str:
    (result,) = polling.poll_source(d, source).results
    drafting.create_revision(d, AUTHOR, result.ref, TEXT)
    signoff.sign_off(d, MKT, result.ref, 1, "marketing")
    signoff.sign_off(d, RISK, result.ref, 1, "risk")
    return result.ref


def relay_for(d: Any, publishing: Publishing) -> Relay:
    relay = Relay(d)
    relay.register(Topic.PUBLISH, publishing.handle_publish, adapter="platforms")
    return relay


def test_facebook_post_dropped_after_apply_is_read_back_not_reposted(d, clock) -> None:  # type: ignore[no-untyped-def]
    fake = FakeFacebook()
    post = fake.add_post()
    comment = fake.add_comment(post, "The billing office lost my file")
    with serve(fake) as url:
        fb = FacebookPage(HttpClient(retries=0), url + "/v19.0/", fake.page_id, fake.token)
        ref = approve(d, fb)
        fake.fail("POST", drop_after_apply=True)
        relay = relay_for(d, Publishing(d, {"facebook": fb}))
        assert relay.deliver_due() == 0
        clock.advance(seconds=10)
        assert relay.deliver_due() == 1
    view = viewing.mention_view(d, ref)
    assert view.state == "released" and len(fake.page_replies(comment)) == 1
    assert fake.count("POST") == 1
    with d.uow() as uow:
        reply = uow.repo.reply_for(uow.repo.mention(view.id))
        assert (
            reply is not None and reply.published_external_id == fake.page_replies(comment)[0]["id"]
        )


def test_x_refusing_an_api_reply_falls_back_to_manual_with_a_note(d) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX()
    fake.add_mention("mercy hospital lost my results", allow_reply=False)
    handed: list[int | None] = []

    def manual(item: OutboxItem) -> None:
        handed.append(item.mention_id)

    with serve(fake) as url:
        x = XMentions(
            HttpClient(retries=0), url + "/2/", fake.user_id, fake.bearer, fake.user_token
        )
        ref = approve(d, x)
        relay_for(d, Publishing(d, {"x": x}, manual=manual)).deliver_due()
    view = viewing.mention_view(d, ref)
    assert view.state == "approved" and handed == [view.id]
    with d.uow() as uow:
        (note,) = uow.session.execute(
            select(OutboxMessage.payload).where(OutboxMessage.topic == Topic.PLATFORM_NOTE)
        ).scalars()
    assert json.loads(note or "{}")["kind"] == "publish_manual"
    release.mark_posted(d, AUTHOR, ref)
    assert viewing.mention_view(d, ref).state == "released"


def test_x_reply_published_with_the_reply_id(d) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX()
    tweet = fake.add_mention("@mercy the ER wait & the noise")
    with serve(fake) as url:
        x = XMentions(
            HttpClient(retries=0), url + "/2/", fake.user_id, fake.bearer, fake.user_token
        )
        ref = approve(d, x)
        assert relay_for(d, Publishing(d, {"x": x})).deliver_due() == 1
    (reply,) = fake.our_replies(tweet)
    assert reply["text"] == TEXT and viewing.mention_view(d, ref).state == "released"

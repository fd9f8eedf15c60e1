"""Publishing through the outbox to a local fake Google Business Profile (SQLite and
PostgreSQL): exactly the approved text, never twice, dead letters and publish_failed,
the post-publish check on a frozen clock, and takedowns."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from connectors.gbp import GoogleBusinessProfile
from connectors.http import HttpClient
from models.tables import AuditEvent, OutboxMessage
from tests.support.platforms import FakeGoogle, serve
from workflows import polling
from workflows.publishing import Publishing
from workflows.relay import OutboxItem, Relay
from workflows.services import drafting, mentions, release, roles, shared, signoff, viewing
from workflows.topics import Topic
from workflows.types import Actor, MentionInput

AUTHOR = Actor("slack", "UAUTH", team_id="T1", channel_member=True)
MKT = Actor("slack", "UMKT", team_id="T1")
RISK = Actor("slack", "URISK", team_id="T1")
CLEAN = (
    "We're sorry to hear this. Please call our Patient Relations team at 555-0100 & ask for Sam."
)


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the relay catches it)."""


@pytest.fixture
def google() -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle()
    fake.add_review("L1", "r1", comment="Waited four hours, nobody cared.")
    with serve(fake) as url:
        yield fake, url


def gbp(url: str) -> GoogleBusinessProfile:
    return GoogleBusinessProfile(
        HttpClient(retries=0, sleep=lambda s: None),
        base_url=url + "/v4/",
        token_url=url + "/token",
        client_id="cid",
        client_secret="csecret",
        refresh_token="rt-good",
        account_id="111",
        location_ids=("L1",),
    )


def relay_for(d: Any, publishing: Publishing, **kw: Any) -> Relay:
    relay = Relay(d, **kw)
    relay.register(Topic.PUBLISH, publishing.handle_publish, adapter="platforms")
    relay.register(Topic.UNPUBLISH, publishing.handle_unpublish, adapter="platforms")
    return relay


def approve(d: Any, url: str, text: str = CLEAN) -> str:
    outcome = polling.poll_source(d, gbp(url))
    assert outcome.new == 1
    ref = outcome.results[0].ref
    drafting.create_revision(d, AUTHOR, ref, text)
    signoff.sign_off(d, MKT, ref, 1, "marketing")
    assert signoff.sign_off(d, RISK, ref, 1, "risk").state == "approved"
    return ref


def drain(relay: Relay, clock: Any, rounds: int = 12, step: float = 400) -> None:
    for _ in range(rounds):
        relay.deliver_due()
        clock.advance(seconds=step)


def actions(d: Any) -> list[str]:
    with d.uow() as uow:
        return list(
            uow.session.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars()
        )


@dataclasses.dataclass
class Row:
    topic: str
    status: str
    last_error: str | None
    payload: str | None


def outbox(d: Any, topic: str) -> list[Row]:
    with d.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
        ).scalars()
        return [Row(r.topic, r.status, r.last_error, r.payload) for r in rows]


def test_publishes_exactly_the_approved_text_once(d, google, clock) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}))
    assert relay.deliver_due() == 1
    name = "accounts/111/locations/L1/reviews/r1"
    assert fake.replies[name]["comment"] == CLEAN
    view = viewing.mention_view(d, ref)
    assert view.state == "released" and view.published_hash == shared.sha256(CLEAN)
    assert view.posted_by == "system:publisher"
    assert "reply.published" in actions(d)
    drain(relay, clock, rounds=3)
    assert fake.count("PUT") == 1


def test_dropped_connection_after_the_platform_applied_reads_back(d, google, clock) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    fake.fail("PUT", drop_after_apply=True)
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}))
    assert relay.deliver_due() == 0
    assert viewing.mention_view(d, ref).state == "approved" and fake.reply_count() == 1
    drain(relay, clock, rounds=3)
    assert viewing.mention_view(d, ref).state == "released"
    assert fake.count("PUT") == 1, "the retry read back and found the reply: no second PUT"
    assert fake.reply_count() == 1


def test_killed_between_the_platform_success_and_the_commit(d, container, clock) -> None:  # type: ignore[no-untyped-def]
    """The platform stored the reply; the process died before recording it, and the
    platform's server went away too. After both restart, exactly one reply exists."""
    fake = FakeGoogle()
    fake.add_review("L1", "r1", comment="Rude front desk.")

    def die(*_a: Any) -> None:
        raise Crash()

    with serve(fake) as url:
        ref = approve(d, url)
        crashing = relay_for(d, Publishing(d, {"gbp": gbp(url)}, record=die))
        with pytest.raises(Crash):
            crashing.deliver_due()
    assert fake.reply_count() == 1 and viewing.mention_view(d, ref).state == "approved"
    with serve(fake) as url2:  # the platform is back (same data, new address)
        restarted = relay_for(d, Publishing(d, {"gbp": gbp(url2)}))
        assert restarted.deliver_due() == 0, "still leased by the dead process"
        clock.advance(seconds=121)
        assert restarted.deliver_due() == 1
    assert viewing.mention_view(d, ref).state == "released"
    assert fake.count("PUT") == 1 and fake.reply_count() == 1


@pytest.mark.parametrize("storm", [3, 30])
def test_429_storm_ends_in_one_reply_or_a_dead_letter(d, google, clock, storm: int) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    fake.fail("PUT", 429, times=storm, headers={"Retry-After": "30"})
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}), max_attempts=8)
    drain(relay, clock, rounds=12, step=60)
    view = viewing.mention_view(d, ref)
    if storm < 8:
        assert view.state == "released" and fake.reply_count() == 1
    else:
        assert view.state == "publish_failed" and fake.reply_count() == 0
        (row,) = outbox(d, Topic.PUBLISH)
        assert row.status == "dead" and row.last_error == "rate_limited"
        assert [r.topic for r in outbox(d, Topic.PUBLISH_FAILED)] == [Topic.PUBLISH_FAILED]
        assert "reply.publish_failed" in actions(d)


def test_500s_then_success_publish_once(d, google, clock) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    fake.fail("PUT", 500, times=2)
    fake.fail("GET", 503, times=1, path_contains="/reviews/r1")
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}))
    drain(relay, clock, rounds=8)
    assert viewing.mention_view(d, ref).state == "released"
    assert fake.reply_count() == 1


def test_refusal_moves_to_publish_failed_at_once(d, google, clock) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    fake.fail("PUT", 400)
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}))
    relay.deliver_due()
    assert viewing.mention_view(d, ref).state == "publish_failed"
    # a person retries: a new outbox row, published once
    release.retry_publish(d, AUTHOR, ref)
    drain(relay, clock, rounds=2)
    assert viewing.mention_view(d, ref).state == "released" and fake.reply_count() == 1


def test_a_changed_hash_is_never_published(d, google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    with d.uow() as uow:
        (row,) = uow.repo.outbox_for_mention(1, Topic.PUBLISH)
        row.payload = row.payload.replace(shared.sha256(CLEAN), "0" * 64)
        uow.commit()
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}))
    relay.deliver_due()
    assert fake.count("PUT") == 0 and viewing.mention_view(d, ref).state == "publish_failed"


def test_mentions_without_a_publisher_go_to_the_manual_handler(d, google) -> None:  # type: ignore[no-untyped-def]
    _fake, url = google
    mentions.ingest(d, [MentionInput("hook", "w1", "yelp", "Kim", "Awful", rating=1)])
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    signoff.sign_off(d, RISK, "M-1", 1, "risk")
    handed: list[int | None] = []

    def manual(item: OutboxItem) -> None:
        handed.append(item.mention_id)

    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}, manual=manual))
    relay.deliver_due()
    assert handed == [1] and viewing.mention_view(d, "M-1").state == "approved"


def test_posted_by_hand_meanwhile_is_not_published_again(d, google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}))
    release.mark_posted(d, AUTHOR, ref)
    with d.uow() as uow:  # a row another process had already claimed comes due again
        (row,) = uow.repo.outbox_for_mention(1, Topic.PUBLISH)
        row.status, row.attempts = "pending", 1
        uow.commit()
    assert relay.deliver_due() == 1, "closed as done: the mention is no longer approved"
    assert fake.count("PUT") == 0 and fake.count("GET", "/reviews/r1") == 0


# -- post-publish check (frozen clock) -----------------------------------------------------


def notes(d: Any) -> list[str]:
    import json

    return [json.loads(r.payload or "{}")["kind"] for r in outbox(d, Topic.PLATFORM_NOTE)]


def test_post_publish_check_alerts_once_on_edit_and_on_moderation(d, google, clock) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    approve(d, url)
    publishing = Publishing(d, {"gbp": gbp(url)})
    relay_for(d, publishing).deliver_due()
    name = "accounts/111/locations/L1/reviews/r1"
    clock.advance(hours=1)
    assert publishing.post_publish_checks() == 0 and notes(d) == []
    fake.replies[name]["comment"] = CLEAN + " Edited on Google."
    clock.advance(hours=1)
    assert publishing.post_publish_checks() == 1
    clock.advance(hours=1)
    assert publishing.post_publish_checks() == 0, "one alert per finding"
    fake.replies[name] = {"comment": CLEAN, "state": "REJECTED"}
    clock.advance(hours=1)
    assert publishing.post_publish_checks() == 1
    assert notes(d) == ["platform_edited", "platform_rejected"]
    assert {"reply.platform_edited", "reply.platform_rejected"} <= set(actions(d))
    del fake.replies[name]
    clock.advance(days=6, hours=19)
    assert publishing.post_publish_checks() == 1 and notes(d)[-1] == "platform_missing"
    reads = fake.count("GET", "/reviews/r1")
    clock.advance(hours=2)  # more than seven days after publishing: no longer checked
    assert publishing.post_publish_checks() == 0
    assert fake.count("GET", "/reviews/r1") == reads


# -- takedown -------------------------------------------------------------------------------


def test_takedown_deletes_on_google_and_notes_the_thread(d, google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    ref = approve(d, url)
    roles.add_role(d, Actor.cli(), "slack:URISK", "admin")
    publishing = Publishing(d, {"gbp": gbp(url)})
    relay = relay_for(d, publishing)
    relay.deliver_due()
    release.take_down(d, RISK, ref, "named a clinician")
    relay.deliver_due()
    assert fake.reply_count() == 0 and fake.count("DELETE") == 1
    assert notes(d) == ["takedown_deleted"]


def test_takedown_without_an_api_says_how_to_delete_by_hand(d, google) -> None:  # type: ignore[no-untyped-def]
    _fake, url = google
    mentions.ingest(d, [MentionInput("hook", "w1", "yelp", "Kim", "Awful", rating=1)])
    drafting.create_revision(d, AUTHOR, "M-1", CLEAN)
    signoff.sign_off(d, MKT, "M-1", 1, "marketing")
    signoff.sign_off(d, RISK, "M-1", 1, "risk")
    release.mark_posted(d, AUTHOR, "M-1")
    relay = relay_for(d, Publishing(d, {"gbp": gbp(url)}, manual=lambda item: None))
    release.take_down(d, RISK, "M-1", "wrong text")
    relay.deliver_due()
    (row,) = outbox(d, Topic.PLATFORM_NOTE)
    assert "Delete it by hand" in (row.payload or "")

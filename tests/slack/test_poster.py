"""Outbound Slack delivery through the outbox relay against the emulator, on SQLite and
PostgreSQL: parent messages, thread notes, parent updates, rate limits, retries that
cannot post twice, bursts as a digest, Slack Connect refusal, and blocked words kept out
of the channel."""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.slack.poster import (
    SETTLE_AFTER_TIMEOUT,
    SlackPoster,
    client_factory,
    register_handlers,
)
from models.tables import OutboxMessage, Revision
from sandbox.slack_emulator import DEFAULT_TOKEN, SlackEmulator
from tests.support.relay import deliver
from workflows.services import chat, drafting, mentions, release, signoff, viewing
from workflows.services import roles as role_admin
from workflows.types import Actor, MentionInput

CH = "C0REVIEWS"
AUTHOR = Actor("slack", "U0AUTHOR", channel_member=True)
MARKETING = Actor("slack", "U0MKT", channel_member=True)
RISK = Actor("slack", "U0RISK", channel_member=True)
SECRET_DRAFT = "We reviewed your chart zqxsecret and the diagnosis was right."


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    e = SlackEmulator()
    e.add_channel(CH, "reviews", members=["U0AUTHOR", "U0MKT", "U0RISK"])
    for uid, name in (("U0AUTHOR", "ann"), ("U0MKT", "mark"), ("U0RISK", "rita")):
        e.add_user(uid, name)
    e.start_background()
    yield e
    e.stop_background()


def make_poster(container: Any, emu: SlackEmulator, **options: Any) -> SlackPoster:
    options.setdefault("per_second", 1000.0)
    options.setdefault("burst", 1000)
    options.setdefault("sleep", lambda _s: None)
    return register_handlers(
        container.relay,
        container.deps,
        client_factory(DEFAULT_TOKEN, emu.base_url),
        CH,
        **options,
    )


def paced_poster(container: Any, emu: SlackEmulator, clock: Any) -> SlackPoster:
    """The poster at Slack's pace (one post a second, a burst after three own messages)
    on the fake clock, which its sleeps advance."""
    return make_poster(
        container,
        emu,
        per_second=1.0,
        burst=1,
        digest_threshold=3,
        wall_clock=lambda: float(clock.now.timestamp()),
        sleep=lambda s: clock.advance(seconds=s),
    )


@pytest.fixture
def poster(container: Any, emu: SlackEmulator, monkeypatch: pytest.MonkeyPatch) -> SlackPoster:
    return make_poster(container, emu)


def ingest(
    container: Any, n: int = 1, text: str = "Awful wait <!channel> & rude staff", **kw: Any
) -> list[int]:
    start = kw.pop("start", 1)
    results = mentions.ingest(
        container.deps,
        [
            MentionInput(
                source="webhook",
                external_id=f"e{i}",
                platform="google",
                author=kw.get("author", "Pat Q <@U0ATTACK>"),
                text=text,
                url="https://maps.google.com/review?id=1&x=<y>|z",
                rating=1,
            )
            for i in range(start, start + n)
        ],
    )
    return [r.id for r in results]


def roles(container: Any) -> None:
    role_admin.add_role(container.deps, Actor.cli(), "slack:U0MKT", "marketing")
    role_admin.add_role(container.deps, Actor.cli(), "slack:U0RISK", "risk")


def outbox_rows(container: Any, topic: str | None = None) -> list[OutboxMessage]:
    with container.deps.uow() as uow:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if topic:
            stmt = stmt.where(OutboxMessage.topic == topic)
        rows = list(uow.session.execute(stmt).scalars())
        uow.session.expunge_all()
        return rows


def thread_buttons(
    emu: SlackEmulator, parent_ts: str, *, with_parent: bool = True
) -> list[tuple[str, str]]:
    """(action id, value) of every button in a mention's thread (and its parent)."""
    messages = emu.replies(CH, parent_ts)
    if with_parent:
        parent = emu.message(CH, parent_ts)
        assert parent is not None
        messages = [parent, *messages]
    out = []
    for m in messages:
        for blk in m.blocks:
            elements = blk.get("elements", []) if blk["type"] == "actions" else []
            if blk.get("accessory"):
                elements = [*elements, blk["accessory"]]
            out += [(e["action_id"], e["value"]) for e in elements if e.get("type") == "button"]
    return out


def test_new_mention_posts_one_parent_and_stores_the_thread(
    container: Any, emu: SlackEmulator, poster: SlackPoster
) -> None:
    (mid,) = ingest(container)
    assert deliver(container) >= 1
    parents = emu.messages(CH)
    assert len(parents) == 1
    thread = chat.get_thread(container.deps, mid, "slack")
    assert thread is not None and thread.channel == CH and thread.ts == parents[0].ts
    raw = emu.raw_channel_payloads(CH)
    assert "<!channel>" not in raw and "<@U0ATTACK>" not in raw and "|z>" not in raw
    out = emu.render_channel(CH)
    assert f"M-{mid}" in out and "Awful wait <!channel> & rude staff" in out
    buttons = [
        e["action_id"]
        for blk in parents[0].blocks
        if blk["type"] == "actions"
        for e in blk["elements"]
    ]
    assert buttons == ["mention_draft", "mention_assign", "mention_dismiss"]
    # Delivering again posts nothing more.
    assert deliver(container) == 0
    assert len(emu.messages(CH)) == 1


def test_full_flow_notes_in_thread_and_parent_updated(
    container: Any, emu: SlackEmulator, poster: SlackPoster
) -> None:
    roles(container)
    (mid,) = ingest(container)
    deliver(container)
    parent_ts = emu.messages(CH)[0].ts
    mentions.assign(container.deps, AUTHOR, mid)
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you, please call our team.")
    deliver(container)
    signoff.sign_off(container.deps, MARKETING, mid, 1, "marketing")
    signoff.sign_off(container.deps, RISK, mid, 1, "risk")
    deliver(container)
    replies = emu.replies(CH, parent_ts)
    texts = "\n".join(emu.channel_text(CH).splitlines())
    assert "Revision 1" in texts and "passed the PHI screen" in texts
    actions = thread_buttons(emu, parent_ts)
    # Both sign-offs were used: no note offers them any more; the note keeps its words.
    assert ("reply_signoff_marketing", f"M-{mid}:r1") not in actions
    assert ("reply_signoff_risk", f"M-{mid}:r1") not in actions
    assert ("reply_request_changes", f"M-{mid}:r1") not in actions
    revision_note = next(r for r in replies if "passed the PHI screen" in json.dumps(r.blocks))
    assert revision_note.edited and "Thank you, please call our team." in json.dumps(
        revision_note.blocks
    )
    assert ("reply_mark_posted", f"M-{mid}:r1") in actions  # the manual publisher
    assert "Ready to post by hand" in texts
    release.mark_posted(container.deps, MARKETING, mid, 1)
    deliver(container)
    # Released: nothing in the thread offers anything any more; the parent offers takedown.
    assert thread_buttons(emu, parent_ts, with_parent=False) == []
    view = viewing.mention_view(container.deps, mid)
    out = emu.render_channel(CH)
    assert "Released" in out and view.published_hash and view.published_hash[:12] in out
    parent = emu.message(CH, parent_ts)
    assert parent is not None and parent.edited
    assert "reply_takedown" in json.dumps(parent.blocks)
    # One parent only: everything else is in its thread.
    assert len(emu.messages(CH)) == 1
    release.take_down(container.deps, RISK, mid, "it named a clinic department")
    deliver(container)
    assert "taken down" in emu.render_channel(CH)


def test_blocked_draft_words_never_reach_the_channel(
    container: Any, emu: SlackEmulator, poster: SlackPoster
) -> None:
    roles(container)
    (mid,) = ingest(container)
    deliver(container)
    outcome = drafting.create_revision(container.deps, AUTHOR, mid, SECRET_DRAFT)
    assert outcome.blocked
    drafting.send_to_risk(container.deps, AUTHOR, mid, 1)
    drafting.override_finding(container.deps, RISK, mid, 1, 0, "chart zqxsecret is fine here")
    deliver(container)
    raw = emu.raw_channel_payloads(CH)
    rendered = emu.render_channel(CH)
    for secret in ("zqxsecret", "chart", "diagnosis", SECRET_DRAFT):
        assert secret not in raw and secret not in rendered
    assert "blocked" in rendered and "clinical detail" in rendered
    # Risk approvers get the words by direct message.
    dm = "\n".join(m.text + json.dumps(m.blocks) for m in emu.dms("U0RISK"))
    assert "zqxsecret" in dm and "reply_override_phi" in dm
    assert emu.dms("U0AUTHOR") == []


def test_rate_limit_429_retry_after_is_honoured(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    now = [1000.0]
    emu.rate_limit_interval = 1.0
    emu._monotonic = lambda: now[0]
    make_poster(container, emu, wall_clock=lambda: now[0])
    (mid,) = ingest(container)
    deliver(container)  # the parent takes the channel's only token
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you for telling us.")
    deliver(container)
    (row,) = outbox_rows(container, "chat.revision")
    assert row.status == "pending" and row.last_error == "slack_ratelimited"
    assert row.next_attempt_at.replace(tzinfo=None) == (clock.now + timedelta(seconds=1)).replace(
        tzinfo=None
    )
    assert any(c.status == 429 for c in emu.calls_to("chat.postMessage"))
    deliver(container)  # not due yet: nothing is sent
    assert len([c for c in emu.calls_to("chat.postMessage") if c.status == 429]) == 1
    now[0] += 1.0
    clock.advance(seconds=1)
    deliver(container)
    assert outbox_rows(container, "chat.revision")[0].status == "done"
    assert len(emu.replies(CH, emu.messages(CH)[0].ts)) == 1


def test_post_whose_answer_timed_out_is_read_back_after_it_settles(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    # Slack answers after the client gave up, and posts anyway: the retry waits for the
    # late post to land, finds it by its key and stores it instead of posting again.
    register_handlers(
        container.relay,
        container.deps,
        client_factory(DEFAULT_TOKEN, emu.base_url, timeout=1),
        CH,
        per_second=1000.0,
        burst=1000,
        sleep=lambda _s: None,
    )
    emu.fail("chat.postMessage", delay=1.5, apply=True)
    (mid,) = ingest(container)
    deliver(container)
    (row,) = outbox_rows(container, "chat.mention_new")
    assert row.status == "pending" and row.last_error == "slack_timeout"
    clock.advance(seconds=SETTLE_AFTER_TIMEOUT / 2)
    deliver(container)  # not due yet: nothing read back, nothing posted
    assert outbox_rows(container, "chat.mention_new")[0].attempts == 1
    for _ in range(50):
        if emu.messages(CH):
            break
        time.sleep(0.05)
    assert len(emu.messages(CH)) == 1  # the late post landed
    clock.advance(seconds=SETTLE_AFTER_TIMEOUT)
    deliver(container)
    assert len(emu.messages(CH)) == 1
    thread = chat.get_thread(container.deps, mid, "slack")
    assert thread is not None and thread.ts == emu.messages(CH)[0].ts


def test_local_bucket_paces_posts_per_channel(
    container: Any, emu: SlackEmulator, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    t = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        t[0] += s

    make_poster(
        container, emu, per_second=1.0, burst=1, max_sleep=1.5, wall_clock=lambda: t[0], sleep=sleep
    )
    ingest(container, 3)
    deliver(container)
    assert len(emu.messages(CH)) == 3
    assert slept == [1.0, 1.0]  # one message a second


def _parent_posted_answer_lost(container: Any, emu: SlackEmulator) -> int:
    emu.fail("chat.postMessage", "internal_error", status=500, apply=True)
    (mid,) = ingest(container)
    deliver(container)
    return mid


def test_ambiguous_failure_is_not_posted_twice(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    # The parent is posted but the response is lost: the retry finds it and stores it.
    mid = _parent_posted_answer_lost(container, emu)
    assert len(emu.messages(CH)) == 1
    pending = chat.get_thread(container.deps, mid, "slack")
    assert pending is not None and not pending.ts  # decided (own message), not stored yet
    clock.advance(seconds=5)
    deliver(container)
    assert len(emu.messages(CH)) == 1
    thread = chat.get_thread(container.deps, mid, "slack")
    assert thread is not None and thread.ts == emu.messages(CH)[0].ts
    # Same for a thread note, even from a freshly started process.
    emu.fail("chat.postMessage", "internal_error", status=500, apply=True)
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you for telling us.")
    deliver(container)
    assert len(emu.replies(CH, thread.ts)) == 1
    make_poster(container, emu)  # a new process: no memory of what was sent
    clock.advance(seconds=5)
    deliver(container)
    assert len(emu.replies(CH, thread.ts)) == 1
    assert outbox_rows(container, "chat.revision")[0].status == "done"


def test_read_back_pages_past_the_newest_200_messages(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    # The parent lands but its answer is lost; 250 other messages follow before the retry.
    mid = _parent_posted_answer_lost(container, emu)
    other = WebClient(token=DEFAULT_TOKEN, base_url=emu.base_url)
    for i in range(250):
        other.chat_postMessage(channel=CH, text=f"chatter {i}")
    clock.advance(seconds=5)
    deliver(container)
    parents = [m for m in emu.messages(CH) if not m.text.startswith("chatter")]
    assert len(parents) == 1  # found on the second page, not posted again
    thread = chat.get_thread(container.deps, mid, "slack")
    assert thread is not None and thread.ts == parents[0].ts


def _burst(container: Any, emu: SlackEmulator, n: int) -> tuple[list[int], Any]:
    """``n`` mentions at once with a digest threshold of 3: their ids and the digest."""
    make_poster(container, emu, digest_threshold=3)
    ids = ingest(container, n)
    for _ in range(3):
        deliver(container)
    assert "arrived together" in emu.channel_text(CH)
    return ids, emu.messages(CH)[-1]


def test_burst_becomes_one_digest_and_nothing_is_dropped(
    container: Any, emu: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, digest = _burst(container, emu, 10)
    assert len(emu.messages(CH)) == 4  # three on their own, then one digest
    assert emu.replies(CH, digest.ts) == []  # listed, not posted one by one
    rows = outbox_rows(container, "chat.mention_new")
    assert all(r.status == "done" for r in rows), [(r.status, r.last_error) for r in rows]
    for mid in ids[3:]:
        thread = chat.get_thread(container.deps, mid, "slack")
        assert thread is not None and not thread.ts  # listed: no own message yet
    out = emu.render_channel(CH)
    assert all(f"M-{mid}" in out for mid in ids)
    # The digest lists every further mention, without authors or text.
    listed = json.dumps(emu.message(CH, digest.ts).blocks)  # type: ignore[union-attr]
    assert all(f"M-{mid}" in listed for mid in ids[3:])
    assert "Pat Q" not in listed and "Awful wait" not in listed
    # A draft on a listed mention posts its own parent first, then the note in its thread.
    drafting.create_revision(container.deps, AUTHOR, ids[-1], "Thank you for telling us.")
    deliver(container)
    assert len(emu.messages(CH)) == 5
    thread = chat.get_thread(container.deps, ids[-1], "slack")
    assert thread is not None and thread.ts == emu.messages(CH)[-1].ts
    assert len(emu.replies(CH, thread.ts)) == 1
    assert all(r.status == "done" for r in outbox_rows(container, "chat.revision"))


def test_refuses_a_channel_shared_with_another_organisation(
    container: Any, emu: SlackEmulator, poster: SlackPoster
) -> None:
    emu.set_ext_shared(CH)
    ingest(container)
    deliver(container)
    assert emu.messages(CH) == []
    (row,) = outbox_rows(container, "chat.mention_new")
    assert row.status == "pending" and row.last_error == "ChannelRefused" and row.attempts == 1


def test_long_mention_text_is_cut_and_continued_in_the_thread(
    container: Any, emu: SlackEmulator, poster: SlackPoster
) -> None:
    words = " ".join(f"word{i}" for i in range(1500))  # ~11 000 characters
    ingest(container, text=words)
    deliver(container)
    parent = emu.messages(CH)[0]
    for blk in parent.blocks:
        if blk.get("text"):
            assert len(blk["text"]["text"]) <= 3000
    assert "mention_full_text" in json.dumps(parent.blocks)
    everything = emu.channel_text(CH)
    assert all(f"word{i}" in everything for i in range(0, 1500, 7))
    assert len(emu.replies(CH, parent.ts)) >= 3


def test_publish_failure_and_refusal_notes(
    container: Any, emu: SlackEmulator, poster: SlackPoster
) -> None:
    roles(container)
    (mid,) = ingest(container)
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you for telling us.")
    signoff.sign_off(container.deps, MARKETING, mid, 1, "marketing")
    with pytest.raises(Exception):  # noqa: B017 - the author cannot sign off
        signoff.sign_off(container.deps, AUTHOR, mid, 1, "risk")
    signoff.sign_off(container.deps, RISK, mid, 1, "risk")
    deliver(container)
    with container.deps.uow() as uow:
        rev_id = uow.session.execute(
            select(Revision.id).where(Revision.mention_id == mid)
        ).scalar_one()
    release.record_publish_failure(container.deps, rev_id, "platform_refused")
    deliver(container)
    out = emu.render_channel(CH)
    assert "Publishing revision 1" in out and "platform_refused" in out
    assert "was refused" in out
    blocks = json.dumps([r.blocks for r in emu.replies(CH, emu.messages(CH)[0].ts)])
    assert "reply_retry_publish" in blocks


def test_a_deleted_digest_never_blocks_later_mentions(container: Any, emu: SlackEmulator) -> None:
    _ids, digest = _burst(container, emu, 5)
    emu.message(CH, digest.ts).deleted = True  # type: ignore[union-attr]
    later = ingest(container, 6, start=100)
    for _ in range(4):
        deliver(container)
    rows = outbox_rows(container, "chat.mention_new")
    assert rows and all(r.status == "done" for r in rows), [(r.status, r.last_error) for r in rows]
    out = emu.render_channel(CH)
    missing = [mid for mid in later if f"M-{mid}" not in out]
    assert not missing, (missing, out)


def test_used_buttons_disappear_from_earlier_thread_notes(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    roles(container)
    (mid,) = ingest(container)
    deliver(container)
    parent_ts = emu.messages(CH)[0].ts
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you, please call our team.")
    deliver(container)
    r1 = f"M-{mid}:r1"
    assert ("reply_signoff_marketing", r1) in thread_buttons(emu, parent_ts)

    signoff.sign_off(container.deps, MARKETING, mid, 1, "marketing")
    # Reading the thread back fails once: the row is retried, from a fresh process.
    emu.fail("conversations.replies", "internal_error", status=500)
    deliver(container)
    (row,) = outbox_rows(container, "chat.signoff")
    assert row.status == "pending"
    make_poster(container, emu)
    clock.advance(seconds=60)
    deliver(container)
    (row,) = outbox_rows(container, "chat.signoff")
    assert row.status == "done"
    assert len(emu.replies(CH, parent_ts)) == 2  # the revision note and one sign-off note
    shown = thread_buttons(emu, parent_ts)
    # No message in the thread offers the sign-off marketing already gave...
    assert not [a for a in shown if a[0] == "reply_signoff_marketing"], shown
    # ...while what is still open stays where it was offered.
    assert ("reply_signoff_risk", r1) in shown
    assert ("reply_request_changes", r1) in shown
    # Idempotent: a later change redraws the parent, but no note twice.
    updates = len(emu.calls_to("chat.update"))
    mentions.assign(container.deps, AUTHOR, mid)
    deliver(container)
    assert len(emu.calls_to("chat.update")) == updates + 1  # the parent only

    signoff.sign_off(container.deps, RISK, mid, 1, "risk")
    deliver(container)
    release.mark_posted(container.deps, MARKETING, mid, 1)
    deliver(container)
    in_thread = thread_buttons(emu, parent_ts, with_parent=False)
    assert not [a for a in in_thread if a[0].startswith("reply_signoff")], in_thread
    assert in_thread == []  # released: no note offers anything
    parent = emu.message(CH, parent_ts)
    assert parent is not None and "reply_takedown" in json.dumps(parent.blocks)
    # Button values and logs never carry the text; only the buttons went.
    assert "Thank you, please call our team." in emu.channel_text(CH)


def changes_requested_on_r1(container: Any, emu: SlackEmulator) -> tuple[int, str]:
    """A posted mention whose first draft risk sent back: (mention id, parent ts)."""
    roles(container)
    (mid,) = ingest(container)
    deliver(container)
    parent_ts = emu.messages(CH)[0].ts
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you, please call our team.")
    deliver(container)
    signoff.request_changes(container.deps, RISK, mid, 1, "Shorter, please.")
    deliver(container)
    return mid, parent_ts


def test_a_newer_revision_retires_the_older_revisions_buttons(
    container: Any, emu: SlackEmulator, poster: SlackPoster
) -> None:
    mid, parent_ts = changes_requested_on_r1(container, emu)
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you; please call us.")
    deliver(container)
    shown = thread_buttons(emu, parent_ts, with_parent=False)
    assert not [a for a in shown if a[1].endswith(":r1")], shown
    assert ("reply_signoff_marketing", f"M-{mid}:r2") in shown
    assert ("reply_signoff_risk", f"M-{mid}:r2") in shown


def test_a_wait_after_a_post_is_not_free_so_the_next_claim_reads_back(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    # The r2 note is posted, then retiring r1's buttons finds no posting slot. That wait
    # must still count as an attempt: another replica's claim reads the thread back.
    make_poster(container, emu)
    mid, parent_ts = changes_requested_on_r1(container, emu)
    later = time.time() + 1000  # past the pace the fast poster reserved
    make_poster(container, emu, per_second=1.0, burst=1, max_sleep=0.0, wall_clock=lambda: later)
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you; please call us.")
    deliver(container)
    (row,) = [r for r in outbox_rows(container, "chat.revision") if r.status == "pending"]
    assert row.attempts == 1

    def r2_notes() -> int:
        return sum(
            any(f"M-{mid}:r2" in str(blk) for blk in m.blocks) for m in emu.replies(CH, parent_ts)
        )

    assert r2_notes() == 1
    # another replica: nothing of the first claim in its memory
    make_poster(container, emu, wall_clock=lambda: later + 10)
    clock.advance(seconds=600)
    deliver(container)
    assert outbox_rows(container, "chat.revision")[-1].status == "done"
    assert r2_notes() == 1


def test_a_burst_of_1000_is_listed_within_two_minutes_at_slacks_pace(
    container: Any, emu: SlackEmulator, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def now() -> float:
        return float(clock.now.timestamp())

    emu.rate_limit_interval = 1.0  # Slack's: one message a second per channel
    emu._monotonic = now
    posted_at: list[float] = []
    rate_wait = emu._rate_wait

    def recording(channel: str) -> float | None:
        wait = rate_wait(channel)
        if wait is None:
            posted_at.append(now())
        return wait

    monkeypatch.setattr(emu, "_rate_wait", recording)
    paced_poster(container, emu, clock)
    ids = ingest(container, 1000)
    start = now()
    for _ in range(120):
        deliver(container, rounds=5)
        rows = outbox_rows(container, "chat.mention_new")
        if all(r.status == "done" for r in rows):
            break
        clock.advance(seconds=1)
    assert all(r.status == "done" for r in rows), {r.last_error for r in rows}
    assert now() - start <= 120
    out = emu.render_channel(CH)
    missing = [mid for mid in ids if f"M-{mid}" not in out]
    assert not missing, missing[:10]
    posts = emu.calls_to("chat.postMessage")
    assert not [c for c in posts if c.status == 429]
    assert len(posts) <= 3 + math.ceil(997 / 100) + 3, len(posts)
    assert all(b - a >= 0.99 for a, b in itertools.pairwise(posted_at))
    # Each digest message: within Slack's limits (the emulator validated every post and
    # update), at most 100 listed, and a select to open each listed mention.
    digests = [m for m in emu.messages(CH) if "arrived together" in m.text]
    for d in digests:
        assert len(d.blocks) <= 50
        (select,) = [e for blk in d.blocks if blk["type"] == "actions" for e in blk["elements"]]
        assert select["type"] == "static_select" and select["action_id"] == "digest_open"
        assert 1 <= len(select["options"]) <= 100
        assert all(o["value"].startswith("M-") for o in select["options"])
    opened = [
        o["value"]
        for d in digests
        for blk in d.blocks
        if blk["type"] == "actions"
        for o in blk["elements"][0]["options"]
    ]
    assert len(opened) == len(set(opened)), "a mention listed twice"
    assert set(opened) == {f"M-{mid}" for mid in ids[3:]}

    # Opening one (twice) posts its own parent once and sends the clicker a link.
    target = ids[500]
    before = len(emu.messages(CH))
    mentions.open_thread(container.deps, AUTHOR, target)
    mentions.open_thread(container.deps, AUTHOR, target)
    for _ in range(5):
        clock.advance(seconds=1)
        deliver(container)
    own = [m for m in emu.messages(CH) if m.text.startswith(f"M-{target}:")]
    assert len(own) == 1 and len(emu.messages(CH)) == before + 1
    thread = chat.get_thread(container.deps, target, "slack")
    assert thread is not None and thread.ts == own[0].ts
    assert "mention_draft" in json.dumps(own[0].blocks)
    links = [e for e in emu.ephemerals if e.get("user") == "U0AUTHOR"]
    assert len(links) == 2 and f"M-{target}" in str(links[0])
    # A draft on another listed mention creates its thread.
    other = ids[700]
    drafting.create_revision(container.deps, AUTHOR, other, "Thank you for telling us.")
    for _ in range(5):
        clock.advance(seconds=1)
        deliver(container)
    thread = chat.get_thread(container.deps, other, "slack")
    assert thread is not None and thread.ts
    assert len(emu.replies(CH, thread.ts)) == 1


def test_a_listed_parent_whose_post_answered_an_error_is_not_posted_again_by_another_row(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    # A listed mention's own parent is posted by whichever of its rows comes first. When
    # that post lands but answers an error, the next row about the mention (a different
    # outbox row, never attempted, possibly in another process) must find it, not post a
    # second copy.
    ids, _digest = _burst(container, emu, 6)
    mid = ids[-1]
    emu.fail("chat.postMessage", "internal_error", status=500, apply=True)
    drafting.create_revision(container.deps, AUTHOR, mid, "Thank you for telling us.")
    mentions.assign(container.deps, AUTHOR, mid)
    deliver(container)  # the revision's row fails after posting; the assignment's row runs
    clock.advance(seconds=60)
    deliver(container)
    parents = [m for m in emu.messages(CH) if m.text.startswith(f"M-{mid}")]
    assert len(parents) == 1, [m.text for m in emu.messages(CH)]
    thread = chat.get_thread(container.deps, mid, "slack")
    assert thread is not None and thread.ts == parents[0].ts
    assert len(emu.replies(CH, thread.ts)) == 1  # the revision note, once
    assert all(r.status == "done" for r in outbox_rows(container))

"""Scheduled jobs delivered to Slack: the real jobs write outbox rows, the relay
delivers them through the poster to the emulator, on SQLite and PostgreSQL. SLA notes
and escalation by direct message, approver reminders, one daily digest a day, and
retention replacing the mention and draft text in the bot's own messages."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot.slack import blocks as b
from bot.slack.poster import SlackPoster
from sandbox.slack_emulator import SlackEmulator
from tests.slack.test_poster import (
    AUTHOR,
    CH,
    MARKETING,
    RISK,
    emu,
    make_poster,
    poster,
    roles,
)
from tests.support.fakes import FixedSentiment
from tests.support.relay import deliver
from workflows import jobs
from workflows.relay import OutboxItem
from workflows.services import chat, drafting, mentions, release, signoff, viewing
from workflows.types import Actor, MentionInput

__all__ = ["emu", "poster"]  # the fixtures, re-used

MARKER = "zqmarker"
CRITICAL = "My attorney will call about this"


def add(
    container: Any, *texts: str, authors: list[str] | None = None, rating: int = 1
) -> list[int]:
    results = mentions.ingest(
        container.deps,
        [
            MentionInput(
                source="webhook",
                external_id=f"job-{i}-{text[:8]}",
                platform="google",
                author=(authors[i] if authors else f"Reviewer {i}"),
                text=text,
                url="https://maps.google.com/review?id=1",
                rating=rating,
            )
            for i, text in enumerate(texts)
        ],
    )
    return [r.id for r in results]


def thread_of(container: Any, mid: int) -> Any:
    thread = chat.get_thread(container.deps, mid, "slack")
    assert thread is not None and thread.ts
    return thread


def reply_texts(emu: SlackEmulator, ts: str) -> list[str]:
    return [r.text + "\n" + json.dumps(r.blocks) for r in emu.replies(CH, ts)]


# ------------------------------------------------------------------------ SLA


def test_sla_note_in_thread_parent_updated_and_critical_escalated_to_risk(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    roles(container)
    critical, other = add(container, CRITICAL, "Rude staff and a long wait")
    deliver(container)
    assert viewing.mention_view(container.deps, critical).severity == "critical"
    clock.advance(hours=3, minutes=10)  # critical (2 h) is 1 h 10 min late; the other is not
    assert jobs.sla_sweep(container.deps).count == 1
    deliver(container)
    thread = thread_of(container, critical)
    out = emu.render_channel(CH)
    assert f"M-{critical} is past its response SLA by 1 h 10 min" in out
    assert "Risk approvers were notified" in out
    parent = emu.message(CH, thread.ts)
    assert parent is not None and parent.edited and "overdue" in json.dumps(parent.blocks)
    # The risk approver gets ids and times and a link to the thread; nobody else does.
    (dm,) = emu.dms("U0RISK")
    dm_text = dm.text + json.dumps(dm.blocks)
    assert f"M-{critical}" in dm_text and "critical" in dm_text and "1 h 10 min" in dm_text
    assert "/archives/" in dm_text and "attorney" not in dm_text
    assert emu.dms("U0MKT") == [] and emu.dms("U0AUTHOR") == []
    assert not any("SLA" in t for t in reply_texts(emu, thread_of(container, other).ts))
    # Sweeping again before the next due time posts nothing more.
    assert jobs.sla_sweep(container.deps).count == 0
    assert deliver(container) == 0
    # A mention that is not critical gets its note, without escalation.
    clock.advance(hours=24)
    assert jobs.sla_sweep(container.deps).count == 1
    deliver(container)
    notes = [t for t in reply_texts(emu, thread_of(container, other).ts) if "SLA" in t]
    assert len(notes) == 1 and "Risk approvers" not in notes[0]
    assert len(emu.dms("U0RISK")) == 1
    assert sum("past its response SLA" in t for t in reply_texts(emu, thread.ts)) == 1


def test_sla_note_skipped_once_the_mention_is_closed(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    roles(container)
    (mid,) = add(container, CRITICAL)
    deliver(container)
    clock.advance(hours=3)
    jobs.sla_sweep(container.deps)
    mentions.dismiss(container.deps, RISK, mid, "spam")
    deliver(container)
    assert "past its response SLA" not in emu.render_channel(CH)
    assert emu.dms("U0RISK") == []


# ------------------------------------------------------------------------ reminders


def test_reminders_note_the_waiting_role_in_the_thread(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    roles(container)
    (mid,) = add(container, "Rude staff and a long wait")
    drafting.create_revision(container.deps, AUTHOR, mid, "We are sorry; please call us.")
    deliver(container)
    clock.advance(hours=5)
    assert jobs.approver_reminders(container.deps).count == 2
    deliver(container)
    thread = thread_of(container, mid)
    out = emu.render_channel(CH)
    assert f"M-{mid}: waiting on a marketing sign-off for revision 1" in out
    assert f"M-{mid}: waiting on a risk sign-off for revision 1" in out
    notes = [t for t in reply_texts(emu, thread.ts) if "waiting on a" in t]
    assert len(notes) == 2 and not any("<@" in t or "<!" in t for t in notes)
    # Marketing signs off: the next day only risk is reminded.
    signoff.sign_off(container.deps, MARKETING, mid, 1, "marketing")
    deliver(container)
    clock.advance(days=1)
    jobs.approver_reminders(container.deps)
    deliver(container)
    notes = [t for t in reply_texts(emu, thread.ts) if "waiting on a" in t]
    assert sum("marketing sign-off" in t for t in notes) == 1
    assert sum("risk sign-off" in t for t in notes) == 2
    assert len(emu.messages(CH)) == 1


def test_reminder_dropped_when_signed_off_before_delivery(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    roles(container)
    (mid,) = add(container, "Rude staff and a long wait")
    drafting.create_revision(container.deps, AUTHOR, mid, "We are sorry; please call us.")
    deliver(container)
    clock.advance(hours=5)
    jobs.approver_reminders(container.deps)
    signoff.sign_off(container.deps, MARKETING, mid, 1, "marketing")
    deliver(container)
    out = emu.render_channel(CH)
    assert "marketing sign-off for revision" not in out
    assert "risk sign-off for revision 1" in out


# ------------------------------------------------------------------------ digest


def test_daily_digest_one_message_a_day_ignored_shown_by_id_only(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    container.deps.sentiment = FixedSentiment(0.9)
    (ignored,) = add(container, f"Lovely nurses {MARKER}", authors=["Ivy Ignored"], rating=5)
    container.deps.sentiment = FixedSentiment(-0.9)
    critical, normal = add(container, CRITICAL, "Rude staff and a long wait")
    deliver(container)
    parents_before = len(emu.messages(CH))
    clock.advance(hours=3)  # the critical one is overdue
    jobs.sla_sweep(container.deps)
    assert jobs.daily_digest(container.deps).count == 1
    deliver(container)
    assert jobs.daily_digest(container.deps).count == 0
    deliver(container)
    digests = [m for m in emu.messages(CH) if "Daily digest" in m.text + json.dumps(m.blocks)]
    assert len(digests) == 1 and len(emu.messages(CH)) == parents_before + 1
    body = emu.render_channel(CH)
    assert "Daily digest — 2026-11-27" in body
    assert "/reply M-n" in body
    listed = b.text_fields(digests[0].blocks)
    overdue_at = next(i for i, t in enumerate(listed) if t == "*Overdue*")
    open_at = next(i for i, t in enumerate(listed) if t == "*Open*")
    ignored_at = next(i for i, t in enumerate(listed) if t.startswith("*Ignored"))
    assert f"*M-{critical}*" in "".join(listed[overdue_at:open_at])
    assert f"*M-{normal}*" in "".join(listed[open_at:ignored_at])
    assert f"*M-{critical}*" not in "".join(listed[open_at:ignored_at])
    assert f"*M-{ignored}* · Google · ★★★★★" in "".join(listed[ignored_at:])
    # Ignored mentions were never posted: neither their text nor their author is shown.
    raw = emu.raw_channel_payloads(CH)
    assert MARKER not in raw and "Ivy" not in raw
    # Nor does the digest name anyone: it outlives the retention period.
    assert not any("Reviewer" in t for t in listed)
    # Another process handed the same day's digest again finds it and posts nothing.
    fresh = make_poster(container, emu)
    fresh.handle_chat(
        OutboxItem(
            id=10_000,
            topic="chat.digest",
            mention_id=None,
            revision_id=None,
            payload={"date": "2026-11-27", "ignored": [], "open": [normal], "overdue": []},
            attempts=0,
        )
    )
    assert sum("Daily digest" in m.text for m in emu.messages(CH)) == 1
    # The next day brings the next digest.
    clock.advance(days=1)
    assert jobs.daily_digest(container.deps).count == 1
    deliver(container)
    assert sum("Daily digest" in m.text for m in emu.messages(CH)) == 2
    assert "Daily digest — 2026-11-28" in emu.render_channel(CH)


def test_daily_digest_caps_long_lists(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    ids = add(container, *[f"Rude staff, visit {i}" for i in range(b.DIGEST_CAP + 5)])
    deliver(container)
    jobs.daily_digest(container.deps)
    deliver(container)
    (digest,) = [m for m in emu.messages(CH) if "Daily digest" in m.text]
    text = "\n".join(b.text_fields(digest.blocks))
    assert "…and 5 more." in text
    assert sum(f"*M-{i}*" in text for i in ids) == b.DIGEST_CAP
    assert f"{len(ids)} open" in text


# ------------------------------------------------------------------------ retention


def _redact_setup(container: Any) -> None:
    container.deps.policy = dataclasses.replace(container.deps.policy, retention_days=30)


def test_redaction_replaces_parent_and_thread_text_in_slack(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    _redact_setup(container)
    roles(container)
    long_text = f"Awful {MARKER} " + " ".join(f"word{i}" for i in range(1500))
    gone, held = add(
        container,
        long_text,
        "Awful keptmarker too",
        authors=["Ann Markerson", "Bo Kept"],
    )
    deliver(container)
    drafting.create_revision(container.deps, AUTHOR, gone, f"Sorry to hear it {MARKER}draft.")
    drafting.create_revision(container.deps, AUTHOR, gone, f"Sorry, again {MARKER}second.")
    signoff.sign_off(container.deps, MARKETING, gone, 2, "marketing")
    signoff.sign_off(container.deps, RISK, gone, 2, "risk")  # released by hand below
    deliver(container)
    release.mark_posted(container.deps, MARKETING, gone, 2)
    mentions.dismiss(container.deps, AUTHOR, held, "spam")
    mentions.set_legal_hold(container.deps, Actor.cli(), held, True)
    deliver(container)
    assert MARKER in emu.render_channel(CH) and "Ann Markerson" in emu.render_channel(CH)
    thread = thread_of(container, gone)
    before = len(emu.replies(CH, thread.ts))
    clock.advance(days=31)
    assert jobs.retention_sweep(container.deps).count == 1
    deliver(container)
    view = viewing.mention_view(container.deps, gone)
    assert view.redacted and view.text is None
    out = emu.render_channel(CH)
    assert MARKER not in out and "Ann Markerson" not in out and "word700" not in out
    assert MARKER not in emu.channel_text(CH)
    assert f"M-{gone} — text removed under the retention policy" in out
    parent = emu.message(CH, thread.ts)
    assert parent is not None and parent.edited
    # Notes without text stay as they were (sign-offs, the release and its hash).
    assert len(emu.replies(CH, thread.ts)) == before
    assert "Released" in out and "signed off" in out
    # The mention on legal hold keeps its text and author in Slack.
    assert "keptmarker" in out and "Bo Kept" in out
    # Delivering again changes nothing.
    updates = len(emu.calls_to("chat.update"))
    assert deliver(container) == 0
    assert len(emu.calls_to("chat.update")) == updates


def test_redaction_replaces_blocked_draft_sent_to_risk_by_dm(
    container: Any, emu: SlackEmulator, poster: SlackPoster, clock: Any
) -> None:
    _redact_setup(container)
    roles(container)
    (mid,) = add(container, "Rude staff and a long wait")
    deliver(container)
    blocked = f"We reviewed your chart {MARKER} and the diagnosis was right."
    assert drafting.create_revision(container.deps, AUTHOR, mid, blocked).blocked
    drafting.send_to_risk(container.deps, AUTHOR, mid, 1)
    deliver(container)
    assert any(MARKER in m.text + json.dumps(m.blocks) for m in emu.dms("U0RISK"))
    mentions.dismiss(container.deps, AUTHOR, mid, "spam")
    deliver(container)
    clock.advance(days=31)
    assert jobs.retention_sweep(container.deps).count == 1
    deliver(container)
    dms = emu.dms("U0RISK")
    assert dms and not any(MARKER in m.text + json.dumps(m.blocks) for m in dms)
    assert any("text removed under the retention policy" in json.dumps(m.blocks) for m in dms)
    assert "Rude staff" not in emu.render_channel(CH)


def test_redaction_of_a_mention_listed_in_a_burst_touches_only_that_mention(
    container: Any, emu: SlackEmulator, clock: Any
) -> None:
    _redact_setup(container)
    make_poster(container, emu, digest_threshold=2)
    ids = add(
        container,
        "First wait",
        "Second wait",
        f"Third wait {MARKER}",
        "Fourth wait keepme",
        authors=["Al One", "Bea Two", "Cy Markerauthor", "Di Four"],
    )
    deliver(container)
    target, neighbour = ids[2], ids[3]
    listing = emu.messages(CH)[-1]
    listed = "\n".join(b.text_fields(listing.blocks))
    assert f"*M-{target}*" in listed and f"*M-{neighbour}*" in listed
    assert "Markerauthor" not in listed and MARKER not in listed, "a listing shows no author"
    # acting on a listed mention posts its own message and starts its thread
    drafting.create_revision(container.deps, AUTHOR, target, f"Sorry {MARKER}draft.")
    drafting.create_revision(container.deps, AUTHOR, neighbour, "Sorry, neighbourdraft.")
    deliver(container)
    assert thread_of(container, target).ts and thread_of(container, neighbour).ts
    mentions.dismiss(container.deps, AUTHOR, target, "spam")
    deliver(container)
    clock.advance(days=31)
    assert jobs.retention_sweep(container.deps).count == 1
    deliver(container)
    out = emu.render_channel(CH)
    assert MARKER not in out and "Markerauthor" not in out
    assert "keepme" in out and "Di Four" in out and "neighbourdraft" in out
    after = "\n".join(b.text_fields(emu.message(CH, listing.ts).blocks))  # type: ignore[union-attr]
    assert after == listed, "the listing carried nothing to redact and is left alone"


# ------------------------------------------------------------------------ builders


def test_duration_text_and_text_detection() -> None:
    assert b.duration_text(70) == "1 h 10 min"
    assert b.duration_text(60) == "1 h"
    assert b.duration_text(5) == "5 min"
    assert b.duration_text(24 * 60 + 125) == "1 d 2 h"
    assert not b.carries_text(b.removed_text_message("M-1").blocks)
    note = b.refusal_note("M-1", "sign_off", "not_allowed")
    assert not b.carries_text(note.blocks)
    hostile = b.section(b.escape("> <!channel> quoted by the reviewer"))
    assert not b.carries_text([hostile])
    assert b.carries_text([b.section(b.quote_lines(b.escape("text")))])

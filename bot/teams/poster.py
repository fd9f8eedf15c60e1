"""Outbound Teams delivery: the outbox relay's handlers for ``chat.*`` (adapter
``teams``) and the manual ``publish`` handler. They run in the relay's worker thread,
synchronously, through ``Connector``.

- Where: ``TEAMS_CHANNEL_ID`` when set, else the channel the app was installed in
  (``chat.get_installation``); neither → ``Retry("teams_not_installed", after=60)``.
  The service URL comes from the installation reference, else the last authenticated
  activity, else Teams' global URL.
- Each negative mention becomes one card posted proactively in the channel; its
  activity id and a conversation reference are stored with ``chat.save_thread``
  (so updates and notes work after a restart). A parent is posted only if no thread is
  stored for the mention.
- A burst of new mentions is listed, not posted one by one, as on Slack: the core
  decides (``workflows.services.listing``) and claims up to ``cards.LISTING_CAP``
  mentions per step; this poster draws one listing card (``cards.listing_card``: ids,
  severity, platform and age, grouped; no author or text) and posts it in the slot the
  core reserved at this poster's pace (``per_second`` per channel, shared by replicas
  through ``deps.shared``). A listed mention's own card is posted when someone acts on
  it: "Open a mention" on the listing card (``digest_open``, ``chat.mention_open``) or
  any note or change of state. A listing whose post failed (the answer may be lost) is
  posted again on the next attempt: the Bot Connector lets a bot read nothing back, so
  in that window its mentions may be listed twice, never lost.
- Notes go into the mention's thread (conversation id ``<channel>;messageid=<id>``) and
  the parent card is updated in place (``update_activity``).
- Idempotency of notes: keyed by outbox item id **in memory** (this process). A process
  that dies between posting a note and the relay recording success may post that note
  once more after restart; the Bot Connector offers no read-back of channel messages to
  a bot, so we accept that (parents are keyed in the database and never posted twice,
  except in the same crash window between posting and ``save_thread``).
- The channel never gets a blocked draft's text or the words a finding flags (only the
  kinds: ``cards.blocked_notice``).
- Buttons disappear once they can no longer be used: a clicked card is redrawn by the
  invoke answer, and after every change of state or sign-offs the notes with buttons that
  this process posted for the mention are redrawn in place (``update_activity``; a
  revision card from the current revision, others as posted) with only the buttons the
  core still offers (``permissions.still_offered``). Like retention above, notes posted
  before a restart are not known here: their stale buttons stay, and the service refuses
  them with a plain answer.

Mention and reply text never appear in logs, exceptions or card action data.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from botbuilder.schema import Activity

from bot import delivery
from bot.teams import cards
from bot.teams.connector import DEFAULT_SERVICE_URL, Connector, TeamsDeliveryError
from bot.teams.handlers import message
from workflows import state_machine as sm
from workflows.labels import topic_label
from workflows.permissions import still_offered
from workflows.relay import OutboxItem, Relay, Retry
from workflows.services import chat, listing, viewing
from workflows.services.shared import Deps
from workflows.state_machine import RevisionState, State
from workflows.topics import CHAT_PREFIX, Topic
from workflows.types import Actor
from workflows.views import MentionView, RevisionView, ThreadRef

log = logging.getLogger("countersign.teams.poster")

PLATFORM = "teams"
SYSTEM = Actor.system("teams-poster")
OPEN_STATES = sm.OPEN_STATES


@dataclass(frozen=True)
class Target:
    service_url: str
    channel: str
    tenant_id: str | None


Rebuild = Callable[[MentionView], "cards.Card | None"]


@dataclass(frozen=True)
class _Drawn:
    """A note with buttons this process posted: where it is, what it shows now, and how
    to draw it again from the current view (None: as it was posted)."""

    conversation: str
    card: cards.Card
    rebuild: Rebuild | None = None


@dataclass
class TeamsPoster:
    deps: Deps
    connector: Connector
    channel_id: str | None
    tenant_id: str | None
    service_url_hint: Callable[[], str | None] = lambda: None
    max_drawn_mentions: int = 5000
    # listings: at most this many posts a second per channel (shared by replicas)
    per_second: float = 1.0
    max_sleep: float = 2.0
    digest_threshold: int = 5
    digest_window: float = 60.0
    wall_clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    # the chat platforms every new mention goes to (``register_handlers`` reads them off
    # the relay): a listing closes the rows of mentions listed on all of them
    chat_platforms: Callable[[], tuple[str, ...]] = tuple
    _sent: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _drawn: dict[int, dict[str, _Drawn]] = field(default_factory=dict)

    # ------------------------------------------------------------------ entry points

    def handle_chat(self, item: OutboxItem) -> None:
        handlers: dict[str, Callable[[OutboxItem], None]] = {
            Topic.MENTION_NEW: self._mention_new,
            Topic.MENTION_UPDATED: self._mention_updated,
            Topic.MENTION_OPEN: self._mention_open,
            Topic.REVISION: self._revision,
            Topic.RISK_REVIEW: self._risk_review,
            Topic.OVERRIDE: self._override,
            Topic.SIGNOFF: self._signoff,
            Topic.CHANGES_REQUESTED: self._changes_requested,
            Topic.RELEASED: self._released,
            Topic.PUBLISH_FAILED: self._publish_failed,
            Topic.TAKEN_DOWN: self._taken_down,
            Topic.PLATFORM_NOTE: self._platform_note,
            Topic.DELIVERY_FAILED: self._delivery_failed,
            Topic.REFUSAL: self._refusal,
            Topic.REDACTED: self._redacted,
            Topic.SLA_OVERDUE: self._sla_overdue,
            Topic.REMINDER: self._reminder,
        }
        handler = handlers.get(item.topic)
        if handler is None or item.mention_id is None:
            log.info("teams: nothing to deliver", extra={"topic": item.topic, "outbox_id": item.id})
            return
        handler(item)

    def handle_publish(self, item: OutboxItem) -> None:
        """Manual publishing: the approved text with a ``Mark as posted`` button."""
        if item.mention_id is None:
            return
        mention, thread = self._context(item)
        revision = self._revision_of(mention, int(item.payload.get("number", 0)))
        if revision is None or revision.text is None:
            raise TeamsDeliveryError("publish", 0)
        digest = hashlib.sha256(revision.text.encode("utf-8")).hexdigest()
        if digest != item.payload.get("sha256") or digest != revision.text_sha256:
            raise TeamsDeliveryError("publish_hash_mismatch", 0)
        self._note(item, thread, cards.manual_publish_card(mention, revision))
        self._retire_buttons(mention, thread)

    # ------------------------------------------------------------------ where

    def target(self) -> Target:
        installation = chat.get_installation(self.deps, PLATFORM) or {}
        service_url = str(installation.get("serviceUrl") or "") or self.service_url_hint()
        conversation = installation.get("conversation") or {}
        tenant = self.tenant_id or (conversation.get("tenantId") if conversation else None)
        if self.channel_id:
            return Target(service_url or DEFAULT_SERVICE_URL, self.channel_id, tenant)
        channel = str(conversation.get("id") or "") if isinstance(conversation, dict) else ""
        if not channel or not service_url:
            raise Retry("teams_not_installed", after=60)
        return Target(service_url, channel, tenant)

    # ------------------------------------------------------------------ topics

    def _mention_new(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        thread = chat.get_thread(self.deps, item.mention_id, PLATFORM)
        if thread is not None and thread.ts:
            mention = viewing.mention_view(self.deps, item.mention_id)
            self._update_parent(mention, thread)  # a retry, or a reopened mention
            self._retire_buttons(mention, thread)
            return
        if listing.is_listed(thread):
            return  # in a listing card: its own card waits for someone to act
        target = self.target()
        turn = listing.turn(
            self.deps,
            PLATFORM,
            target.channel,
            item.mention_id,
            self.wall_clock(),
            self._policy(),
            lane=lane(target.channel),
        )
        if turn.do is listing.Do.DONE:
            return
        if turn.do is listing.Do.WAIT:
            raise Retry("listing_pending", after=turn.after, waiting=True)
        if turn.listing is not None:
            self._post_listing(target, turn.listing)
            listing.keep_listing(  # this row lists the rest of the burst, a card a slot
                self.deps,
                PLATFORM,
                target.channel,
                self._policy(),
                lambda claim: self._post_listing(target, claim),
                clock=self.wall_clock,
                sleep=self.sleep,
                lane=lane(target.channel),
                renew_lease=item.renew_lease,
                stopping=item.stopping,
            )
            if not turn.lists(item.mention_id):
                raise Retry("listing_pending", after=turn.after, waiting=True)
            return
        self._post_own(viewing.mention_view(self.deps, item.mention_id), target)

    def _policy(self) -> listing.ListingPolicy:
        return listing.policy(
            self.per_second,
            self.digest_threshold,
            self.digest_window,
            self.max_sleep,
            cards.LISTING_CAP,
        )

    def _post_own(self, mention: MentionView, target: Target) -> ThreadRef:
        """The mention's own card in the channel; its activity id and a conversation
        reference are stored (so updates and notes work after a restart)."""
        activity = self._card_activity(cards.mention_card(mention, now=self.deps.clock()))
        activity.summary = f"{mention.ref}: new {mention.severity} mention"
        activity_id = self.connector.send(target.service_url, target.channel, activity)
        reference = {
            "serviceUrl": target.service_url,
            "channelId": "msteams",
            "conversation": {
                "id": target.channel,
                "conversationType": "channel",
                "tenantId": target.tenant_id,
            },
            "activityId": activity_id,
            "threadId": f"{target.channel};messageid={activity_id}",
        }
        return chat.save_thread(
            self.deps,
            mention.id,
            PLATFORM,
            target.channel,
            ts=activity_id,
            conversation_ref=reference,
        )

    def _post_listing(self, target: Target, claim: listing.Listing) -> None:
        """One listing card in the slot the core reserved, then confirmed. A failed post
        gives the claim up at once (posted again by the next attempt)."""
        try:
            if claim.wait > 0:
                self.sleep(claim.wait)
            views = viewing.mention_views(self.deps, list(claim.mention_ids))
            activity = self._card_activity(cards.listing_card(views, now=self.deps.clock()))
            activity.summary = f"{len(views)} new negative mentions arrived together"
            activity_id = self.connector.send(target.service_url, claim.channel, activity)
        except Exception:
            listing.release(self.deps, PLATFORM, claim)
            raise
        listing.confirm(self.deps, PLATFORM, claim, activity_id, platforms=self.chat_platforms())

    def _post_listed(self, mention: MentionView) -> None:
        """Post the own card of a mention listed in a listing card (once: under the
        mention's own lock the stored thread is read again)."""
        target = self.target()
        with self.deps.shared.exclusive(f"own-card:{PLATFORM}:{mention.id}"):
            if listing.is_listed(chat.get_thread(self.deps, mention.id, PLATFORM)):
                self._post_own(mention, target)

    def _mention_open(self, item: OutboxItem) -> None:
        """Someone chose a mention on a listing card: its own card (posted once, with its
        buttons). Teams has no ephemeral messages; the clicker was answered already."""
        self._context(item)

    def _mention_updated(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        mention = viewing.mention_view(self.deps, item.mention_id)
        thread = chat.get_thread(self.deps, mention.id, PLATFORM)
        if listing.is_listed(thread):
            self._post_listed(mention)  # someone acted on it: drawn as it is now
            return
        if thread is None or not thread.ts:
            if mention.state == State.IGNORED:
                return
            raise Retry("parent_not_posted_yet", after=5, waiting=True)
        self._update_parent(mention, thread)
        self._retire_buttons(mention, thread)

    def _revision(self, item: OutboxItem) -> None:
        def build(m: MentionView, r: RevisionView) -> cards.Card:
            if r.verdict == "block" and r.state in (
                RevisionState.BLOCKED,
                RevisionState.SUPERSEDED,
            ):
                return cards.blocked_notice(m, r)  # the channel sees only the kinds
            return cards.revision_card(m, r)

        self._revision_note(item, build)

    def _risk_review(self, item: OutboxItem) -> None:
        self._revision_note(item, cards.risk_review_note)

    def _override(self, item: OutboxItem) -> None:
        finding = int(item.payload.get("finding", 0) or 0)
        cleared = bool(item.payload.get("cleared"))

        def build(m: MentionView, r: RevisionView) -> cards.Card:
            c = cards.override_note(m, r, finding, cleared)
            if cleared:
                passed = cards.revision_card(m, r)
                c = cards.card(c["body"] + passed["body"], passed.get("actions"))
            return c

        self._revision_note(item, build)

    def _signoff(self, item: OutboxItem) -> None:
        role = str(item.payload.get("role", ""))
        complete = bool(item.payload.get("complete"))
        self._revision_note(item, lambda m, r: cards.signoff_note(m, r, role, complete))

    def _changes_requested(self, item: OutboxItem) -> None:
        role = str(item.payload.get("role", ""))
        self._revision_note(item, lambda m, r: cards.changes_requested_note(m, r, role))

    def _released(self, item: OutboxItem) -> None:
        number = int(item.payload.get("number", 0) or 0)
        manual = bool(item.payload.get("manual"))
        self._mention_note(item, lambda m: cards.released_note(m, number, manual))

    def _publish_failed(self, item: OutboxItem) -> None:
        number = int(item.payload.get("number", 0) or 0)
        code = str(item.payload.get("code", "unknown"))
        self._mention_note(item, lambda m: cards.publish_failed_note(m, number, code))

    def _taken_down(self, item: OutboxItem) -> None:
        self._mention_note(item, cards.taken_down_note)

    def _platform_note(self, item: OutboxItem) -> None:
        """From the review-platform publishers: alerts, takedown results, instructions."""
        message = str(item.payload.get("message", ""))
        self._mention_note(item, lambda m: cards.note(f"{m.ref}: {cards.escape(message)}"))

    def _delivery_failed(self, item: OutboxItem) -> None:
        what = topic_label(str(item.payload.get("topic", "")))
        self._mention_note(
            item,
            lambda m: cards.note(
                f"{m.ref}: the {cards.escape(what)} notification could not be delivered after "
                "repeated attempts. Check this thread against the mention's status before acting."
            ),
        )

    def _refusal(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        thread = chat.get_thread(self.deps, item.mention_id, PLATFORM)
        if thread is None or not thread.ts:
            return  # never posted here; the person who acted was answered
        c = cards.refusal_note(
            f"M-{item.mention_id}",
            str(item.payload.get("action", "")),
            str(item.payload.get("code", "")),
            str(item.payload.get("actor") or "") or None,
        )
        self._note(item, thread, c)

    def _sla_overdue(self, item: OutboxItem) -> None:
        mention, thread = self._context(item)
        if mention.state not in OPEN_STATES:
            return
        minutes = int(item.payload.get("overdue_minutes", 0) or 0)
        self._note(
            item,
            thread,
            cards.note(f"⏰ **{mention.ref}** is past its response SLA by {minutes} min."),
        )
        self._update_parent(mention, thread)

    def _reminder(self, item: OutboxItem) -> None:
        mention, thread = self._context(item)
        number = int(item.payload.get("number", 0) or 0)
        role = "".join(ch for ch in str(item.payload.get("role", "")) if ch.isalpha())[:20]
        latest = mention.latest
        if mention.state != State.IN_REVIEW or latest is None or latest.number != number:
            return
        if latest.signed_by(role) is not None:
            return
        self._note(
            item,
            thread,
            cards.note(
                f"⏳ **{mention.ref}**: waiting on a {role} sign-off for revision {number}."
            ),
        )

    def _redacted(self, item: OutboxItem) -> None:
        """Retention: replace the parent card, and the notes this process posted, with a
        notice (notes posted before a restart are not known here and stay)."""
        assert item.mention_id is not None
        thread = chat.get_thread(self.deps, item.mention_id, PLATFORM)
        if thread is None or not thread.ts or not thread.channel:
            return
        ref = f"M-{item.mention_id}"
        with self._lock:
            self._drawn.pop(item.mention_id, None)  # never draw their text again
        service_url = self._service_url(thread)
        notice = self._card_activity(cards.redacted_card(ref))
        self._update(service_url, thread.channel, thread.ts, notice)
        with self._lock:
            notes = [
                (key, aid)
                for key, aid in self._sent.items()
                if key.startswith(f"mention:{item.mention_id}:")
            ]
        for _key, activity_id in notes:
            self._update(
                service_url,
                f"{thread.channel};messageid={thread.ts}",
                activity_id,
                self._card_activity(cards.redacted_card(ref)),
            )

    # ------------------------------------------------------------------ helpers

    def _context(self, item: OutboxItem) -> tuple[MentionView, ThreadRef]:
        """The mention and its thread. A mention only listed in a listing card gets its
        own card first (someone acted on it); one not posted yet waits."""
        assert item.mention_id is not None
        if listing.is_listed(chat.get_thread(self.deps, item.mention_id, PLATFORM)):
            self._post_listed(viewing.mention_view(self.deps, item.mention_id))
        return delivery.mention_and_thread(self.deps, item, PLATFORM)

    def _revision_of(self, mention: MentionView, number: int) -> RevisionView | None:
        return delivery.revision_of(self.deps, mention, number)

    def _revision_note(
        self, item: OutboxItem, build: Callable[[MentionView, RevisionView], cards.Card]
    ) -> None:
        mention, thread = self._context(item)
        number = int(item.payload.get("number", 0) or 0)
        revision = self._revision_of(mention, number)
        if revision is None:
            return

        def rebuild(m: MentionView) -> cards.Card | None:
            rev = self._revision_of(m, number)
            return build(m, rev) if rev is not None else None

        self._note(item, thread, build(mention, revision), rebuild)
        self._update_parent(mention, thread)
        self._retire_buttons(mention, thread)

    def _mention_note(self, item: OutboxItem, build: Callable[[MentionView], cards.Card]) -> None:
        mention, thread = self._context(item)
        self._note(item, thread, build(mention))
        self._update_parent(mention, thread)
        self._retire_buttons(mention, thread)

    def _service_url(self, thread: ThreadRef) -> str:
        ref = thread.conversation_ref or {}
        return str(ref.get("serviceUrl") or "") or self.target().service_url

    def _note(
        self, item: OutboxItem, thread: ThreadRef, c: cards.Card, rebuild: Rebuild | None = None
    ) -> str:
        """Post ``c`` as a reply in the mention's thread, once per outbox row. A note with
        buttons is remembered (with how to redraw it) so they can be retired later."""
        assert thread.channel and thread.ts
        key = f"mention:{thread.mention_id}:outbox:{item.id}"
        with self._lock:
            if key in self._sent:
                return self._sent[key]
        conversation = f"{thread.channel};messageid={thread.ts}"
        activity_id = self.connector.send(
            self._service_url(thread), conversation, self._card_activity(c)
        )
        with self._lock:
            self._sent[key] = activity_id
            if cards.has_buttons(c):
                self._remember(thread.mention_id, activity_id, _Drawn(conversation, c, rebuild))
        return activity_id

    def _remember(self, mention_id: int, activity_id: str, drawn: _Drawn) -> None:
        """(Under the lock.) Keep a note with buttons; the oldest mentions are forgotten
        beyond ``max_drawn_mentions``."""
        notes = self._drawn.pop(mention_id, {})
        notes[activity_id] = drawn
        self._drawn[mention_id] = notes  # most recently used last
        while len(self._drawn) > self.max_drawn_mentions:
            self._drawn.pop(next(iter(self._drawn)))

    def _retire_buttons(self, mention: MentionView, thread: ThreadRef) -> None:
        """Redraw this mention's remembered notes with only the buttons that can still be
        used (the core decides: ``still_offered``). A note whose card would not change is
        left alone, so a retry updates nothing twice; a note left without buttons is
        forgotten."""
        with self._lock:
            notes = list(self._drawn.get(mention.id, {}).items())
        if not notes:
            return

        def usable(verb: str, value: str) -> bool:
            return still_offered(mention, verb, value)

        service_url = self._service_url(thread)
        for activity_id, drawn in notes:
            base = drawn.rebuild(mention) if drawn.rebuild is not None else None
            now = cards.live_actions(base if base is not None else drawn.card, usable)
            if now != drawn.card:
                self._update(service_url, drawn.conversation, activity_id, self._card_activity(now))
            with self._lock:
                kept = self._drawn.get(mention.id)
                if kept is None or activity_id not in kept:
                    continue  # redacted meanwhile
                if cards.has_buttons(now):
                    kept[activity_id] = replace(drawn, card=now)
                else:
                    kept.pop(activity_id)
                    if not kept:
                        self._drawn.pop(mention.id, None)

    def _update_parent(self, mention: MentionView, thread: ThreadRef) -> None:
        if not thread.channel or not thread.ts:
            return
        activity = self._card_activity(cards.mention_card(mention, now=self.deps.clock()))
        self._update(self._service_url(thread), thread.channel, thread.ts, activity)

    def _update(self, service_url: str, conversation: str, activity_id: str, a: Activity) -> None:
        try:
            self.connector.update(service_url, conversation, activity_id, a)
        except TeamsDeliveryError as exc:
            if exc.status != 404:
                raise
            log.warning("teams: message is gone; not updated", extra={"status": exc.status})

    @staticmethod
    def _card_activity(c: cards.Card) -> Activity:
        return message(card=c)


def lane(channel: str) -> str:
    """The key of a Teams channel's pace and burst lock (Teams conversation ids can be
    longer than the shared tables' 64-character keys)."""
    return "teams:" + hashlib.sha256(channel.encode("utf-8")).hexdigest()[:32]


def register_handlers(
    relay: Relay,
    deps: Deps,
    connector: Connector,
    *,
    channel_id: str | None,
    tenant_id: str | None,
    service_url_hint: Callable[[], str | None] = lambda: None,
    manual_publish: bool = True,
    **options: Any,
) -> TeamsPoster:
    poster = TeamsPoster(
        deps,
        connector,
        channel_id,
        tenant_id,
        service_url_hint=service_url_hint,
        chat_platforms=lambda: relay.adapters(CHAT_PREFIX),
        **options,
    )
    relay.register(CHAT_PREFIX, poster.handle_chat, adapter="teams")
    if manual_publish:
        relay.register(Topic.PUBLISH, poster.handle_publish, adapter="teams")
    return poster


__all__ = ["TeamsPoster", "register_handlers"]

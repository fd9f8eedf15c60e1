"""Outbound Slack delivery: the outbox relay's handlers for every ``chat.*`` topic and the
manual ``publish`` handler. They run in the relay, after the service's transaction
committed, synchronously, with a slack_sdk ``WebClient`` whose ``base_url`` comes from
``SLACK_API_BASE_URL``.

- Each negative mention becomes one parent message; its Slack channel and ``ts`` are
  stored with ``chat.save_thread``. Notes go into that thread and the parent is
  updated to show the current state.
- The bot refuses to post into a channel shared with another organisation (Slack
  Connect): ``ChannelRefused`` is raised and logged; the relay retries with backoff and
  marks the row dead if the channel stays shared.
- Posting honours about one message a second per channel across every replica (the
  pace lives in ``deps.shared``: a short wait is slept, a longer one becomes
  ``Retry(after=…)``) and Slack's own 429 ``Retry-After``, shared the same way.
- Retries cannot post twice: a parent is posted only if no thread is stored for the
  mention, and every message carries metadata with a delivery key (ids only); a retry
  first looks for a message with that key (``conversations.history``/``replies`` with
  ``include_all_metadata``) before posting again.
- A burst of new mentions is listed, not posted one by one; the core decides
  (``workflows.services.listing``): one listing step claims up to ``blocks.BURST_CAP``
  mentions not decided yet (one query under the channel's burst lock), and this poster
  draws them in one message (grouped by severity then platform; ids, severity, platform
  and age only) and posts it with one ``chat.postMessage`` in the channel's next slot,
  which listings take before notes. The row that posted a listing keeps listing the
  burst, one listing a slot, while mentions wait (``listing.keep_listing``), so one actor
  a second takes the burst lock. A row whose mention another step listed is done at
  once; one whose mention waits for a later step raises ``Retry("listing_pending",
  waiting=True)`` with an estimate of its turn. A listing's post carries its delivery
  key; after a failed post (the answer may be lost) the claim is released and the next
  attempt looks for that key in the channel before posting again. A listed mention's
  own parent is posted when someone acts on it: "Open a mention…" in the listing
  (``chat.mention_open``, which also sends the clicker an ephemeral link) or any thread
  note or change of state (``_context``). (Threads saved under the earlier
  digest-thread scheme keep working.)
- The words a finding flags and a blocked draft's text never go to the channel: risk
  approvers get them by direct message.
- Buttons disappear once they can no longer be used: after a change of state or
  sign-offs, the mention's earlier thread notes are read back (``conversations.replies``
  with our metadata) and redrawn with ``chat.update``, text unchanged, keeping only the
  buttons the core still offers (``permissions.still_offered``).

Mention and reply text never appear in logs, exceptions or button values.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import delivery
from bot.slack import blocks as b
from workflows import state_machine as sm
from workflows.labels import topic_label
from workflows.permissions import still_offered
from workflows.relay import OutboxItem, Relay, Retry
from workflows.services import chat, listing, reporting, roles, viewing
from workflows.services.shared import Deps
from workflows.state_machine import RevisionState, State
from workflows.topics import CHAT_PREFIX, Topic
from workflows.types import Actor
from workflows.views import MentionView, RevisionView, ThreadRef

log = logging.getLogger("countersign.slack.poster")

PLATFORM = "slack"
OPEN_STATES = sm.OPEN_STATES
METADATA_EVENT = "countersign_delivery"
SYSTEM = Actor.system("slack-poster")

# Slack errors worth retrying soon; anything else is retried with the relay's backoff too,
# but logged as a configuration problem.
TRANSIENT = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "ratelimited",
        "rate_limited",
        "team_added_to_org",
    }
)

# Seconds the poster waits for Slack's answer. A post whose answer never came may still
# land afterwards, so its retry waits SETTLE_AFTER_TIMEOUT before reading the channel
# back; a retry sooner would find nothing yet and post a second copy.
REQUEST_TIMEOUT = 15
SETTLE_AFTER_TIMEOUT = 60.0
# read-back looks through the newest 1,000 messages of a channel or thread (5 pages)
READ_BACK_PAGES = 5
WRITES = frozenset({"chat_postMessage", "chat_postEphemeral"})


class ChannelRefused(Exception):
    """The target channel is shared with another organisation (Slack Connect)."""

    def __init__(self, channel: str) -> None:
        super().__init__(f"refusing to post into externally shared channel {channel}")
        self.channel = channel


class SlackDeliveryError(Exception):
    """Slack refused a call for a reason that needs a person (bad token, no channel...)."""

    def __init__(self, method: str, code: str) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code


ClientFactory = Callable[[], WebClient]


def client_factory(
    token: str, base_url: str = "https://slack.com/api/", timeout: int = REQUEST_TIMEOUT
) -> ClientFactory:
    """A factory for the poster's WebClient: no hidden retries (the relay retries)."""

    def make() -> WebClient:
        return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])

    return make


@dataclass
class SlackPoster:
    """Delivers outbox rows to Slack. Create with ``register_handlers``."""

    deps: Deps
    make_client: ClientFactory
    channel_id: str
    # Slack allows about one post a second per channel; a post paced at exactly 1/s that
    # lands a few milliseconds early is refused (429), so the pace keeps 10% in hand
    per_second: float = 0.9
    burst: int = 1
    max_sleep: float = 2.0
    digest_threshold: int = 5
    digest_window: float = 60.0
    share_check_ttl: float = 300.0
    monotonic: Callable[[], float] = time.monotonic
    # epoch seconds: the pace and burst state are shared with other replicas
    wall_clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    # the chat platforms every new mention goes to (``register_handlers`` reads them off
    # the relay): a listing closes the rows of mentions listed on all of them
    chat_platforms: Callable[[], tuple[str, ...]] = tuple
    _client: WebClient | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _checked: dict[str, float] = field(default_factory=dict)
    _sent: dict[str, str] = field(default_factory=dict)
    _listing_views: dict[int, MentionView] = field(default_factory=dict)
    _claim: threading.local = field(default_factory=threading.local)

    # ------------------------------------------------------------------ entry points

    def handle_chat(self, item: OutboxItem) -> None:
        self._one_claim(self._chat, item)

    def handle_publish(self, item: OutboxItem) -> None:
        """The manual publisher: post the approved text with a link to the review and a
        ``Mark as posted`` button into the mention's thread."""
        self._one_claim(self._manual_publish, item)

    def _one_claim(self, handler: Callable[[OutboxItem], None], item: OutboxItem) -> None:
        """One claim of a row. A wait (``Retry(waiting=True)``) tells the relay nothing
        was sent, so the row's next claim would not read back before posting: once this
        claim has posted something, the wait is passed on as an ordinary retry."""
        self._claim.posted = False
        try:
            handler(item)
        except Retry as exc:
            if exc.waiting and self._claim.posted:
                raise Retry(exc.code, exc.after) from None
            raise

    def _chat(self, item: OutboxItem) -> None:
        topic = item.topic
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
            Topic.SLA_OVERDUE: self._sla_overdue,
            Topic.REMINDER: self._reminder,
            Topic.REDACTED: self._redacted,
        }
        handler = handlers.get(topic)
        if topic == Topic.DIGEST:
            self._daily_digest(item)
            return
        if handler is None or item.mention_id is None:
            log.info("slack: nothing to deliver", extra={"topic": topic, "outbox_id": item.id})
            return
        handler(item)

    def _manual_publish(self, item: OutboxItem) -> None:
        if item.mention_id is None:
            return
        number = int(item.payload.get("number", 0))
        mention, thread = self._context(item)
        revision = self._revision_of(mention, number)
        if revision is None or revision.text is None:
            raise SlackDeliveryError("publish", "revision_unavailable")
        digest = hashlib.sha256(revision.text.encode("utf-8")).hexdigest()
        if digest != item.payload.get("sha256") or digest != revision.text_sha256:
            # Never hand over anything but the exact text that was signed off.
            raise SlackDeliveryError("publish", "hash_mismatch")
        self._note(item, thread, b.manual_publish_message(mention, revision))
        self._retire_buttons(mention, thread)

    # ------------------------------------------------------------------ topics

    def _mention_new(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        thread = chat.get_thread(self.deps, item.mention_id, PLATFORM)
        if thread is not None and thread.ts:
            # Posted before (a retry, or a dismissed/ignored mention reopened): update it.
            mention = viewing.mention_view(self.deps, item.mention_id)
            self._update_parent(mention, thread)
            self._continuations(mention, thread, check=True)
            self._retire_buttons(mention, thread)
            return
        if listing.is_listed(thread):
            return  # in a listing message: its own message waits for someone to act
        channel = self.channel_id
        self._check_channel(channel)
        turn = listing.turn(
            self.deps, PLATFORM, channel, item.mention_id, self.wall_clock(), self._policy()
        )
        if turn.do is listing.Do.DONE:
            return
        if turn.do is listing.Do.WAIT:
            code = "slack_ratelimited" if turn.blocked else "listing_pending"
            raise Retry(code, after=turn.after, waiting=True)
        if turn.listing is not None:
            self._post_listing(turn.listing)
            self._keep_listing(channel, item.renew_lease, item.stopping)
            if not turn.lists(item.mention_id):
                raise Retry("listing_pending", after=turn.after, waiting=True)
            return
        mention = viewing.mention_view(self.deps, item.mention_id)
        key = f"mention:{mention.id}"
        existing = self._find_posted(channel, key, None, check=item.attempts > 0)
        if existing is not None:
            ts = existing
        else:
            # its first appearance in the channel: ahead of notes, as a listing is
            ts = self._post(
                channel,
                b.mention_message(mention, now=self.deps.clock()),
                key,
                None,
                mention.id,
                first=True,
            )
        thread = chat.save_thread(self.deps, mention.id, PLATFORM, channel, ts)
        self._continuations(mention, thread, check=item.attempts > 0)

    def _policy(self) -> listing.ListingPolicy:
        return listing.policy(
            self.per_second, self.digest_threshold, self.digest_window, self.max_sleep, b.BURST_CAP
        )

    def _keep_listing(
        self, channel: str, renew_lease: Callable[[], None], stopping: Callable[[], bool]
    ) -> None:
        """This row lists the rest of the burst, a listing a slot (the core decides)."""
        listing.keep_listing(
            self.deps,
            PLATFORM,
            channel,
            self._policy(),
            self._post_listing,
            clock=self.wall_clock,
            sleep=self.sleep,
            renew_lease=renew_lease,
            stopping=stopping,
        )

    def _post_listing(self, claim: listing.Listing) -> None:
        """Post one listing message in the slot the core reserved for it and confirm it.
        A recovered claim is looked for in the channel first (its post may have gone
        through with the answer lost). A failed post gives the claim up at once."""
        channel, key = claim.channel, claim.key
        try:
            ts = self._find_posted(channel, key, None, check=claim.recovering)
            if ts is None:
                if claim.wait > 0:
                    self.sleep(claim.wait)
                msg = b.burst_listing(self._listing(list(claim.mention_ids)))
                ts = self._post(channel, msg, key, None, reserved=True)
        except Exception:
            listing.release(self.deps, PLATFORM, claim)
            raise
        listing.confirm(self.deps, PLATFORM, claim, ts, platforms=self.chat_platforms())
        with self._lock:
            self._sent.pop(key, None)

    def _mention_open(self, item: OutboxItem) -> None:
        """Someone chose a mention in a burst digest: its own message (posted once, with
        its buttons) and an ephemeral link for them."""
        mention, thread = self._context(item)
        user = str(item.payload.get("user") or "")
        key = f"outbox:{item.id}:link"
        if not user or not thread.channel or key in self._sent:
            return
        link = self._permalink(thread)
        where = f"<{link}|its message in the channel>" if link else "its message in the channel"
        text = f"{mention.ref} has its own thread now: {where}."
        self._api("chat_postEphemeral", channel=thread.channel, user=user, text=text)
        with self._lock:
            self._sent[key] = ""

    def _mention_updated(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        mention = viewing.mention_view(self.deps, item.mention_id)
        thread = chat.get_thread(self.deps, mention.id, PLATFORM)
        if listing.is_listed(thread):
            # listed in a burst digest: someone acted on it, so it gets its own message
            # (drawn as it is now, so nothing to update)
            self._post_listed(mention, check=item.attempts > 0)
            return
        if thread is None or not thread.ts:
            if mention.state == State.IGNORED:
                return  # never posted; nothing to update
            raise Retry("parent_not_posted_yet", after=5, waiting=True)
        self._update_parent(mention, thread)
        self._retire_buttons(mention, thread)

    def _revision(self, item: OutboxItem) -> None:
        def build(m: MentionView, r: RevisionView, p: dict[str, Any]) -> b.SlackMessage:
            if r.verdict == "block" and r.state in (
                RevisionState.BLOCKED,
                RevisionState.SUPERSEDED,
            ):
                return b.revision_blocked(m, r)  # the channel sees only the kinds
            return b.revision_passed(m, r)

        self._revision_note(item, build)

    def _risk_review(self, item: OutboxItem) -> None:
        def build(m: MentionView, r: RevisionView, p: dict[str, Any]) -> b.SlackMessage:
            private = b.private_blocked(m, r, for_risk=True)
            for member in self._risk_approvers(exclude=r.author):
                self._direct(item, member, private)
            return b.risk_review_requested(m, r)

        self._revision_note(item, build)

    def _override(self, item: OutboxItem) -> None:
        self._revision_note(
            item,
            lambda m, r, p: b.override_note(m, r, int(p.get("finding", 0)), bool(p.get("cleared"))),
        )

    def _signoff(self, item: OutboxItem) -> None:
        self._revision_note(
            item,
            lambda m, r, p: b.signoff_note(m, r, str(p.get("role", "")), bool(p.get("complete"))),
        )

    def _changes_requested(self, item: OutboxItem) -> None:
        self._revision_note(
            item, lambda m, r, p: b.changes_requested_note(m, r, str(p.get("role", "")))
        )

    def _released(self, item: OutboxItem) -> None:
        self._mention_note(
            item,
            lambda m, p: b.released_note(m, int(p.get("number", 0)), bool(p.get("manual"))),
        )

    def _publish_failed(self, item: OutboxItem) -> None:
        self._mention_note(
            item,
            lambda m, p: b.publish_failed_note(
                m, int(p.get("number", 0)), str(p.get("code", "unknown"))
            ),
        )

    def _taken_down(self, item: OutboxItem) -> None:
        self._mention_note(item, lambda m, p: b.taken_down_note(m))

    def _platform_note(self, item: OutboxItem) -> None:
        """From the review-platform publishers (connectors): post-publish alerts,
        takedown results and instructions."""
        self._mention_note(item, lambda m, p: b.platform_note(m, str(p.get("message", ""))))

    def _delivery_failed(self, item: OutboxItem) -> None:
        self._mention_note(
            item, lambda m, p: b.delivery_failed_note(m, topic_label(str(p.get("topic", ""))))
        )

    def _revision_note(
        self,
        item: OutboxItem,
        build: Callable[[MentionView, RevisionView, dict[str, Any]], b.SlackMessage],
    ) -> None:
        """A note about revision ``payload.number`` in the thread, then the parent updated."""
        mention, thread = self._context(item)
        revision = self._revision_of(mention, int(item.payload.get("number", 0)))
        if revision is None:
            return
        self._note(item, thread, build(mention, revision, item.payload))
        self._update_parent(mention, thread)
        self._retire_buttons(mention, thread)

    def _mention_note(
        self, item: OutboxItem, build: Callable[[MentionView, dict[str, Any]], b.SlackMessage]
    ) -> None:
        mention, thread = self._context(item)
        self._note(item, thread, build(mention, item.payload))
        self._update_parent(mention, thread)
        self._retire_buttons(mention, thread)

    def _refusal(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        thread = chat.get_thread(self.deps, item.mention_id, PLATFORM)
        if thread is None or not thread.ts:
            return  # the mention was never posted (e.g. ignored): the clicker was told
        msg = b.refusal_note(
            f"M-{item.mention_id}",
            str(item.payload.get("action", "")),
            str(item.payload.get("code", "")),
            str(item.payload.get("actor") or "") or None,
        )
        self._note(item, thread, msg)

    # ------------------------------------------------------------------ scheduler topics

    def _sla_overdue(self, item: OutboxItem) -> None:
        """A note in the thread, the parent updated (it shows "overdue"), and for
        escalations a direct message to every risk approver (ids and times only)."""
        mention, thread = self._context(item)
        if mention.state not in OPEN_STATES:
            return  # answered or closed since the sweep: nothing to chase
        minutes = int(item.payload.get("overdue_minutes", 0) or 0)
        escalate = bool(item.payload.get("escalate"))
        self._note(item, thread, b.sla_overdue_note(mention, minutes, escalated=escalate))
        self._update_parent(mention, thread)
        if not escalate:
            return
        dm = b.sla_escalation_message(mention, minutes, self._permalink(thread))
        for member in self._risk_approvers(exclude=None):
            self._direct(item, member, dm)

    def _reminder(self, item: OutboxItem) -> None:
        """A thread note that a revision still waits on a role's sign-off (no pings)."""
        mention, thread = self._context(item)
        number = int(item.payload.get("number", 0) or 0)
        role = str(item.payload.get("role", ""))
        latest = mention.latest
        if (
            mention.state != State.IN_REVIEW
            or latest is None
            or latest.number != number
            or latest.signed_by(role) is not None
        ):
            return  # signed off, superseded or closed since the reminder was queued
        self._note(item, thread, b.reminder_note(mention, number, role))

    def _daily_digest(self, item: OutboxItem) -> None:
        """One channel message a day: overdue, open, and ignored mentions (ids only for
        those, which were never posted). Looked up in the channel before posting, so a
        retry or a second process does not post it twice."""
        payload = item.payload
        day = str(payload.get("date") or "")[:10]
        overdue_ids = _ids(payload.get("overdue"))
        late = set(overdue_ids)
        open_ids = [i for i in _ids(payload.get("open")) if i not in late]
        ignored_ids = _ids(payload.get("ignored"))
        cap = b.DIGEST_CAP
        msg = b.daily_digest_message(
            day,
            overdue=self._views(overdue_ids[:cap]),
            open_=self._views(open_ids[:cap]),
            ignored=self._views(ignored_ids[:cap]),
            totals=(len(overdue_ids), len(open_ids), len(ignored_ids)),
            now=self.deps.clock(),
            cap=cap,
        )
        channel = self.channel_id
        key = f"daily-digest:{day}"
        if self._find_posted(channel, key, None, check=True) is not None:
            return
        self._check_channel(channel)
        self._post(channel, msg, key, None)

    def _redacted(self, item: OutboxItem) -> None:
        """Retention: replace our messages that showed the mention's or its drafts' text
        (the parent, its full-text continuations, drafts, reasons, the approved text, and
        blocked drafts sent to risk approvers by DM) with a notice; a burst digest's line
        for the mention loses its author. Idempotent: replaced messages no longer carry
        text, so a retry skips them."""
        assert item.mention_id is not None
        thread = chat.get_thread(self.deps, item.mention_id, PLATFORM)
        if thread is None or not thread.ts or not thread.channel:
            return  # never posted (e.g. ignored)
        mention = viewing.mention_view(self.deps, item.mention_id)
        notice = b.removed_text_message(mention.ref)
        self._replace(thread.channel, thread.ts, notice)
        root = str((thread.conversation_ref or {}).get("thread_ts") or thread.ts)
        own_thread = root == thread.ts
        for message in self._read_all("conversations_replies", channel=thread.channel, ts=root):
            ts = str(message.get("ts") or "")
            key = _delivery_key(message)
            if key is None or ts == thread.ts:
                continue
            if ts == root and not own_thread:
                # The burst digest this mention was posted under lists its author.
                redacted = b.redact_digest_lines(message.get("blocks") or [], mention.ref)
                if redacted is not None:
                    self._api(
                        "chat_update",
                        channel=thread.channel,
                        ts=ts,
                        text=str(message.get("text") or ""),
                        blocks=redacted,
                    )
                continue
            if not (own_thread or _belongs(message, mention.id, mention.ref)):
                continue
            if b.carries_text(message.get("blocks") or []):
                self._replace(thread.channel, ts, notice)
        if self._sent_to_risk(mention):
            self._redact_direct_messages(mention, notice)

    def _redact_direct_messages(self, mention: MentionView, notice: b.SlackMessage) -> None:
        """Blocked drafts went to risk approvers by DM: replace those copies too."""
        for member in self._risk_approvers(exclude=None):
            opened = self._api("conversations_open", users=member)
            channel = str(opened["channel"]["id"])
            for message in self._read_all("conversations_history", channel=channel):
                if _delivery_key(message) is None or not _belongs(message, mention.id, mention.ref):
                    continue
                if b.carries_text(message.get("blocks") or []):
                    self._replace(channel, str(message.get("ts") or ""), notice)

    def _sent_to_risk(self, mention: MentionView) -> bool:
        status = reporting.status(self.deps, SYSTEM, mention.id)
        return any(r.sent_to_risk for r in status.revisions)

    def _replace(self, channel: str, ts: str, msg: b.SlackMessage) -> None:
        try:
            self._api("chat_update", channel=channel, ts=ts, **msg.kwargs())
        except SlackDeliveryError as exc:
            if exc.code not in ("message_not_found", "cant_update_message"):
                raise
            log.warning(
                "slack: message not replaced",
                extra={"channel": channel, "ts": ts, "code": exc.code},
            )

    def _read_all(self, method: str, max_pages: int = 10, **kwargs: Any) -> list[dict[str, Any]]:
        """Every message of a thread or channel history (with our metadata), page by page."""
        out: list[dict[str, Any]] = []
        cursor = ""
        for _ in range(max_pages):
            args: dict[str, Any] = {"include_all_metadata": True, "limit": 200, **kwargs}
            if cursor:
                args["cursor"] = cursor
            response = self._api(method, **args)
            out.extend(response.get("messages") or [])
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return out

    def _permalink(self, thread: ThreadRef) -> str | None:
        if not thread.channel or not thread.ts:
            return None
        try:
            response = self._api("chat_getPermalink", channel=thread.channel, message_ts=thread.ts)
        except SlackDeliveryError:
            return None
        link = response.get("permalink")
        return str(link) if link else None

    def _views(self, ids: list[int]) -> list[MentionView]:
        return viewing.mention_views(self.deps, ids)

    def _listing(self, ids: list[int]) -> list[MentionView]:
        """The mentions a digest message lists (id, severity, platform, age: fields that
        do not change, so each is read once per process)."""
        missing = [i for i in ids if i not in self._listing_views]
        if missing:
            fresh = viewing.mention_views(self.deps, missing)
            with self._lock:
                if len(self._listing_views) > 20_000:
                    self._listing_views.clear()
                self._listing_views.update((m.id, m) for m in fresh)
        return [self._listing_views[i] for i in ids if i in self._listing_views]

    # ------------------------------------------------------------------ reading

    def _context(self, item: OutboxItem) -> tuple[MentionView, ThreadRef]:
        """The mention and its thread. A mention only listed in a burst digest gets its
        own message first (someone acted on it); one not listed yet waits."""
        assert item.mention_id is not None
        thread = chat.get_thread(self.deps, item.mention_id, PLATFORM)
        if listing.is_listed(thread):
            mention = viewing.mention_view(self.deps, item.mention_id)
            self._post_listed(mention, check=item.attempts > 0)
        return delivery.mention_and_thread(self.deps, item, PLATFORM)

    def _revision_of(self, mention: MentionView, number: int) -> RevisionView | None:
        return delivery.revision_of(self.deps, mention, number)

    def _risk_approvers(self, exclude: str | None) -> list[str]:
        rows = roles.list_roles(self.deps, SYSTEM)
        out = []
        for member, role in rows:
            if role == "risk" and member.startswith("slack:") and member != exclude:
                out.append(member.split(":", 1)[1])
        return sorted(set(out))

    # ------------------------------------------------------------------ writing

    def _note(self, item: OutboxItem, thread: ThreadRef, msg: b.SlackMessage) -> str:
        """Post ``msg`` into the mention's thread exactly once per outbox row."""
        assert thread.channel and thread.ts
        root = str((thread.conversation_ref or {}).get("thread_ts") or thread.ts)
        key = f"outbox:{item.id}"
        found = self._find_posted(thread.channel, key, root, check=item.attempts > 0)
        if found is not None:
            return found
        self._check_channel(thread.channel)
        return self._post(thread.channel, msg, key, root, thread.mention_id)

    def _continuations(self, mention: MentionView, thread: ThreadRef, *, check: bool) -> None:
        assert thread.channel and thread.ts
        root = str((thread.conversation_ref or {}).get("thread_ts") or thread.ts)
        for i, msg in enumerate(b.continuation_messages(mention), start=1):
            key = f"mention:{mention.id}:part:{i}"
            if self._find_posted(thread.channel, key, root, check=check) is None:
                self._post(thread.channel, msg, key, root, mention.id)

    def _update_parent(self, mention: MentionView, thread: ThreadRef) -> None:
        if not thread.channel or not thread.ts:
            return
        msg = b.mention_message(mention, now=self.deps.clock())
        try:
            self._api("chat_update", channel=thread.channel, ts=thread.ts, **msg.kwargs())
        except SlackDeliveryError as exc:
            if exc.code != "message_not_found":
                raise
            log.warning(
                "slack: parent message is gone; not updated",
                extra={"mention_id": mention.id, "channel": thread.channel},
            )

    def _retire_buttons(self, mention: MentionView, thread: ThreadRef) -> None:
        """Redraw this mention's earlier notes in its thread with only the buttons that
        can still be used (the core decides: ``still_offered``); their text stays. Called
        after the state or the sign-offs changed; the parent is redrawn on its own.
        Idempotent: a note that already shows only usable buttons is left alone, so a
        retry (or another process) updates nothing twice. Each update is paced like a
        post; a wait too long becomes a relay Retry, and the retry resumes here."""
        if not thread.channel or not thread.ts:
            return
        root = str((thread.conversation_ref or {}).get("thread_ts") or thread.ts)
        own_thread = root == thread.ts

        def usable(action_id: str, value: str) -> bool:
            return still_offered(mention, action_id, value)

        for message in self._read_all("conversations_replies", channel=thread.channel, ts=root):
            ts = str(message.get("ts") or "")
            if _delivery_key(message) is None or ts in (thread.ts, root):
                continue  # not ours, the mention's parent, or the digest it sits under
            if not (own_thread or _belongs(message, mention.id, mention.ref)):
                continue  # another mention's message in a burst digest's thread
            blocks = b.live_buttons(message.get("blocks") or [], usable)
            if blocks is None:
                continue
            self._throttle(thread.channel)
            # The fallback text is ours (ids and states only); the blocks keep the note's
            # words and lose only the buttons.
            redrawn = b.SlackMessage(str(message.get("text") or ""), blocks)
            self._replace(thread.channel, ts, redrawn)

    def _direct(self, item: OutboxItem, user: str, msg: b.SlackMessage) -> None:
        """A direct message to one user (once per outbox row and user in this process)."""
        key = f"outbox:{item.id}:dm:{user}"
        with self._lock:
            if key in self._sent:
                return
        opened = self._api("conversations_open", users=user)
        channel = str(opened["channel"]["id"])
        if self._find_posted(channel, key, None, check=item.attempts > 0) is None:
            self._post(channel, msg, key, None, item.mention_id)

    def _post(
        self,
        channel: str,
        msg: b.SlackMessage,
        key: str,
        thread_ts: str | None,
        mention_id: int | None = None,
        *,
        reserved: bool = False,
        first: bool = False,
    ) -> str:
        if not reserved:  # ``reserved``: the caller already took the channel's slot
            self._throttle(channel, first=first)
        payload: dict[str, Any] = {"key": key}
        if mention_id is not None:
            payload["mention"] = mention_id  # ids only: lets retention find our messages
        kwargs: dict[str, Any] = {
            "channel": channel,
            "unfurl_links": False,
            "unfurl_media": False,
            "metadata": {"event_type": METADATA_EVENT, "event_payload": payload},
            **msg.kwargs(),
        }
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        response = self._api("chat_postMessage", **kwargs)
        self._claim.posted = True
        ts = str(response["ts"])
        with self._lock:
            self._sent[key] = ts
        return ts

    def _find_posted(
        self, channel: str, key: str, thread_ts: str | None, *, check: bool
    ) -> str | None:
        """The ts of a message we already posted with this delivery key: from memory, or
        (after an earlier failed attempt) by reading the channel or thread back."""
        with self._lock:
            if key in self._sent:
                return self._sent[key]
        if not check:
            return None
        method, args = (
            ("conversations_replies", {"ts": thread_ts})
            if thread_ts
            else ("conversations_history", {})
        )
        cursor = ""
        for _page in range(READ_BACK_PAGES):
            response = self._api(
                method,
                channel=channel,
                include_all_metadata=True,
                limit=200,
                **args,
                **({"cursor": cursor} if cursor else {}),
            )
            for message in response.get("messages") or []:
                meta = message.get("metadata") or {}
                if (
                    meta.get("event_type") == METADATA_EVENT
                    and (meta.get("event_payload") or {}).get("key") == key
                ):
                    ts = str(message["ts"])
                    with self._lock:
                        self._sent[key] = ts
                    return ts
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return None

    # ------------------------------------------------------------------ channel checks

    def _check_channel(self, channel: str) -> None:
        """Refuse channels shared with another organisation (checked every few minutes)."""
        now = self.monotonic()
        with self._lock:
            checked = self._checked.get(channel)
        if checked is not None and now - checked < self.share_check_ttl:
            return
        info = self._api("conversations_info", channel=channel)["channel"]
        if info.get("is_ext_shared") or info.get("is_pending_ext_shared"):
            with self._lock:
                self._checked.pop(channel, None)
            log.warning(
                "slack: refusing to post into a channel shared with another organisation",
                extra={"channel": channel},
            )
            raise ChannelRefused(channel)
        with self._lock:
            self._checked[channel] = now

    # ------------------------------------------------------------------ rate limits

    def _throttle(self, channel: str, *, first: bool = False) -> None:
        """About ``per_second`` messages a second per channel, counted across replicas:
        sleep a short wait, turn a long one (or Slack's own Retry-After) into a relay
        Retry. ``first``: a new mention's own message (the core's rule for its slot)."""
        slot = listing.reserve_message_slot(
            self.deps.shared,
            channel,
            self.wall_clock(),
            self._policy(),
            burst=self.burst,
            own_message=first,
        )
        if slot.blocked:
            raise Retry("slack_ratelimited", after=slot.wait, waiting=True)
        if not slot.reserved:
            raise Retry("local_rate_limit", after=slot.wait, waiting=True)
        if slot.wait > 0:
            self.sleep(slot.wait)

    def _blocked(self, channel: str | None, after: float) -> None:
        if channel:
            self.deps.shared.block_channel(channel, self.wall_clock() + after)

    # ------------------------------------------------------------------ listings

    def _post_listed(self, mention: MentionView, *, check: bool) -> ThreadRef | None:
        """Post the own message of a mention listed in a burst digest (once: under the
        mention's own lock the stored thread is read again; the channel's burst lock stays
        free for the listing while this reads the channel back and waits for its slot) and
        store its thread.

        Any of the mention's outbox rows may post it, so the channel is always read back
        first: ``check`` (this row's earlier claims) says nothing of another row whose
        post landed but answered an error, or whose process died before storing it."""
        thread = chat.get_thread(self.deps, mention.id, PLATFORM)
        if not listing.is_listed(thread):
            return thread
        assert thread is not None and thread.channel
        channel = thread.channel
        self._check_channel(channel)
        with self.deps.shared.exclusive(f"own-message:{PLATFORM}:{mention.id}"):
            thread = chat.get_thread(self.deps, mention.id, PLATFORM)
            if not listing.is_listed(thread):
                return thread  # posted meanwhile
            key = f"mention:{mention.id}"
            ts = self._find_posted(channel, key, None, check=True)
            found = ts is not None
            if ts is None:
                msg = b.mention_message(mention, now=self.deps.clock())
                ts = self._post(channel, msg, key, None, mention.id)
            thread = chat.save_thread(self.deps, mention.id, PLATFORM, channel, ts)
        # a parent posted by an earlier attempt may have its continuations posted too
        self._continuations(mention, thread, check=check or found)
        return thread

    # ------------------------------------------------------------------ Slack calls

    def client(self) -> WebClient:
        with self._lock:
            if self._client is None:
                self._client = self.make_client()
            return self._client

    def _api(self, method: str, **kwargs: Any) -> Any:
        """Call the Web API; map failures to relay retries or SlackDeliveryError. Neither
        carries message text."""
        slack_method = method.replace("_", ".", 1)
        try:
            return getattr(self.client(), method)(**kwargs)
        except SlackApiError as exc:
            response = exc.response
            status = getattr(response, "status_code", 200)
            code = str((response.data or {}).get("error") or f"http_{status}")[:64]
            if status == 429 or code in ("ratelimited", "rate_limited"):
                after = _retry_after(response)
                self._blocked(kwargs.get("channel"), after)
                log.info(
                    "slack: rate limited",
                    extra={"method": slack_method, "retry_after": after},
                )
                raise Retry("slack_ratelimited", after=after, waiting=True) from None
            if status >= 500 or code in TRANSIENT:
                raise Retry(f"slack_{code}") from None
            log.warning("slack: call refused", extra={"method": slack_method, "code": code})
            raise SlackDeliveryError(slack_method, code) from None
        except SlackClientError:
            raise Retry("slack_client_error") from None
        except OSError as exc:  # connection refused, timeouts
            if method in WRITES and _timed_out(exc):
                raise Retry("slack_timeout", after=SETTLE_AFTER_TIMEOUT) from None
            raise Retry(f"slack_unreachable_{type(exc).__name__}") from None


def _timed_out(exc: BaseException) -> bool:
    """Whether a failed call timed out waiting for the answer (so it may have landed)."""
    reason = getattr(exc, "reason", None)  # urllib wraps the socket's error
    return isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError)


def _ids(value: Any) -> list[int]:
    """Mention ids from a payload list (anything else is skipped)."""
    out: list[int] = []
    for v in value if isinstance(value, list) else []:
        if isinstance(v, int) and not isinstance(v, bool):
            out.append(v)
        elif isinstance(v, str) and v.isdigit():
            out.append(int(v))
    return out


def _delivery_key(message: dict[str, Any]) -> str | None:
    """The delivery key of a message this app posted (None for anyone else's)."""
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_EVENT:
        return None
    key = (meta.get("event_payload") or {}).get("key")
    return str(key) if key else None


def _belongs(message: dict[str, Any], mention_id: int, ref: str) -> bool:
    """Whether one of our messages is about this mention: by the id in its metadata, by
    its delivery key, or (messages posted before the id was recorded) by the notification
    text, which always starts with the mention's id."""
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    if "mention" in payload:
        return bool(payload.get("mention") == mention_id)
    key = str(payload.get("key") or "")
    if key == f"mention:{mention_id}" or key.startswith(f"mention:{mention_id}:"):
        return True
    text = str(message.get("text") or "")
    return text.startswith((f"{ref}:", f"{ref} "))


def _retry_after(response: Any) -> float:
    headers = getattr(response, "headers", None) or {}
    value = None
    for name in ("Retry-After", "retry-after"):
        if name in headers:
            value = headers[name]
            break
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def register_handlers(
    relay: Relay,
    deps: Deps,
    client_factory: ClientFactory,
    channel_id: str,
    *,
    manual_publish: bool = True,
    **options: Any,
) -> SlackPoster:
    """Register the Slack delivery handlers on ``relay``: every ``chat.*`` topic and, when
    ``manual_publish`` (no platform publisher configured), ``publish``. ``options`` tune
    the poster (``per_second``, ``burst``, ``max_sleep``, ``digest_threshold``,
    ``digest_window``, ``share_check_ttl``, ``monotonic``, ``sleep``)."""
    poster = SlackPoster(
        deps,
        client_factory,
        channel_id,
        chat_platforms=lambda: relay.adapters(CHAT_PREFIX),
        **options,
    )
    relay.register(CHAT_PREFIX, poster.handle_chat, adapter="slack")
    if manual_publish:
        relay.register(Topic.PUBLISH, poster.handle_publish, adapter="slack")
    return poster


__all__ = [
    "ChannelRefused",
    "SlackDeliveryError",
    "SlackPoster",
    "client_factory",
    "register_handlers",
]

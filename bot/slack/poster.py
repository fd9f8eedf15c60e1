"""Outbound Slack delivery: the outbox relay's handlers for every ``chat.*`` topic and the
manual ``publish`` handler. They run in the relay, after the service's transaction
committed, synchronously, with a slack_sdk ``WebClient`` whose ``base_url`` comes from
``SLACK_API_BASE_URL``.

- Each negative mention becomes one parent message; its Slack channel and ``ts`` are
  stored with ``services.save_thread``. Notes go into that thread and the parent is
  updated to show the current state.
- The bot refuses to post into a channel shared with another organisation (Slack
  Connect): ``ChannelRefused`` is raised and logged; the relay retries with backoff and
  marks the row dead if the channel stays shared.
- Posting honours about one message a second per channel (an in-process token bucket:
  a short wait is slept, a longer one becomes ``Retry(after=…)``) and Slack's own 429
  ``Retry-After``.
- Retries cannot post twice: a parent is posted only if no thread is stored for the
  mention, and every message carries metadata with a delivery key (ids only); a retry
  first looks for a message with that key (``conversations.history``/``replies`` with
  ``include_all_metadata``) before posting again.
- A burst of new mentions (more than ``digest_threshold`` parents within
  ``digest_window`` seconds) becomes one digest parent with the further mentions posted
  in its thread; nothing is dropped.
- The words a finding flags and a blocked draft's text never go to the channel: risk
  approvers get them by direct message.

Mention and reply text never appear in logs, exceptions or button values.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack import blocks as b
from workflows import services
from workflows.relay import OutboxItem, Relay, Retry
from workflows.services import Deps
from workflows.types import Actor
from workflows.views import MentionView, RevisionView, ThreadRef

log = logging.getLogger("countersign.slack.poster")

PLATFORM = "slack"
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


def client_factory(token: str, base_url: str = "https://slack.com/api/") -> ClientFactory:
    """A factory for the poster's WebClient: no hidden retries (the relay retries)."""

    def make() -> WebClient:
        return WebClient(token=token, base_url=base_url, timeout=15, retry_handlers=[])

    return make


@dataclass
class _Bucket:
    tokens: float
    last: float
    blocked_until: float = 0.0


@dataclass
class _Digest:
    ts: str
    opened: float
    last: float
    mentions: list[MentionView] = field(default_factory=list)


@dataclass
class SlackPoster:
    """Delivers outbox rows to Slack. Create with ``register_handlers``."""

    deps: Deps
    make_client: ClientFactory
    channel_id: str
    per_second: float = 1.0
    burst: int = 1
    max_sleep: float = 2.0
    digest_threshold: int = 5
    digest_window: float = 60.0
    share_check_ttl: float = 300.0
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _client: WebClient | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _checked: dict[str, float] = field(default_factory=dict)
    _recent: dict[str, deque[float]] = field(default_factory=dict)
    _digests: dict[str, _Digest] = field(default_factory=dict)
    _sent: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ entry points

    def handle_chat(self, item: OutboxItem) -> None:
        topic = item.topic
        handler = {
            "chat.mention_new": self._mention_new,
            "chat.mention_updated": self._mention_updated,
            "chat.revision": self._revision,
            "chat.risk_review": self._risk_review,
            "chat.override": self._override,
            "chat.signoff": self._signoff,
            "chat.changes_requested": self._changes_requested,
            "chat.released": self._released,
            "chat.publish_failed": self._publish_failed,
            "chat.taken_down": self._taken_down,
            "chat.refusal": self._refusal,
        }.get(topic)
        if handler is None or item.mention_id is None:
            log.info("slack: nothing to deliver", extra={"topic": topic, "outbox_id": item.id})
            return
        handler(item)

    def handle_publish(self, item: OutboxItem) -> None:
        """The manual publisher: post the approved text with a link to the review and a
        ``Mark as posted`` button into the mention's thread."""
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

    # ------------------------------------------------------------------ topics

    def _mention_new(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        mention = services.mention_view(self.deps, item.mention_id)
        thread = services.get_thread(self.deps, mention.id, PLATFORM)
        if thread is not None and thread.ts:
            # Posted before (a retry, or a dismissed/ignored mention reopened): update it.
            self._update_parent(mention, thread)
            self._continuations(mention, thread, check=True)
            return
        channel = self.channel_id
        self._check_channel(channel)
        key = f"mention:{mention.id}"
        digest_ts = self._digest_for(channel, mention, item)
        existing = self._find_posted(channel, key, digest_ts, check=item.attempts > 0)
        if existing is not None:
            ts = existing
        else:
            ts = self._post(
                channel, b.mention_message(mention, now=self.deps.clock()), key, digest_ts
            )
        ref = {"thread_ts": digest_ts} if digest_ts else None
        thread = services.save_thread(self.deps, mention.id, PLATFORM, channel, ts, ref)
        if digest_ts is None:
            with self._lock:
                self._recent.setdefault(channel, deque()).append(self.monotonic())
        self._continuations(mention, thread, check=item.attempts > 0)

    def _mention_updated(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        mention = services.mention_view(self.deps, item.mention_id)
        thread = services.get_thread(self.deps, mention.id, PLATFORM)
        if thread is None or not thread.ts:
            if mention.state == "ignored":
                return  # never posted; nothing to update
            raise Retry("parent_not_posted_yet", after=5)
        self._update_parent(mention, thread)

    def _revision(self, item: OutboxItem) -> None:
        def build(m: MentionView, r: RevisionView, p: dict[str, Any]) -> b.SlackMessage:
            if r.verdict == "block" and r.state in ("blocked", "superseded"):
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

    def _mention_note(
        self, item: OutboxItem, build: Callable[[MentionView, dict[str, Any]], b.SlackMessage]
    ) -> None:
        mention, thread = self._context(item)
        self._note(item, thread, build(mention, item.payload))
        self._update_parent(mention, thread)

    def _refusal(self, item: OutboxItem) -> None:
        assert item.mention_id is not None
        thread = services.get_thread(self.deps, item.mention_id, PLATFORM)
        if thread is None or not thread.ts:
            return  # the mention was never posted (e.g. ignored): the clicker was told
        msg = b.refusal_note(
            f"M-{item.mention_id}",
            str(item.payload.get("action", "")),
            str(item.payload.get("code", "")),
        )
        self._note(item, thread, msg)

    # ------------------------------------------------------------------ reading

    def _context(self, item: OutboxItem) -> tuple[MentionView, ThreadRef]:
        assert item.mention_id is not None
        mention = services.mention_view(self.deps, item.mention_id)
        thread = services.get_thread(self.deps, mention.id, PLATFORM)
        if thread is None or not thread.ts or not thread.channel:
            # The parent has not been posted yet (its row is retrying): wait for it.
            raise Retry("parent_not_posted_yet", after=5)
        return mention, thread

    def _revision_of(self, mention: MentionView, number: int) -> RevisionView | None:
        if mention.latest is not None and mention.latest.number == number:
            return mention.latest
        status = services.status(self.deps, SYSTEM, mention.id)
        return next((r for r in status.revisions if r.number == number), None)

    def _risk_approvers(self, exclude: str | None) -> list[str]:
        rows = services.list_roles(self.deps, SYSTEM)
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
        return self._post(thread.channel, msg, key, root)

    def _continuations(self, mention: MentionView, thread: ThreadRef, *, check: bool) -> None:
        assert thread.channel and thread.ts
        root = str((thread.conversation_ref or {}).get("thread_ts") or thread.ts)
        for i, msg in enumerate(b.continuation_messages(mention), start=1):
            key = f"mention:{mention.id}:part:{i}"
            if self._find_posted(thread.channel, key, root, check=check) is None:
                self._post(thread.channel, msg, key, root)

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
        digest = self._digests.get(thread.channel)
        if digest is not None and (thread.conversation_ref or {}).get("thread_ts") == digest.ts:
            with self._lock:
                digest.mentions = [mention if m.id == mention.id else m for m in digest.mentions]

    def _direct(self, item: OutboxItem, user: str, msg: b.SlackMessage) -> None:
        """A direct message to one user (once per outbox row and user in this process)."""
        key = f"outbox:{item.id}:dm:{user}"
        with self._lock:
            if key in self._sent:
                return
        opened = self._api("conversations_open", users=user)
        channel = str(opened["channel"]["id"])
        self._post(channel, msg, key, None)

    def _post(self, channel: str, msg: b.SlackMessage, key: str, thread_ts: str | None) -> str:
        self._throttle(channel)
        kwargs: dict[str, Any] = {
            "channel": channel,
            "unfurl_links": False,
            "unfurl_media": False,
            "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            **msg.kwargs(),
        }
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        response = self._api("chat_postMessage", **kwargs)
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
        if thread_ts:
            response = self._api(
                "conversations_replies",
                channel=channel,
                ts=thread_ts,
                include_all_metadata=True,
                limit=200,
            )
        else:
            response = self._api(
                "conversations_history", channel=channel, include_all_metadata=True, limit=200
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

    def _throttle(self, channel: str) -> None:
        """About ``per_second`` messages a second per channel: sleep a short wait, turn a
        long one (or Slack's own Retry-After) into a relay Retry."""
        with self._lock:
            now = self.monotonic()
            bucket = self._buckets.get(channel)
            if bucket is None:
                bucket = self._buckets[channel] = _Bucket(float(self.burst), now)
            if bucket.blocked_until > now:
                raise Retry("slack_ratelimited", after=bucket.blocked_until - now)
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.last) * self.per_second
            )
            bucket.last = now
            wait = 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / self.per_second
            if wait > self.max_sleep:
                raise Retry("local_rate_limit", after=wait)
            bucket.tokens -= 1.0  # reserve (may go below zero while we wait)
        if wait > 0:
            self.sleep(wait)

    def _blocked(self, channel: str | None, after: float) -> None:
        if not channel:
            return
        with self._lock:
            now = self.monotonic()
            bucket = self._buckets.setdefault(channel, _Bucket(0.0, now))
            bucket.blocked_until = max(bucket.blocked_until, now + after)
            bucket.tokens = min(bucket.tokens, 0.0)

    # ------------------------------------------------------------------ digest

    def _digest_for(self, channel: str, mention: MentionView, item: OutboxItem) -> str | None:
        """The digest thread a new mention goes into during a burst (None = post it as
        its own parent)."""
        now = self.monotonic()
        with self._lock:
            recent = self._recent.setdefault(channel, deque())
            while recent and now - recent[0] > self.digest_window:
                recent.popleft()
            digest = self._digests.get(channel)
            if digest is not None and now - digest.last > self.digest_window:
                self._digests.pop(channel, None)
                digest = None
            if digest is None and len(recent) < self.digest_threshold:
                return None
        if digest is None:
            key = f"digest:{mention.id}"
            ts = self._find_posted(channel, key, None, check=item.attempts > 0)
            if ts is None:
                ts = self._post(channel, b.burst_digest([mention], self.deps.clock()), key, None)
            digest = _Digest(ts=ts, opened=now, last=now)
            with self._lock:
                self._digests[channel] = digest
        with self._lock:
            digest.last = now
            if all(m.id != mention.id for m in digest.mentions):
                digest.mentions.append(mention)
            listed = list(digest.mentions)
        if len(listed) > 1:
            msg = b.burst_digest(listed, self.deps.clock())
            self._api("chat_update", channel=channel, ts=digest.ts, **msg.kwargs())
        return digest.ts

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
                raise Retry("slack_ratelimited", after=after) from None
            if status >= 500 or code in TRANSIENT:
                raise Retry(f"slack_{code}") from None
            log.warning("slack: call refused", extra={"method": slack_method, "code": code})
            raise SlackDeliveryError(slack_method, code) from None
        except SlackClientError:
            raise Retry("slack_client_error") from None
        except OSError as exc:  # connection refused, timeouts
            raise Retry(f"slack_unreachable_{type(exc).__name__}") from None


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
    poster = SlackPoster(deps, client_factory, channel_id, **options)
    relay.register("chat", poster.handle_chat)
    if manual_publish:
        relay.register("publish", poster.handle_publish)
    return poster


__all__ = [
    "ChannelRefused",
    "SlackDeliveryError",
    "SlackPoster",
    "client_factory",
    "register_handlers",
]

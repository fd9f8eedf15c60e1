"""Publishing approved replies to the platforms through the outbox.

The relay hands every ``publish`` row to ``Publishing.handle_publish``:

- it loads the approved revision and checks that the text's SHA-256 is the one signed
  off (and the one in the row) — anything else is refused, never published;
- a mention that is no longer ``approved`` (posted by hand meanwhile, taken down) is
  left alone;
- a source without an API publisher, or a platform that will not take this reply
  through its API (``ManualOnly``), goes to the manual handlers (chat: the approved text,
  a link and ``Mark as posted``);
- before any second attempt (the row was claimed before: a crash, a timeout, a dropped
  connection) it reads the platform's copy back, and records it as published if it is
  the approved text, so a reply is never posted twice; a publisher that cannot read
  back (``ManualOnly`` from ``read_back``: Yelp) has the reply handed over to a person
  with a note instead of sending it again;
- rate limits and 5xx become relay retries (``Retry-After`` honoured); a refusal, or
  retries running out, dead-letters the row and the relay moves the mention to
  ``publish_failed`` with a note in the thread and an audit event.

``unpublish`` rows (a takedown) delete the reply where the API allows, and otherwise say
in the thread how to delete it by hand. ``post_publish_checks`` reads back what was
published in the last seven days and alerts the thread when moderation rejected it or it
was edited or removed outside Countersign.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from models.tables import Mention, Reply
from workflows.platforms import (
    ManualOnly,
    NotFoundOnPlatform,
    PlatformCopy,
    PlatformError,
    Publisher,
    Target,
)
from workflows.relay import Handler, OutboxItem, Refused, Retry
from workflows.services import release
from workflows.services.shared import Deps, _audit, _kick, _outbox
from workflows.topics import Topic
from workflows.types import Actor

log = logging.getLogger("countersign.publishing")

PUBLISHER = Actor.system("publisher")
CHECK_WINDOW = timedelta(days=7)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Approved:
    """The approved revision of a mention, loaded for publishing."""

    mention_id: int
    revision_id: int
    number: int
    text: str | None
    sha256: str
    state: str
    target: Target


def load_approved(deps: Deps, revision_id: int) -> Approved | None:
    with deps.uow() as uow:
        revision = uow.repo.revision_by_id(revision_id)
        if revision is None:
            return None
        mention = uow.repo.mention(revision.mention_id)
        if mention is None:
            return None
        reply = uow.repo.reply_for(mention)
        return Approved(
            mention_id=mention.id,
            revision_id=revision.id,
            number=revision.number,
            text=revision.text,
            sha256=revision.text_sha256,
            state=mention.state,
            target=_target(mention, reply),
        )


def _target(mention: Mention, reply: Reply | None) -> Target:
    return Target(
        source=mention.source,
        platform=mention.platform,
        external_id=mention.external_id,
        location=mention.location,
        url=mention.url,
        published_external_id=reply.published_external_id if reply is not None else None,
    )


def add_note(
    deps: Deps,
    mention_id: int,
    kind: str,
    message: str,
    *,
    key: str | None = None,
    detail: dict[str, Any] | None = None,
) -> bool:
    """A note from the publishers into the mention's thread, with an audit event. With
    ``key``, at most once. ``message`` holds ids and plain words, never review or reply
    text."""
    with deps.uow() as uow:
        if key is not None and uow.repo.outbox_key_exists(key):
            return False
        mention = uow.repo.mention(mention_id)
        if mention is None:
            return False
        _audit(
            uow,
            deps,
            PUBLISHER,
            f"reply.{kind}",
            mention,
            detail={"kind": kind, **(detail or {})},
        )
        _outbox(
            uow,
            deps,
            Topic.PLATFORM_NOTE,
            mention_id,
            payload={"kind": kind, "message": message},
            key=key,
        )
        uow.commit()
    _kick(deps)
    return True


Recorder = Callable[[Deps, int, str | None, str], object]


def _record(deps: Deps, revision_id: int, external_id: str | None, digest: str) -> object:
    return release.record_published(deps, revision_id, external_id, digest)


@dataclass
class Publishing:
    """The ``publish`` and ``unpublish`` outbox handlers over the configured publishers
    (keyed by the mention's ``source``) and the manual handlers of the chat surfaces."""

    deps: Deps
    publishers: Mapping[str, Publisher]
    manual: Handler | None = None
    record: Recorder = field(default=_record)

    # -- publish -------------------------------------------------------------------

    def handle_publish(self, item: OutboxItem) -> None:
        if item.revision_id is None:
            raise Refused("no_revision")
        job = load_approved(self.deps, item.revision_id)
        if job is None:
            raise Refused("revision_unavailable")
        if job.state != "approved":
            # posted by hand, published by an earlier row, or taken down meanwhile
            log.info("publish skipped", extra={"outbox_id": item.id, "state": job.state})
            return
        if job.text is None:
            raise Refused("revision_redacted")
        digest = sha256(job.text)
        if digest != job.sha256 or digest != item.payload.get("sha256", digest):
            # never publish anything but the exact text that was signed off
            raise Refused("hash_mismatch")
        publisher = self.publishers.get(job.target.source)
        if publisher is None:
            self._manual(item)
            return
        if item.attempts > 0 or item.payload.get("retry"):
            # an earlier attempt may have reached the platform: look before posting again
            if self._already_there(item, publisher, job, digest):
                return
        try:
            external_id = publisher.publish(job.target, job.text)
        except ManualOnly as exc:
            self._fall_back(item, job, exc)
            return
        except PlatformError as exc:
            raise _relay_error(exc) from None
        self.record(self.deps, job.revision_id, external_id, digest)
        log.info(
            "published", extra={"outbox_id": item.id, "source": job.target.source, "sha256": digest}
        )

    def _already_there(
        self, item: OutboxItem, publisher: Publisher, job: Approved, digest: str
    ) -> bool:
        try:
            copy = publisher.read_back(job.target)
        except ManualOnly as exc:
            # The platform cannot show its copy (Yelp) and an earlier attempt may have
            # reached it: never send again; a person checks and posts or marks it.
            self._unverifiable(item, job, exc)
            return True
        except PlatformError as exc:
            raise _relay_error(exc) from None
        if copy is None or sha256(copy.text) != digest:
            return False
        log.info("publish found on read-back", extra={"source": job.target.source})
        self.record(self.deps, job.revision_id, copy.external_id, digest)
        return True

    def _manual(self, item: OutboxItem) -> None:
        if self.manual is None:
            raise Retry("no_manual_surface")
        self.manual(item)

    def _fall_back(self, item: OutboxItem, job: Approved, exc: ManualOnly) -> None:
        add_note(
            self.deps,
            job.mention_id,
            "publish_manual",
            f"{job.target.platform} will not take this reply through its API ({exc.code}); "
            "it is handed over for posting by hand.",
            key=f"chat.platform_note:{job.mention_id}:manual:{job.revision_id}",
            detail={"code": exc.code},
        )
        self._manual(item)

    def _unverifiable(self, item: OutboxItem, job: Approved, exc: ManualOnly) -> None:
        add_note(
            self.deps,
            job.mention_id,
            "publish_unverified",
            f"An earlier attempt to post this reply to {job.target.platform} may have "
            f"reached it, and its API cannot show whether it did ({exc.code}). It is not "
            f"sent again: open the review on {job.target.platform}; if the reply is there, "
            "press Mark as posted, otherwise post it by hand and then press Mark as posted.",
            key=f"chat.platform_note:{job.mention_id}:unverified:{job.revision_id}",
            detail={"code": exc.code},
        )
        self._manual(item)

    # -- takedown ------------------------------------------------------------------

    def handle_unpublish(self, item: OutboxItem) -> None:
        if item.mention_id is None:
            return
        with self.deps.uow() as uow:
            mention = uow.repo.mention(item.mention_id)
            if mention is None:
                return
            target = _target(mention, uow.repo.reply_for(mention))
        publisher = self.publishers.get(target.source)
        key = f"chat.platform_note:{item.mention_id}:takedown:{item.id}"
        if publisher is not None and target.published_external_id is not None:
            try:
                publisher.delete(target)
            except NotFoundOnPlatform:
                pass  # already gone
            except ManualOnly as exc:
                self._by_hand(item.mention_id, target, key, exc.code)
                return
            except PlatformError as exc:
                raise _relay_error(exc) from None
            add_note(
                self.deps,
                item.mention_id,
                "takedown_deleted",
                f"The reply was deleted from {target.platform} through its API.",
                key=key,
            )
            return
        self._by_hand(item.mention_id, target, key, "no_api")

    def _by_hand(self, mention_id: int, target: Target, key: str, code: str) -> None:
        where = f" at {target.url}" if target.url else ""
        add_note(
            self.deps,
            mention_id,
            "takedown_manual",
            f"Countersign cannot delete this reply through the {target.platform} API "
            f"({code}). Delete it by hand now: open the review{where}, find the "
            "organisation's reply and delete it, then record in the incident who removed "
            "it and when.",
            key=key,
            detail={"code": code},
        )

    # -- post-publish check ----------------------------------------------------------

    def post_publish_checks(self) -> int:
        """Read back replies published through an API in the last seven days; alert the
        thread (once per finding) when moderation rejected one, or it was edited or
        removed outside Countersign. Returns how many alerts were queued."""
        now = self.deps.clock()
        with self.deps.uow() as uow:
            rows = uow.repo.published_since(PUBLISHER.key, now - CHECK_WINDOW)
            checks = [
                (m.id, _target(m, r), r.published_hash or "")
                for m, r in rows
                if m.source in self.publishers
            ]
        alerts = 0
        for mention_id, target, published in checks:
            try:
                copy = self.publishers[target.source].read_back(target)
            except ManualOnly:
                continue  # the platform cannot show its copy (Yelp): nothing to compare
            except PlatformError as exc:
                log.warning(
                    "post-publish check failed",
                    extra={"mention_id": mention_id, "code": exc.code, "status": exc.status},
                )
                continue
            alert = _compare(copy, published)
            if alert is None:
                continue
            kind, message, marker = alert
            if add_note(
                self.deps,
                mention_id,
                kind,
                message.format(platform=target.platform),
                key=f"chat.platform_note:{mention_id}:{kind}:{marker}",
                detail={"published_hash": published},
            ):
                alerts += 1
        return alerts


def _compare(copy: PlatformCopy | None, published: str) -> tuple[str, str, str] | None:
    if copy is None:
        return (
            "platform_missing",
            "The published reply is no longer on {platform}: it was removed outside "
            "Countersign (or by the platform). Check the review and the audit trail.",
            "gone",
        )
    if copy.state == "rejected":
        return (
            "platform_rejected",
            "{platform} moderation rejected the published reply: it is not shown to the "
            "public. Decide whether to write a new revision.",
            sha256(copy.text)[:16],
        )
    digest = sha256(copy.text)
    if digest != published:
        return (
            "platform_edited",
            "The reply on {platform} differs from the approved text (edited outside "
            f"Countersign; SHA-256 now {digest[:12]}…, approved {published[:12]}…). The "
            "edited text was never screened or signed off: review it now.",
            digest[:16],
        )
    return None


def _relay_error(exc: PlatformError) -> Exception:
    if exc.retryable:
        return Retry(exc.code, after=exc.after)
    return Refused(exc.code)


__all__ = ["Approved", "Publishing", "add_note", "load_approved", "sha256"]

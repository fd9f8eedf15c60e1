"""Release: the publisher confirms or reports failure, a person marks a manual post or
retries, and risk or admin takes a released reply down (the incident note).
"""

from __future__ import annotations

from datetime import timedelta

from models.tables import Incident, Mention, Revision
from models.uow import UnitOfWork
from workflows import state_machine as sm
from workflows.errors import InvalidState, NotFound, StaleRevision
from workflows.services.shared import (
    Deps,
    _audit,
    _check_member,
    _kick,
    _load,
    _move,
    _outbox,
    _reason,
    _reply,
    _require_role,
    audited,
)
from workflows.services.viewing import _committed
from workflows.topics import Topic
from workflows.types import Actor
from workflows.views import IncidentView, MentionView


@audited("reply.mark_posted")
def mark_posted(deps: Deps, actor: Actor, ref: str | int, number: int | None = None) -> MentionView:
    """A person posted the approved text by hand: record who and when."""
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        mention = _load(uow, ref)
        reply = _reply(uow, mention)
        if reply.released_revision_id is None:
            raise InvalidState(f"{mention.ref} has no approved reply to post")
        revision = uow.repo.revision_by_id(reply.released_revision_id)
        assert revision is not None
        if number is not None and number != revision.number:
            raise StaleRevision(f"the approved text is revision {revision.number}, not {number}")
        moved = _move(mention, sm.Event.MARKED_POSTED)
        now = deps.clock()
        reply.published_hash = revision.text_sha256
        reply.published_at = now
        reply.posted_by = actor.key
        for msg in uow.repo.outbox_for_mention(mention.id, Topic.PUBLISH):
            if msg.status == "pending":
                msg.status = "done"
                msg.done_at = now
                msg.last_error = "superseded: posted by hand"
        return _announce_release(uow, deps, actor, mention, revision, moved, manual=True)


def _announce_release(
    uow: UnitOfWork,
    deps: Deps,
    actor: Actor,
    mention: Mention,
    revision: Revision,
    moved: tuple[sm.State, sm.State],
    *,
    manual: bool,
) -> MentionView:
    """Audit the approved text as posted (by hand or by the publisher), tell the chat
    surfaces, checkpoint the audit chain, and commit."""
    _audit(
        uow,
        deps,
        actor,
        "reply.marked_posted" if manual else "reply.published",
        mention,
        revision=revision,
        moved=moved,
        published_hash=revision.text_sha256,
    )
    _outbox(
        uow,
        deps,
        Topic.RELEASED,
        mention.id,
        revision_id=revision.id,
        payload={"number": revision.number, "manual": manual},
    )
    _outbox(uow, deps, Topic.AUDIT_CHECKPOINT, mention.id)
    return _committed(deps, uow, mention)


def _published(uow: UnitOfWork, revision_id: int) -> tuple[Revision, Mention]:
    """The revision a publisher reports on, and its mention (locked)."""
    revision = uow.repo.revision_by_id(revision_id)
    if revision is None:
        raise NotFound("no such revision")
    return revision, _load(uow, revision.mention_id)


def record_published(
    deps: Deps, revision_id: int, external_id: str | None, text_sha256: str
) -> MentionView:
    """The publisher confirms the platform holds exactly the approved text."""
    actor = Actor.system("publisher")
    with deps.uow() as uow:
        revision, mention = _published(uow, revision_id)
        if text_sha256 != revision.text_sha256:
            raise InvalidState("the published text's hash differs from the approved revision")
        moved = _move(mention, sm.Event.PUBLISHED)
        reply = _reply(uow, mention)
        reply.published_hash = text_sha256
        reply.published_at = deps.clock()
        reply.published_external_id = external_id
        reply.posted_by = actor.key
        return _announce_release(uow, deps, actor, mention, revision, moved, manual=False)


def record_publish_failure(deps: Deps, revision_id: int, code: str) -> MentionView:
    actor = Actor.system("publisher")
    with deps.uow() as uow:
        revision, mention = _published(uow, revision_id)
        moved = _move(mention, sm.Event.PUBLISH_FAILED)
        _audit(
            uow,
            deps,
            actor,
            "reply.publish_failed",
            mention,
            revision=revision,
            moved=moved,
            detail={"code": code[:64]},
        )
        _outbox(
            uow,
            deps,
            Topic.PUBLISH_FAILED,
            mention.id,
            revision_id=revision.id,
            payload={"number": revision.number, "code": code[:64]},
        )
        return _committed(deps, uow, mention)


@audited("reply.retry_publish")
def retry_publish(deps: Deps, actor: Actor, ref: str | int) -> MentionView:
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        mention = _load(uow, ref)
        reply = _reply(uow, mention)
        moved = _move(mention, sm.Event.RETRY_PUBLISH)
        revision = uow.repo.revision_by_id(reply.released_revision_id or -1)
        if revision is None:
            raise InvalidState(f"{mention.ref} has no approved revision to publish")
        attempt = len(uow.repo.outbox_for_mention(mention.id, Topic.PUBLISH)) + 1
        _audit(uow, deps, actor, "reply.publish_retried", mention, revision=revision, moved=moved)
        _outbox(
            uow,
            deps,
            Topic.PUBLISH,
            mention.id,
            revision_id=revision.id,
            payload={
                "number": revision.number,
                "sha256": revision.text_sha256,
                "platform": mention.platform,
                "retry": True,
            },
            key=f"publish:{revision.id}:{attempt}",
        )
        return _committed(deps, uow, mention)


@audited("reply.take_down")
def take_down(deps: Deps, actor: Actor, ref: str | int, reason: str) -> IncidentView:
    """Remove a released reply and open the incident (breach risk assessment clock)."""
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        _require_role(roles, "risk", "admin")
        mention = _load(uow, ref)
        why = _reason(reason, "take a reply down")
        moved = _move(mention, sm.Event.TAKE_DOWN)
        reply = _reply(uow, mention)
        now = deps.clock()
        reply.taken_down_at = now
        history = [
            {
                "revision": r.number,
                "sha256": r.text_sha256,
                "verdict": r.screen_verdict,
                "finding_kinds": sorted({f.kind for f in r.findings}),
                "overrides": [
                    {
                        "finding": f.idx,
                        "kind": f.kind,
                        "by": f.override.actor,
                        "at": f.override.created_at.isoformat(),
                    }
                    for f in r.findings
                    if f.override is not None
                ],
            }
            for r in uow.repo.revisions(mention.id)
        ]
        incident = Incident(
            mention_id=mention.id,
            reason=why,
            opened_by=actor.key,
            published_at=reply.published_at,
            removed_at=now,
            published_hash=reply.published_hash,
            assessment_owner=actor.key,
            assessment_due_at=now + timedelta(days=deps.policy.breach_assessment_days),
            history={"revisions": history, "notification_deadline_days": 60},
        )
        uow.repo.add(incident)
        _audit(
            uow,
            deps,
            actor,
            "reply.taken_down",
            mention,
            moved=moved,
            reason=why,
            published_hash=reply.published_hash,
        )
        _outbox(
            uow,
            deps,
            Topic.UNPUBLISH,
            mention.id,
            revision_id=reply.released_revision_id,
            payload={"platform": mention.platform, "external_id": reply.published_external_id},
        )
        _outbox(uow, deps, Topic.TAKEN_DOWN, mention.id, payload={})
        view = IncidentView(
            mention_ref=mention.ref,
            reason=why,
            published_at=reply.published_at,
            removed_at=now,
            published_hash=reply.published_hash,
            assessment_owner=actor.key,
            assessment_due_at=incident.assessment_due_at,
            history=incident.history,
        )
        uow.commit()
    _kick(deps)
    return view

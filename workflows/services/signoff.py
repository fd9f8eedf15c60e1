"""Sign-off: marketing and risk approve a revision (the second valid sign-off approves the
reply and queues publishing in the same transaction), or ask for changes.
"""

from __future__ import annotations

from models.tables import SignOff
from workflows import state_machine as sm
from workflows.errors import Forbidden, InvalidInput, InvalidState
from workflows.services.shared import (
    Deps,
    _audit,
    _check_member,
    _check_single_role,
    _latest,
    _load,
    _move,
    _outbox,
    _reason,
    _reply,
    _require_role,
    _revision_state,
    _state,
    audited,
)
from workflows.services.viewing import _committed
from workflows.topics import Topic
from workflows.types import APPROVER_ROLES, Actor
from workflows.views import MentionView


@audited("revision.signoff")
def sign_off(deps: Deps, actor: Actor, ref: str | int, number: int, role: str) -> MentionView:
    """Approve revision ``number`` as ``role``. The second valid sign-off approves the
    reply and writes the publish outbox row in the same transaction."""
    if role not in APPROVER_ROLES:
        raise InvalidInput("the role must be marketing or risk")
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        _require_role(roles, role)
        mention = _load(uow, ref)
        revision = _latest(uow, mention, number)
        rstate = _revision_state(revision)
        if not sm.may_sign(rstate):
            raise InvalidState(
                f"revision {number} is blocked by the PHI screen; "
                "fix it or ask risk to review the findings"
            )
        if _state(mention) is not sm.State.IN_REVIEW:
            raise InvalidState(f"{mention.ref} is {mention.state.replace('_', ' ')}, not in review")
        if revision.author == actor.key and not deps.policy.allow_author_signoff:
            raise Forbidden("the author of a draft cannot sign it off")
        existing = uow.repo.signoffs(revision.id)
        for s in existing:
            if s.role == role:
                who = "you" if s.actor == actor.key else "someone else"
                raise InvalidState(f"revision {number} already has a {role} sign-off (by {who})")
            if s.actor == actor.key:
                raise Forbidden("you already signed this revision in the other role")
        _check_single_role(uow, mention, actor, role)
        uow.repo.add(
            SignOff(
                revision_id=revision.id,
                mention_id=mention.id,
                role=role,
                actor=actor.key,
                decision="approve",
                created_at=deps.clock(),
            )
        )
        uow.repo.flush()
        others = {s.role for s in existing if s.decision == "approve"}
        complete = others | {role} >= set(APPROVER_ROLES)
        moved = _move(mention, sm.Event.FULLY_SIGNED if complete else sm.Event.SIGNED_OFF)
        _audit(
            uow,
            deps,
            actor,
            "revision.signed_off",
            mention,
            role=role,
            revision=revision,
            moved=moved,
        )
        _outbox(
            uow,
            deps,
            Topic.SIGNOFF,
            mention.id,
            revision_id=revision.id,
            payload={"number": number, "role": role, "complete": complete},
        )
        if complete:
            reply = _reply(uow, mention)
            reply.released_revision_id = revision.id
            _audit(
                uow,
                deps,
                Actor.system("release"),
                "reply.approved",
                mention,
                revision=revision,
                published_hash=revision.text_sha256,
            )
            _outbox(
                uow,
                deps,
                Topic.PUBLISH,
                mention.id,
                revision_id=revision.id,
                payload={
                    "number": number,
                    "sha256": revision.text_sha256,
                    "platform": mention.platform,
                },
                key=f"publish:{revision.id}:1",
            )
        return _committed(deps, uow, mention)


@audited("revision.request_changes")
def request_changes(
    deps: Deps, actor: Actor, ref: str | int, number: int, reason: str
) -> MentionView:
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        mention = _load(uow, ref)
        why = _reason(reason, "request changes")
        revision = _latest(uow, mention, number)
        held = uow.repo.approver_role(mention.id, actor.key)
        candidates = [r for r in APPROVER_ROLES if r in roles]
        if not candidates:
            raise Forbidden("only a marketing or risk approver can request changes")
        role = held.role if held is not None else candidates[0]
        if role not in roles:
            raise Forbidden(
                f"you act as the {role} approver on {mention.ref} but no longer hold that role"
            )
        if _state(mention) is not sm.State.IN_REVIEW:
            raise InvalidState(f"{mention.ref} is {mention.state.replace('_', ' ')}, not in review")
        if any(s.role == role for s in uow.repo.signoffs(revision.id)):
            raise InvalidState(f"revision {number} already has a {role} decision")
        _check_single_role(uow, mention, actor, role)
        uow.repo.add(
            SignOff(
                revision_id=revision.id,
                mention_id=mention.id,
                role=role,
                actor=actor.key,
                decision="changes",
                reason=why,
                created_at=deps.clock(),
            )
        )
        moved = _move(mention, sm.Event.CHANGES_REQUESTED)
        _audit(
            uow,
            deps,
            actor,
            "revision.changes_requested",
            mention,
            role=role,
            revision=revision,
            moved=moved,
            reason=why,
        )
        _outbox(
            uow,
            deps,
            Topic.CHANGES_REQUESTED,
            mention.id,
            revision_id=revision.id,
            payload={"number": number, "role": role},
        )
        return _committed(deps, uow, mention)

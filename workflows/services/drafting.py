"""Drafting: new immutable revisions screened for PHI, sending a blocked draft to risk,
risk overriding a finding, and the ad-hoc check (nothing stored).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from models.tables import Mention, PhiFinding, PhiOverride, Reply, Revision
from models.uow import UnitOfWork
from workflows import state_machine as sm
from workflows.errors import Forbidden, InvalidInput, InvalidState, NotFound, StaleRevision
from workflows.phi.types import MentionContext, ScreenResult
from workflows.services.shared import (
    MAX_REPLY_CHARS,
    Deps,
    _audit,
    _check_member,
    _check_single_role,
    _kick,
    _latest,
    _load,
    _move,
    _outbox,
    _reason,
    _reply,
    _require_role,
    _revision_state,
    _screen,
    _state,
    audited,
    sha256,
)
from workflows.services.viewing import _committed, _mention_view, _revision_view
from workflows.topics import Topic
from workflows.types import Actor
from workflows.views import MentionView, RevisionView


@dataclass(frozen=True)
class DraftOutcome:
    mention: MentionView
    revision: RevisionView

    @property
    def blocked(self) -> bool:
        return self.revision.state == sm.RevisionState.BLOCKED.value


@audited("revision.create")
def create_revision(
    deps: Deps, actor: Actor, ref: str | int, text: str, base_revision: int | None = None
) -> DraftOutcome:
    """A new immutable revision, screened for PHI. ``base_revision`` is the revision the
    author was editing (None = "whatever is latest", used by `/reply M-42 text`); if the
    draft changed meanwhile, StaleRevision — never last-write-wins."""
    body = text.strip()
    if not body:
        raise InvalidInput("the reply is empty")
    if len(body) > MAX_REPLY_CHARS:
        raise InvalidInput(f"the reply is longer than {MAX_REPLY_CHARS} characters")
    # Read the context and screen outside the write transaction (no row lock held while
    # the screen runs), then re-check everything under the lock.
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        mention = _load(uow, ref, lock=False)
        context = MentionContext(mention.author, mention.text or "", mention.platform)
    result = _screen(deps, body, context)
    with deps.uow() as uow:
        mention = _load(uow, ref)
        reply = _reply(uow, mention)
        if base_revision is not None and not _may_build_on(
            uow, mention, reply, base_revision, actor
        ):
            raise StaleRevision(
                f"the draft changed: you edited revision {base_revision} but revision "
                f"{reply.latest_revision} is now the latest; reopen the draft"
            )
        moved_open = None
        if sm.Event.OPEN_FOR_REPLY in sm.allowed_events(_state(mention)):
            moved_open = _move(mention, sm.Event.OPEN_FOR_REPLY)
        event = sm.Event.REVISION_BLOCKED if result.blocked else sm.Event.REVISION_CLEAN
        moved = _move(mention, event)
        if moved_open:
            moved = (moved_open[0], moved[1])
        based_on = reply.latest_revision if base_revision is None else base_revision
        revision = _store_revision(uow, deps, actor, mention, reply, body, result, based_on)
        _audit(
            uow,
            deps,
            actor,
            "revision.blocked" if result.blocked else "revision.created",
            mention,
            revision=revision,
            moved=moved,
            detail={"verdict": result.verdict},
        )
        if moved_open:
            _outbox(
                uow,
                deps,
                Topic.MENTION_NEW,
                mention.id,
                key=f"chat.mention_new:{mention.id}:{uuid.uuid4().hex}",
            )
        _outbox(
            uow,
            deps,
            Topic.REVISION,
            mention.id,
            revision_id=revision.id,
            payload={"number": revision.number, "verdict": result.verdict},
        )
        outcome = DraftOutcome(_mention_view(uow, mention), _revision_view(uow, revision, True))
        uow.commit()
    _kick(deps)
    return outcome


def _may_build_on(uow: UnitOfWork, mention: Mention, reply: Reply, base: int, actor: Actor) -> bool:
    """A new revision may build on ``base`` if it is still the latest — or if everything
    after it is the same author's own blocked attempts from that same starting point (the
    author fixing a blocked draft in the modal they opened). Anyone else's revision in
    between means the draft changed."""
    if base == reply.latest_revision:
        return True
    return _own_blocked_attempt(uow, mention, reply, base, actor) is not None


def _own_blocked_attempt(
    uow: UnitOfWork, mention: Mention, reply: Reply, base: int, actor: Actor
) -> Revision | None:
    """The latest revision, if it is ``actor``'s blocked attempt built on ``base``."""
    latest = uow.repo.revision(mention.id, reply.latest_revision)
    if (
        latest is not None
        and latest.author == actor.key
        and latest.based_on == base
        and _revision_state(latest) == sm.RevisionState.BLOCKED
    ):
        return latest
    return None


def blocked_attempt(deps: Deps, actor: Actor, ref: str | int, base: int, text: str) -> int | None:
    """The number of the latest revision if it is this author's blocked attempt built on
    ``base`` with exactly ``text``: the author sending the form that made it once more
    (to send it to risk, say) means that revision, not a new one. Read from the
    database, so any replica answers alike."""
    with deps.uow() as uow:
        mention = _load(uow, ref, lock=False)
        reply = uow.repo.reply_for(mention)
        if reply is None or reply.latest_revision == 0:
            return None
        latest = _own_blocked_attempt(uow, mention, reply, base, actor)
        if latest is None or latest.text_sha256 != sha256(text.strip()):
            return None
        return latest.number


def _store_revision(
    uow: UnitOfWork,
    deps: Deps,
    actor: Actor,
    mention: Mention,
    reply: Reply,
    body: str,
    result: ScreenResult,
    based_on: int,
) -> Revision:
    number = reply.latest_revision + 1
    revision = Revision(
        reply_id=reply.id,
        mention_id=mention.id,
        number=number,
        based_on=based_on,
        author=actor.key,
        text=body,
        text_sha256=sha256(body),
        created_at=deps.clock(),
        screen_verdict=result.verdict,
        sent_to_risk=False,
    )
    uow.repo.add(revision)
    uow.repo.flush()
    for idx, f in enumerate(result.findings):
        uow.repo.add(
            PhiFinding(
                revision_id=revision.id,
                idx=idx,
                kind=f.kind,
                start=f.start,
                end=f.end,
                text=f.text,
                reason=f.reason,
                suggestion=f.suggestion,
            )
        )
    reply.latest_revision = number
    mention.assignee = mention.assignee or actor.key
    uow.repo.flush()
    uow.repo.refresh(revision, ["findings"])
    return revision


@audited("revision.send_to_risk")
def send_to_risk(deps: Deps, actor: Actor, ref: str | int, number: int) -> MentionView:
    """The author asks a risk approver to review a blocked draft's findings."""
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        mention = _load(uow, ref)
        revision = _latest(uow, mention, number)
        if _revision_state(revision) != sm.RevisionState.BLOCKED:
            raise InvalidState(f"revision {number} is not blocked; nothing to send to risk")
        revision.sent_to_risk = True
        _audit(uow, deps, actor, "revision.sent_to_risk", mention, revision=revision)
        _outbox(
            uow,
            deps,
            Topic.RISK_REVIEW,
            mention.id,
            revision_id=revision.id,
            payload={"number": number},
        )
        return _committed(deps, uow, mention)


@audited("finding.override")
def override_finding(
    deps: Deps, actor: Actor, ref: str | int, number: int, finding_idx: int, reason: str
) -> DraftOutcome:
    """A risk approver judges one finding of the latest revision a false positive."""
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        _require_role(roles, "risk")
        mention = _load(uow, ref)
        why = _reason(reason, "override a PHI finding")
        revision = _latest(uow, mention, number)
        if revision.author == actor.key:
            raise Forbidden("the author of a draft cannot override its findings")
        finding = next((f for f in revision.findings if f.idx == finding_idx), None)
        if finding is None:
            raise NotFound(f"revision {number} has no finding {finding_idx + 1}")
        if finding.override is not None:
            raise InvalidState(f"finding {finding_idx + 1} was already overridden")
        _check_single_role(uow, mention, actor, "risk")
        uow.repo.add(
            PhiOverride(
                finding_id=finding.id,
                revision_id=revision.id,
                actor=actor.key,
                reason=why,
                created_at=deps.clock(),
            )
        )
        uow.repo.flush()
        uow.repo.refresh(finding, ["override"])
        moved = None
        if (
            _revision_state(revision) == sm.RevisionState.CLEARED
            and _state(mention) is sm.State.DRAFTING
        ):
            moved = _move(mention, sm.Event.FINDINGS_CLEARED)
        _audit(
            uow,
            deps,
            actor,
            "finding.overridden",
            mention,
            role="risk",
            revision=revision,
            moved=moved,
            reason=why,
            detail={"finding": finding_idx, "kind": finding.kind},
        )
        _outbox(
            uow,
            deps,
            Topic.OVERRIDE,
            mention.id,
            revision_id=revision.id,
            payload={"number": number, "finding": finding_idx, "cleared": moved is not None},
        )
        outcome = DraftOutcome(_mention_view(uow, mention), _revision_view(uow, revision, True))
        uow.commit()
    _kick(deps)
    return outcome


@audited("phi.check")
def check_text(deps: Deps, actor: Actor, text: str, ref: str | int | None = None) -> ScreenResult:
    """Ad-hoc screen: nothing is stored, nothing is audited on success."""
    body = text.strip()
    if not body:
        raise InvalidInput("give some text to check")
    if len(body) > MAX_REPLY_CHARS:
        raise InvalidInput(f"the text is longer than {MAX_REPLY_CHARS} characters")
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        context = MentionContext("", "", "")
        if ref is not None:
            mention = _load(uow, ref, lock=False)
            context = MentionContext(mention.author, mention.text or "", mention.platform)
    return _screen(deps, body, context)

"""The read models the use cases return (``workflows.views``), built from rows, and the
viewer they are built for.
"""

from __future__ import annotations

from models.tables import Mention, Revision
from models.uow import UnitOfWork
from workflows.permissions import Viewer
from workflows.services.shared import Deps, _kick, _load, _revision_state, _state
from workflows.types import Actor
from workflows.views import FindingView, MentionView, RevisionView, SignOffView


def _revision_view(uow: UnitOfWork, revision: Revision, is_latest: bool) -> RevisionView:
    findings = tuple(
        FindingView(
            idx=f.idx,
            kind=f.kind,
            start=f.start,
            end=f.end,
            text=f.text,
            reason=f.reason,
            suggestion=f.suggestion,
            overridden_by=f.override.actor if f.override else None,
            override_reason=f.override.reason if f.override else None,
        )
        for f in revision.findings
    )
    signoffs = tuple(
        SignOffView(
            role=s.role, actor=s.actor, decision=s.decision, at=s.created_at, reason=s.reason
        )
        for s in uow.repo.signoffs(revision.id)
    )
    return RevisionView(
        number=revision.number,
        author=revision.author,
        text=revision.text,
        text_sha256=revision.text_sha256,
        verdict=revision.screen_verdict,
        state=_revision_state(revision, is_latest),
        created_at=revision.created_at,
        findings=findings,
        signoffs=signoffs,
        sent_to_risk=revision.sent_to_risk,
    )


def _mention_view(uow: UnitOfWork, mention: Mention) -> MentionView:
    reply = uow.repo.reply_for(mention)
    latest = None
    if reply is not None and reply.latest_revision:
        rev = uow.repo.revision(mention.id, reply.latest_revision)
        if rev is not None:
            latest = _revision_view(uow, rev, True)
    return MentionView(
        id=mention.id,
        source=mention.source,
        platform=mention.platform,
        author=mention.author,
        text=mention.text,
        url=mention.url,
        rating=mention.rating,
        severity=mention.severity,
        severity_reasons=tuple(mention.severity_reasons or ()),
        state=_state(mention),
        received_at=mention.received_at,
        created_at=mention.created_at,
        sla_due_at=mention.sla_due_at,
        assignee=mention.assignee,
        legal_hold=mention.legal_hold,
        redacted=mention.redacted_at is not None,
        latest=latest,
        published_hash=reply.published_hash if reply else None,
        published_at=reply.published_at if reply else None,
        posted_by=reply.posted_by if reply else None,
        approvers=tuple((a.actor, a.role) for a in uow.repo.approver_roles(mention.id)),
    )


def _committed(deps: Deps, uow: UnitOfWork, mention: Mention) -> MentionView:
    """Commit the change and return the mention as it now is; the relay is woken after
    the commit (outbox rows may be waiting)."""
    view = _mention_view(uow, mention)
    uow.commit()
    _kick(deps)
    return view


def _viewer(deps: Deps, actor: Actor, roles: set[str]) -> Viewer:
    return Viewer.of(
        actor.key,
        roles,
        private=actor.private,
        allow_author_signoff=deps.policy.allow_author_signoff,
    )


def mention_views(deps: Deps, ids: list[int]) -> list[MentionView]:
    """Several mentions in one unit of work (those that no longer exist are left out)."""
    out = []
    with deps.uow() as uow:
        for mention_id in ids:
            mention = uow.repo.mention(mention_id, for_update=False)
            if mention is not None:
                out.append(_mention_view(uow, mention))
    return out


def mention_view(deps: Deps, ref: str | int) -> MentionView:
    """Current state for rendering (no permission check: used by notification delivery)."""
    with deps.uow() as uow:
        return _mention_view(uow, _load(uow, ref, lock=False))

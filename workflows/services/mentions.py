"""Mentions: ingestion (duplicates absorbed, classified, negatives queued for posting),
opening an ignored or dismissed mention for a reply, assigning, dismissing, legal hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from models.tables import Mention
from models.uow import Conflict
from workflows import state_machine as sm
from workflows.errors import Forbidden, InvalidState
from workflows.ingest import classify
from workflows.services.shared import (
    Deps,
    _audit,
    _check_member,
    _kick,
    _load,
    _move,
    _outbox,
    _reason,
    _require_role,
    _state,
    audited,
)
from workflows.services.viewing import _committed, _mention_view
from workflows.topics import Topic
from workflows.types import Actor, MentionInput
from workflows.views import IngestResult, MentionView


def ingest(deps: Deps, inputs: Sequence[MentionInput]) -> list[IngestResult]:
    """Store new mentions (duplicates absorbed), classify, and queue negatives for posting.
    All-or-nothing: one transaction for the whole batch."""
    for attempt in range(3):
        try:
            return _ingest_once(deps, inputs)
        except Conflict:
            # A concurrent request stored one of these external ids first: re-read.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _ingest_once(deps: Deps, inputs: Sequence[MentionInput]) -> list[IngestResult]:
    now = deps.clock()
    results: list[IngestResult] = []
    posted = False
    with deps.uow() as uow:
        existing = uow.repo.existing_external_ids([(m.source, m.external_id) for m in inputs])
        seen: dict[tuple[str, str], int] = {}
        for m in inputs:
            key = (m.source, m.external_id)
            if key in existing or key in seen:
                results.append(
                    IngestResult(m.external_id, existing.get(key) or seen[key], True, False)
                )
                continue
            c = classify(m, deps.sentiment, deps.policy, now)
            mention = Mention(
                source=m.source,
                external_id=m.external_id,
                platform=m.platform,
                author=m.author,
                author_url=m.author_url,
                text=m.text,
                url=m.url,
                rating=m.rating,
                location=m.location,
                created_at=m.created_at,
                received_at=now,
                negative=c.negative,
                sentiment=c.sentiment,
                severity=c.severity,
                severity_reasons=list(c.reasons),
                sla_due_at=c.sla_due_at,
                state=sm.State.OPEN if c.negative else sm.State.IGNORED,
                legal_hold=False,
            )
            uow.repo.add(mention)
            uow.repo.flush()
            seen[key] = mention.id
            _audit(
                uow,
                deps,
                Actor.system("ingest"),
                "mention.ingested",
                mention,
                moved=("", _state(mention)),
                detail={"source": m.source, "severity": c.severity, "negative": c.negative},
            )
            if c.negative:
                _outbox(
                    uow, deps, Topic.MENTION_NEW, mention.id, key=f"chat.mention_new:{mention.id}"
                )
                posted = True
            results.append(IngestResult(m.external_id, mention.id, False, c.negative))
        uow.commit()
    if posted:
        _kick(deps)
    return results


@audited("mention.open")
def open_for_reply(deps: Deps, actor: Actor, ref: str | int) -> MentionView:
    """Open an ignored or dismissed mention for a reply (it is then posted)."""
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        mention = _load(uow, ref)
        if sm.Event.OPEN_FOR_REPLY in sm.allowed_events(_state(mention)):
            moved = _move(mention, sm.Event.OPEN_FOR_REPLY)
            if mention.sla_due_at is None:
                mention.sla_due_at = deps.clock() + timedelta(
                    hours=deps.policy.sla_hours.get(mention.severity, 24.0)
                )
            _audit(uow, deps, actor, "mention.opened", mention, moved=moved)
            _outbox(
                uow,
                deps,
                Topic.MENTION_NEW,
                mention.id,
                key=f"chat.mention_new:{mention.id}:{uuid.uuid4().hex}",
            )
        return _committed(deps, uow, mention)


@audited("mention.assign")
def assign(deps: Deps, actor: Actor, ref: str | int, assignee: str | None = None) -> MentionView:
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        mention = _load(uow, ref)
        if _state(mention) in (sm.State.RELEASED, sm.State.TAKEN_DOWN, sm.State.DISMISSED):
            raise InvalidState(f"{mention.ref} is {mention.state}; there is nothing to assign")
        mention.assignee = assignee or actor.key
        _audit(uow, deps, actor, "mention.assigned", mention, detail={"assignee": mention.assignee})
        _outbox(uow, deps, Topic.MENTION_UPDATED, mention.id)
        return _committed(deps, uow, mention)


@audited("mention.open")
def open_thread(deps: Deps, actor: Actor, ref: str | int) -> MentionView:
    """Someone wants a mention listed in a burst digest on its own: its message (with
    its buttons) and thread are posted by the chat adapters, which send the person a
    link. Changes no state; posting twice is impossible (the adapter posts a parent only
    while none is stored)."""
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        mention = _load(uow, ref, lock=False)
        user = actor.user_id if actor.platform == "slack" else ""
        _outbox(uow, deps, Topic.MENTION_OPEN, mention.id, payload={"user": user})
        return _committed(deps, uow, mention)


@audited("mention.dismiss")
def dismiss(deps: Deps, actor: Actor, ref: str | int, reason: str) -> MentionView:
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        mention = _load(uow, ref)
        why = _reason(reason, "dismiss a mention")
        if mention.severity == "critical" and not roles.intersection({"risk", "admin"}):
            raise Forbidden("dismissing a critical mention needs a risk approver or an admin")
        moved = _move(mention, sm.Event.DISMISS)
        _audit(uow, deps, actor, "mention.dismissed", mention, moved=moved, reason=why)
        mention.dismiss_reason = why
        _outbox(uow, deps, Topic.MENTION_UPDATED, mention.id)
        return _committed(deps, uow, mention)


@audited("mention.legal_hold")
def set_legal_hold(deps: Deps, actor: Actor, ref: str | int, on: bool) -> MentionView:
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        _require_role(roles, "risk", "admin")
        mention = _load(uow, ref)
        mention.legal_hold = on
        _audit(
            uow, deps, actor, "mention.legal_hold_on" if on else "mention.legal_hold_off", mention
        )
        view = _mention_view(uow, mention)
        uow.commit()
    return view

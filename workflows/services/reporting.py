"""Reading: a mention's status and history, the revision a person is about to edit, and a
person's queue, each built for that person (the actions they may take, what they may
read).
"""

from __future__ import annotations

from workflows import state_machine as sm
from workflows.errors import StaleRevision
from workflows.permissions import for_viewer, mention_for
from workflows.services.shared import Deps, _check_member, _load, audited
from workflows.services.viewing import _mention_view, _revision_view, _viewer
from workflows.types import APPROVER_ROLES, Actor
from workflows.views import HistoryEntry, Queue, QueueItem, Status


@audited("mention.status")
def status(deps: Deps, actor: Actor, ref: str | int) -> Status:
    """State, revisions and history, as this person may see them: the actions they may
    take now, and a blocked draft's text and flagged words only for its author and risk
    approvers, only where the answer reaches that person alone."""
    return _status(deps, actor, ref)


def _status(deps: Deps, actor: Actor, ref: str | int) -> Status:
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        mention = _load(uow, ref, lock=False)
        revisions = uow.repo.revisions(mention.id)
        latest_no = revisions[-1].number if revisions else 0
        history = tuple(
            HistoryEntry(
                e.seq, e.occurred_at, e.actor, e.action, e.outcome, e.revision_number, e.state_to
            )
            for e in uow.repo.history(mention.id)
        )
        full = Status(
            _mention_view(uow, mention),
            tuple(_revision_view(uow, r, r.number == latest_no) for r in revisions),
            history,
        )
        return for_viewer(full, _viewer(deps, actor, roles))


@audited("revision.open")
def open_revision(deps: Deps, actor: Actor, ref: str | int, number: int | None) -> Status:
    """What a person needs to open a modal on revision ``number`` (edit, override); a
    button from an older revision is refused with "the draft changed" (and audited)."""
    # the unaudited body of ``status``: a refusal here is audited once, as this action
    current = _status(deps, actor, ref)
    latest = current.revisions[-1].number if current.revisions else 0
    if number is not None and number != latest:
        raise StaleRevision(
            f"the draft changed: revision {number} is no longer the latest "
            f"(revision {latest} is); look at the new text first"
        )
    return current


@audited("queue.view")
def queue(deps: Deps, actor: Actor) -> Queue:
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        viewer = _viewer(deps, actor, roles)
        items: list[QueueItem] = []
        seen: set[int] = set()
        for mention, revision in uow.repo.drafts_by(actor.key):
            why = "your draft is blocked" if revision.screen_verdict == "block" else "your draft"
            items.append(QueueItem(mention_for(_mention_view(uow, mention), viewer), why))
            seen.add(mention.id)
        for role in APPROVER_ROLES:
            if role in roles and actor.platform not in ("cli", "system"):
                for mention, revision in uow.repo.awaiting_role(role):
                    if mention.id in seen or revision.author == actor.key:
                        continue
                    held = uow.repo.approver_role(mention.id, actor.key)
                    if held is not None and held.role != role:
                        continue
                    items.append(
                        QueueItem(
                            mention_for(_mention_view(uow, mention), viewer),
                            f"awaiting {role} sign-off",
                        )
                    )
                    seen.add(mention.id)
        for mention in uow.repo.overdue(deps.clock(), sm.OPEN_STATES):
            if mention.id not in seen and (mention.assignee in (None, actor.key)):
                items.append(QueueItem(mention_for(_mention_view(uow, mention), viewer), "overdue"))
                seen.add(mention.id)
        return Queue(actor.key, tuple(sorted(roles)), tuple(items))


def outbox_backlog(deps: Deps) -> tuple[int, int]:
    """Outbox rows waiting for delivery, and rows that gave up (dead): for the metrics
    an operator alerts on."""
    with deps.uow() as uow:
        counts = uow.repo.outbox_counts()
    return counts.get("pending", 0), counts.get("dead", 0)

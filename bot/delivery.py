"""What every chat adapter's outbox handlers read before delivering (Slack and Teams)."""

from __future__ import annotations

from workflows.relay import OutboxItem, Retry
from workflows.services import chat, reporting, shared, viewing
from workflows.types import Actor
from workflows.views import MentionView, RevisionView, ThreadRef

_SYSTEM = Actor.system("chat-delivery")


def mention_and_thread(
    deps: shared.Deps, item: OutboxItem, platform: str
) -> tuple[MentionView, ThreadRef]:
    """The mention and where it lives on ``platform``; retry until its parent is posted."""
    assert item.mention_id is not None
    mention = viewing.mention_view(deps, item.mention_id)
    thread = chat.get_thread(deps, mention.id, platform)
    if thread is None or not thread.ts or not thread.channel:
        # The parent has not been posted yet (its row is retrying): wait for it.
        raise Retry("parent_not_posted_yet", after=5, waiting=True)
    return mention, thread


def revision_of(deps: shared.Deps, mention: MentionView, number: int) -> RevisionView | None:
    """Revision ``number`` of the mention (the latest is already in the view)."""
    if mention.latest is not None and mention.latest.number == number:
        return mention.latest
    status = reporting.status(deps, _SYSTEM, mention.id)
    return next((r for r in status.revisions if r.number == number), None)

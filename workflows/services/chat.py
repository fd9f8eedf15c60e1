"""Where a mention lives in chat (Slack channel and ts, Teams conversation reference) and
where the Teams app was installed; used by the outbound adapters after commit.
"""

from __future__ import annotations

from typing import Any

from models.tables import ChatInstallation, ChatThread
from models.uow import UnitOfWork
from workflows.services.shared import Deps, _outbox
from workflows.topics import Topic
from workflows.views import ThreadRef


def save_thread(
    deps: Deps,
    mention_id: int,
    platform: str,
    channel: str | None,
    ts: str | None = None,
    conversation_ref: dict[str, Any] | None = None,
) -> ThreadRef:
    """Remember where a mention was posted (idempotent; later calls update it)."""
    with deps.uow() as uow:
        _put_thread(uow, deps, mention_id, platform, channel, ts, conversation_ref)
        uow.commit()
        return ThreadRef(mention_id, platform, channel, ts, conversation_ref)


def _put_thread(
    uow: UnitOfWork,
    deps: Deps,
    mention_id: int,
    platform: str,
    channel: str | None,
    ts: str | None,
    conversation_ref: dict[str, Any] | None,
) -> None:
    thread = uow.repo.thread(mention_id, platform)
    if thread is None:
        thread = ChatThread(mention_id=mention_id, platform=platform)
        uow.repo.add(thread)
    thread.channel = channel
    thread.ts = ts
    thread.conversation_ref = conversation_ref
    thread.updated_at = deps.clock()


def get_thread(deps: Deps, mention_id: int, platform: str) -> ThreadRef | None:
    with deps.uow() as uow:
        thread = uow.repo.thread(mention_id, platform)
        if thread is None:
            return None
        return ThreadRef(mention_id, platform, thread.channel, thread.ts, thread.conversation_ref)


def save_installation(deps: Deps, platform: str, conversation_ref: dict[str, Any]) -> None:
    """Remember where the app was installed (Teams), for proactive posting."""
    with deps.uow() as uow:
        row = uow.repo.installation(platform)
        if row is None:
            row = ChatInstallation(platform=platform, conversation_ref=conversation_ref)
            uow.repo.add(row)
        row.conversation_ref = conversation_ref
        row.updated_at = deps.clock()
        uow.commit()


def get_installation(deps: Deps, platform: str) -> dict[str, Any] | None:
    with deps.uow() as uow:
        row = uow.repo.installation(platform)
        return dict(row.conversation_ref) if row is not None else None


def record_delivery_failure(deps: Deps, mention_id: int, topic: str, row_id: int) -> None:
    """A notification about this mention went dead: tell its thread (once per row), so
    a silent gap in the channel is noticed. The alert itself is never re-alerted."""
    with deps.uow() as uow:
        if uow.repo.mention(mention_id) is None:
            return
        key = f"{Topic.DELIVERY_FAILED}:{row_id}"
        if uow.repo.outbox_key_exists(key):
            return
        _outbox(uow, deps, Topic.DELIVERY_FAILED, mention_id, payload={"topic": topic}, key=key)
        uow.commit()

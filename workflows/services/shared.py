"""What every use case shares: the dependencies (``Deps``), the checks every action runs
(workspace or tenant, membership, roles), loading a mention and moving it through the
lifecycle, and the audit and outbox writers. Names with a leading underscore are for the
modules of this package only.

A refusal (any CountersignError) rolls the change back and is audited in its own
transaction (``audited``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from models.tables import ApproverRole, Mention, OutboxMessage, Reply, Revision
from models.uow import UnitOfWork
from workflows import state_machine as sm
from workflows.actions import typed_mention_id
from workflows.errors import (
    CountersignError,
    Forbidden,
    InvalidInput,
    InvalidState,
    NotFound,
    ScreenUnavailable,
    StaleRevision,
)
from workflows.permissions import foreign
from workflows.phi.types import MentionContext, PhiScreen, ScreenResult
from workflows.shared_state import SharedState
from workflows.topics import Topic
from workflows.types import ROLES, Actor, Clock, Policy, Sentiment

MAX_REPLY_CHARS = 4000


MAX_REASON_CHARS = 1000


log = logging.getLogger("countersign.services")


P = ParamSpec("P")


T = TypeVar("T")


@dataclass
class Deps:
    uow: Callable[[], UnitOfWork]
    screen: PhiScreen
    policy: Policy
    clock: Clock
    sentiment: Sentiment
    # What every replica must see alike (replay cache, channel pace, burst digests).
    shared: SharedState
    # Called after a commit that wrote outbox rows (wakes the relay); never before commit.
    after_commit: Callable[[], None] | None = None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_ref(ref: str | int) -> int:
    """A mention id from an int, ``M-42`` or (on the command line) ``42``."""
    if isinstance(ref, int):
        return ref
    value = ref.strip()
    found = typed_mention_id(f"M-{value}" if value.isdigit() else value)
    if found is None:
        raise InvalidInput("that is not a mention id (they look like M-42)")
    return found


def _audit_refusal(deps: Deps, actor: Actor, action: str, ref: Any, exc: CountersignError) -> None:
    mention_id: int | None
    try:
        mention_id = parse_ref(ref) if ref is not None else None
    except CountersignError:
        mention_id = None
    with deps.uow() as uow:
        if mention_id is not None and uow.repo.mention(mention_id) is None:
            mention_id = None
        # Lock order everywhere: the mention row before the audit chain's lock. The outbox
        # row's foreign key takes a share lock on the mention, so write (and flush) it
        # before appending to the audit chain.
        if mention_id is not None and actor.platform in ("slack", "teams"):
            _outbox(
                uow,
                deps,
                Topic.REFUSAL,
                mention_id,
                payload={"action": action, "code": exc.code, "actor": actor.key},
            )
            uow.repo.flush()
        uow.repo.audit(
            deps.clock(),
            actor=actor.key,
            role=None,
            action=action,
            outcome="refused",
            mention_id=mention_id,
            reason=exc.message,
            detail={"code": exc.code},
        )
        uow.commit()
    _kick(deps)


def record_refusal(deps: Deps, actor: Actor, action: str, ref: Any, exc: CountersignError) -> None:
    """Audit the refusal of a request that never reached a use case (a button that did
    not parse, a request from another workspace caught by an adapter)."""
    _audit_refusal(deps, actor, action, ref, exc)


def audited(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Audit any refusal of this use case (in its own transaction), then re-raise."""

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except CountersignError as exc:
                deps = args[0]
                actor = args[1]
                assert isinstance(deps, Deps) and isinstance(actor, Actor)
                ref = args[2] if len(args) > 2 else kwargs.get("ref")
                _audit_refusal(deps, actor, action, ref, exc)
                raise

        return wrapper

    return decorate


def _kick(deps: Deps) -> None:
    if deps.after_commit is not None:
        deps.after_commit()


def _roles(uow: UnitOfWork, actor: Actor) -> set[str]:
    if actor.platform in ("cli", "system"):
        return set(ROLES)
    return uow.repo.roles_of(actor.key)


def _check_member(deps: Deps, uow: UnitOfWork, actor: Actor) -> set[str]:
    """Other workspaces/tenants are refused; then channel membership or any role."""
    refused = foreign(actor.platform, actor.team_id, home_of(deps.policy, actor.platform))
    if refused is not None:
        raise Forbidden(refused)
    roles = _roles(uow, actor)
    if not roles and not actor.channel_member:
        raise Forbidden("only members of the review channel or role holders can do this")
    return roles


def home_of(policy: Policy, platform: str) -> str | None:
    """Our own Slack workspace or Teams tenant."""
    return {"slack": policy.slack_team_id, "teams": policy.teams_tenant_id}.get(platform)


def _require_role(roles: set[str], *wanted: str) -> None:
    if not roles.intersection(wanted):
        names = " or ".join(wanted)
        raise Forbidden(
            f"only a {names} approver can do this"
            if "admin" not in wanted
            else f"only {names} can do this"
        )


def _load(uow: UnitOfWork, ref: str | int, *, lock: bool = True) -> Mention:
    mention = uow.repo.mention(parse_ref(ref), for_update=lock)
    if mention is None:
        raise NotFound(f"there is no mention M-{parse_ref(ref)}")
    return mention


def _state(mention: Mention) -> sm.State:
    return sm.State(mention.state)


def _move(mention: Mention, event: sm.Event) -> tuple[sm.State, sm.State]:
    before = _state(mention)
    try:
        after = sm.transition(before, event)
    except sm.IllegalTransition as exc:
        raise InvalidState(str(exc)) from None
    mention.state = after
    return before, after


def _reason(reason: str | None, what: str) -> str:
    value = (reason or "").strip()
    if not value:
        raise InvalidInput(f"a reason is required to {what}")
    if len(value) > MAX_REASON_CHARS:
        raise InvalidInput(f"the reason is longer than {MAX_REASON_CHARS} characters")
    return value


def _outbox(
    uow: UnitOfWork,
    deps: Deps,
    topic: str,
    mention_id: int | None,
    *,
    revision_id: int | None = None,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
) -> None:
    now = deps.clock()
    uow.repo.add(
        OutboxMessage(
            topic=topic,
            dedupe_key=key or f"{topic}:{mention_id}:{uuid.uuid4().hex}",
            mention_id=mention_id,
            revision_id=revision_id,
            payload=json.dumps(payload or {}, sort_keys=True),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def _reply(uow: UnitOfWork, mention: Mention) -> Reply:
    reply = uow.repo.reply_for(mention)
    if reply is None:
        reply = Reply(mention_id=mention.id, latest_revision=0)
        uow.repo.add(reply)
        uow.repo.flush()
    return reply


def _latest(uow: UnitOfWork, mention: Mention, number: int) -> Revision:
    """The revision ``number`` if it is the latest; otherwise 'the draft changed'."""
    reply = uow.repo.reply_for(mention)
    if reply is None or reply.latest_revision == 0:
        raise NotFound(f"{mention.ref} has no draft yet")
    if number != reply.latest_revision:
        raise StaleRevision(
            f"the draft changed: revision {number} is no longer the latest "
            f"(revision {reply.latest_revision} is); look at the new text first"
        )
    revision = uow.repo.revision(mention.id, number)
    if revision is None:  # pragma: no cover - latest_revision always points at a row
        raise NotFound(f"{mention.ref} has no revision {number}")
    return revision


def _revision_state(revision: Revision, is_latest: bool = True) -> sm.RevisionState:
    overridden = sum(1 for f in revision.findings if f.override is not None)
    return sm.revision_state(
        finding_count=len(revision.findings), overridden_count=overridden, is_latest=is_latest
    )


def _audit(
    uow: UnitOfWork,
    deps: Deps,
    actor: Actor,
    action: str,
    mention: Mention | None,
    *,
    role: str | None = None,
    revision: Revision | None = None,
    moved: tuple[sm.State | str, sm.State] | None = None,
    reason: str | None = None,
    published_hash: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    kinds = None
    if revision is not None and revision.findings:
        kinds = ",".join(sorted({f.kind for f in revision.findings}))
    uow.repo.audit(
        deps.clock(),
        actor=actor.key,
        role=role,
        action=action,
        outcome="ok",
        mention_id=mention.id if mention is not None else None,
        revision_number=revision.number if revision is not None else None,
        text_hash=revision.text_sha256 if revision is not None else None,
        finding_kinds=kinds,
        published_hash=published_hash,
        state_from=moved[0] if moved else None,
        state_to=moved[1] if moved else None,
        reason=reason,
        detail=detail,
    )


def _screen(deps: Deps, body: str, context: MentionContext) -> ScreenResult:
    """Run the PHI screen; a failure is never a pass (and never logs or echoes text)."""
    try:
        return deps.screen.screen(body, context, deps.policy.org)
    except Exception as exc:
        log.error("PHI screen failed", extra={"error": type(exc).__name__})
        raise ScreenUnavailable(
            "the PHI screen could not check this draft, so it was not saved; try again, "
            "and tell your admin if it keeps happening"
        ) from None


def _check_single_role(uow: UnitOfWork, mention: Mention, actor: Actor, role: str) -> None:
    held = uow.repo.approver_role(mention.id, actor.key)
    if held is not None and held.role != role:
        raise Forbidden(
            f"you already act as the {held.role} approver on {mention.ref}; one person "
            "cannot hold both approver roles on a reply"
        )
    if held is None:
        uow.repo.add(ApproverRole(mention_id=mention.id, actor=actor.key, role=role))
        uow.repo.flush()

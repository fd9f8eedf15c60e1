"""One service function per use case. Every rule of SPEC §1-2 is enforced here, whoever
calls (Slack, Teams, the scheduler, the command line).

Each function runs in one unit of work; the audit event and any outbox rows (chat
notifications, publishing) are written in the same transaction as the change. A refusal
(any CountersignError) rolls the change back and is audited in its own transaction.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from models.tables import (
    ApproverRole,
    ChatInstallation,
    ChatThread,
    Incident,
    Mention,
    OutboxMessage,
    PhiFinding,
    PhiOverride,
    Reply,
    Revision,
    RoleMember,
    SignOff,
)
from models.uow import Conflict, UnitOfWork
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
from workflows.ingest import classify
from workflows.permissions import Viewer, for_viewer, foreign, mention_for
from workflows.phi.types import MentionContext, PhiScreen, ScreenResult
from workflows.topics import Topic
from workflows.types import APPROVER_ROLES, ROLES, Actor, Clock, MentionInput, Policy, Sentiment
from workflows.views import (
    FindingView,
    HistoryEntry,
    IncidentView,
    IngestResult,
    MentionView,
    Queue,
    QueueItem,
    RevisionView,
    SignOffView,
    Status,
    ThreadRef,
)

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


# -- refusals -------------------------------------------------------------------


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
                uow, deps, Topic.REFUSAL, mention_id, payload={"action": action, "code": exc.code}
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


# -- shared checks ------------------------------------------------------------------


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


# -- views --------------------------------------------------------------------------


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


def _viewer(deps: Deps, actor: Actor, roles: set[str]) -> Viewer:
    return Viewer.of(
        actor.key,
        roles,
        private=actor.private,
        allow_author_signoff=deps.policy.allow_author_signoff,
    )


def mention_view(deps: Deps, ref: str | int) -> MentionView:
    """Current state for rendering (no permission check: used by notification delivery)."""
    with deps.uow() as uow:
        return _mention_view(uow, _load(uow, ref, lock=False))


# -- ingestion ------------------------------------------------------------------------


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


# -- mention actions ------------------------------------------------------------------


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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


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


# -- drafting -------------------------------------------------------------------------


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
    latest = uow.repo.revision(mention.id, reply.latest_revision)
    return (
        latest is not None
        and latest.author == actor.key
        and latest.based_on == base
        and _revision_state(latest) == sm.RevisionState.BLOCKED
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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


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


# -- sign-off -------------------------------------------------------------------------


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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


# -- release ----------------------------------------------------------------------------


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
        _audit(
            uow,
            deps,
            actor,
            "reply.marked_posted",
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
            payload={"number": revision.number, "manual": True},
        )
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


def record_published(
    deps: Deps, revision_id: int, external_id: str | None, text_sha256: str
) -> MentionView:
    """The publisher confirms the platform holds exactly the approved text."""
    actor = Actor.system("publisher")
    with deps.uow() as uow:
        revision = uow.repo.revision_by_id(revision_id)
        if revision is None:
            raise NotFound("no such revision")
        mention = _load(uow, revision.mention_id)
        if text_sha256 != revision.text_sha256:
            raise InvalidState("the published text's hash differs from the approved revision")
        moved = _move(mention, sm.Event.PUBLISHED)
        reply = _reply(uow, mention)
        reply.published_hash = text_sha256
        reply.published_at = deps.clock()
        reply.published_external_id = external_id
        reply.posted_by = actor.key
        _audit(
            uow,
            deps,
            actor,
            "reply.published",
            mention,
            revision=revision,
            moved=moved,
            published_hash=text_sha256,
        )
        _outbox(
            uow,
            deps,
            Topic.RELEASED,
            mention.id,
            revision_id=revision.id,
            payload={"number": revision.number, "manual": False},
        )
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


def record_publish_failure(deps: Deps, revision_id: int, code: str) -> MentionView:
    actor = Actor.system("publisher")
    with deps.uow() as uow:
        revision = uow.repo.revision_by_id(revision_id)
        if revision is None:
            raise NotFound("no such revision")
        mention = _load(uow, revision.mention_id)
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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


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
        view = _mention_view(uow, mention)
        uow.commit()
    _kick(deps)
    return view


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


# -- queries ------------------------------------------------------------------------------


@audited("mention.status")
def status(deps: Deps, actor: Actor, ref: str | int) -> Status:
    """State, revisions and history, as this person may see them: the actions they may
    take now, and a blocked draft's text and flagged words only for its author and risk
    approvers, only where the answer reaches that person alone."""
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
    current = status(deps, actor, ref)
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


# -- roles -----------------------------------------------------------------------------------


def _valid_member(member: str) -> str:
    value = member.strip()
    platform, _, ident = value.partition(":")
    if platform not in ("slack", "teams") or not ident or len(value) > 128 or " " in value:
        raise InvalidInput("members are written slack:U0123ABC or teams:<Entra object id>")
    return value


@audited("roles.add")
def add_role(deps: Deps, actor: Actor, member: str, role: str) -> list[tuple[str, str]]:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    who = _valid_member(member)
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        _require_role(roles, "admin")
        if role in uow.repo.roles_of(who):
            raise InvalidState(f"{who} already holds {role}")
        uow.repo.add(RoleMember(member=who, role=role, added_by=actor.key, added_at=deps.clock()))
        uow.repo.flush()
        _audit(uow, deps, actor, "roles.added", None, role=role, detail={"member": who})
        listing = [(m.member, m.role) for m in uow.repo.role_members()]
        uow.commit()
    return listing


@audited("roles.remove")
def remove_role(deps: Deps, actor: Actor, member: str, role: str) -> list[tuple[str, str]]:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    who = _valid_member(member)
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        _require_role(roles, "admin")
        if uow.repo.remove_role(who, role) == 0:
            raise NotFound(f"{who} does not hold {role}")
        _audit(uow, deps, actor, "roles.removed", None, role=role, detail={"member": who})
        listing = [(m.member, m.role) for m in uow.repo.role_members()]
        uow.commit()
    return listing


@audited("roles.list")
def list_roles(deps: Deps, actor: Actor) -> list[tuple[str, str]]:
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        return [(m.member, m.role) for m in uow.repo.role_members()]


def roles_of(deps: Deps, actor: Actor) -> set[str]:
    with deps.uow() as uow:
        return _roles(uow, actor)


# -- chat threads (used by the outbound adapters after commit) -------------------------------


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
        thread = uow.repo.thread(mention_id, platform)
        if thread is None:
            thread = ChatThread(mention_id=mention_id, platform=platform)
            uow.repo.add(thread)
        thread.channel = channel
        thread.ts = ts
        thread.conversation_ref = conversation_ref
        thread.updated_at = deps.clock()
        uow.commit()
        return ThreadRef(mention_id, platform, channel, ts, conversation_ref)


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

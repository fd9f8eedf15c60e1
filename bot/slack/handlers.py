"""Slack listeners: `/reply`, every button, the modals and App Home.

Thin by design: acknowledge first, parse, call the (synchronous) service in a worker
thread, render. Rules live in ``workflows.services``; refusals (``CountersignError``) are
audited there and only answered here, to the person who clicked. Nothing here logs,
raises or encodes mention or reply text (logs carry ids and exception type names only).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import answers, blocks, commands, modals
from bot.slack.mrkdwn import escape
from workflows import perform
from workflows.actions import (
    CATALOGUE,
    FORMS,
    ActionId,
    ButtonValue,
    Carries,
    Click,
    MalformedAction,
    Needs,
    parse_click,
)
from workflows.errors import CountersignError
from workflows.services import drafting, release, reporting, roles
from workflows.state_machine import RevisionState
from workflows.types import Actor
from workflows.views import MentionView, RevisionView

log = logging.getLogger("countersign.slack")

T = TypeVar("T")

# Buttons beyond the fixed list of action ids (conveniences; their values are ids only).
SEND_TO_RISK_ACTION = ActionId.REPLY_SEND_TO_RISK.value
FULL_TEXT_ACTION = ActionId.MENTION_FULL_TEXT.value

# Forms of their own for actions that need a reason (any other gets the generic one); the
# override form is opened once the service said whether this person may read the words.
FORM_MODALS: dict[str, Callable[[ButtonValue, int], dict[str, Any]]] = {
    "dismiss": lambda value, days: modals.dismiss_modal(value),
    "takedown": modals.takedown_modal,
    "request_changes": lambda value, days: modals.request_changes_modal(value),
}

SCREEN_WAIT_SECONDS = 2.0
# Work after acknowledgements running at once (the rest wait their turn): a burst of it
# otherwise fills the event loop and the interpreter lock, and later acknowledgements
# wait behind it (bench/ack_bench.py).
AFTER_ACK_SLOTS = 4
# Jobs waiting for a slot at most (a flood guard far above what 20 people clicking as
# fast as they can queue: bench/ack_bench.py counts the refusals); past that BUSY.
AFTER_ACK_WAITING = 2000
# A replica shutting down gives the jobs it acknowledged this long to finish.
DRAIN_SECONDS = 10.0
MEMBERSHIP_TTL_SECONDS = 30.0

OUT_OF_DATE = "That button is out of date; use the latest message."
OOPS = "Something went wrong on our side and it was logged; please try again in a minute."
BUSY = "Countersign is busy right now and did not do that; please try again in a minute."
NOT_DONE = "Countersign restarted before doing that; please try again."

# Set in a job that opens a form: its service calls run on threads of their own.
_FORM_LANE: contextvars.ContextVar[bool] = contextvars.ContextVar("form_lane", default=False)
# The replay check of the request being dispatched, when the route left it to run after
# the acknowledgement (commands and clicks: ``wiring.acknowledged_before_work``); True
# when the signature was new. Work for the request waits for it and is dropped on False.
PENDING_CLAIM: contextvars.ContextVar[asyncio.Future[bool] | None] = contextvars.ContextVar(
    "pending_claim", default=None
)


# -- channel membership ------------------------------------------------------------------


class Membership:
    """Members of the review channel, from conversations.members, cached briefly."""

    def __init__(
        self,
        channel_id: str | None,
        ttl: float = MEMBERSHIP_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel_id = channel_id
        self.ttl = ttl
        self._clock = clock
        self._members: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")
        self._lock: asyncio.Lock | None = None

    def _fresh(self) -> bool:
        return self._clock() - self._fetched_at < self.ttl

    def invalidate(self) -> None:
        self._fetched_at = float("-inf")

    async def is_member(self, client: AsyncWebClient, user_id: str) -> bool:
        if not self.channel_id or not user_id:
            return False
        if not self._fresh():
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if not self._fresh():
                    await self._refresh(client)
        return user_id in self._members

    async def _refresh(self, client: AsyncWebClient) -> None:
        members: set[str] = set()
        cursor: str | None = None
        try:
            for _ in range(100):  # at most 100 pages of 1000
                kwargs: dict[str, Any] = {"channel": self.channel_id, "limit": 1000}
                if cursor:
                    kwargs["cursor"] = cursor
                resp = await client.conversations_members(**kwargs)
                members.update(str(m) for m in resp.get("members") or [])
                cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except (TimeoutError, SlackApiError, OSError) as exc:
            log.warning("conversations.members failed", extra={"error": type(exc).__name__})
            # Keep what we had; try again in a few seconds rather than on every request.
            self._fetched_at = self._clock() - self.ttl + 5.0
            return
        self._members = frozenset(members)
        self._fetched_at = self._clock()


# -- request helpers ------------------------------------------------------------------------


def _user_and_team(body: dict[str, Any]) -> tuple[str, str | None]:
    user = body.get("user")
    if isinstance(user, dict):
        team = user.get("team_id") or (body.get("team") or {}).get("id") or body.get("team_id")
        return str(user.get("id") or ""), team
    event = body.get("event")
    if isinstance(event, dict) and event.get("user"):
        return str(event["user"]), body.get("team_id")
    return str(body.get("user_id") or ""), body.get("user_team_id") or body.get("team_id")


def _channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    if body.get("channel_id"):
        return str(body["channel_id"])
    container = body.get("container")
    if isinstance(container, dict) and container.get("channel_id"):
        return str(container["channel_id"])
    return None


@dataclass
class DraftResult:
    mention: MentionView | None = None
    revision: RevisionView | None = None
    sent_to_risk: bool = False
    error: CountersignError | None = None


@dataclass
class ReasonResult:
    title: str = ""
    text: str = ""
    view: dict[str, Any] | None = None
    error: CountersignError | None = None


@dataclass
class SlackHandlers:
    """Everything a listener needs. ``deps`` is ``workflows.services.Deps``."""

    deps: Any
    channel_id: str | None
    metrics: Any = None
    screen_wait: float = SCREEN_WAIT_SECONDS
    assessment_days: int = 30
    after_ack_slots: int = AFTER_ACK_SLOTS
    after_ack_waiting: int = AFTER_ACK_WAITING
    drain_seconds: float = DRAIN_SECONDS
    membership: Membership = field(init=False)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _slots: asyncio.Semaphore | None = field(default=None, init=False)
    # jobs acknowledged and not finished, each with how to tell its person it was dropped
    _jobs: dict[asyncio.Task[Any], Callable[[str], Awaitable[None]] | None] = field(
        default_factory=dict, init=False
    )
    _closing: bool = field(default=False, init=False)
    _form_threads: ThreadPoolExecutor | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.membership = Membership(self.channel_id)

    # -- plumbing ---------------------------------------------------------------------

    async def actor(self, client: AsyncWebClient, body: dict[str, Any]) -> Actor:
        user_id, team_id = _user_and_team(body)
        member = await self.membership.is_member(client, user_id)
        # Every answer the bot gives a person on Slack reaches only them (ephemeral
        # messages, modals, App Home, direct messages).
        return Actor(
            platform="slack", user_id=user_id, team_id=team_id, channel_member=member, private=True
        )

    async def call(
        self, fn: Callable[..., T], *args: Any
    ) -> tuple[T | None, CountersignError | None]:
        """Run a service in a worker thread; a refusal comes back as the error."""
        try:
            if _FORM_LANE.get():
                return await self._on_form_threads(fn, *args), None
            return await asyncio.to_thread(fn, *args), None
        except CountersignError as exc:
            if self.metrics is not None:
                self.metrics.refusals.labels(exc.code).inc()
            return None, exc

    async def tell(
        self, client: AsyncWebClient, body: dict[str, Any], text: str, respond: Any = None
    ) -> None:
        """An answer only the asking user sees: response_url, else an ephemeral message in
        the channel, else a direct message."""
        user_id, _ = _user_and_team(body)
        if respond is not None and body.get("response_url"):
            try:
                await respond(text=text, response_type="ephemeral", replace_original=False)
                return
            except Exception as exc:  # fall through to the Web API
                log.warning("response_url failed", extra={"error": type(exc).__name__})
        channel = _channel_of(body)
        if channel:
            try:
                await client.chat_postEphemeral(channel=channel, user=user_id, text=text)
                return
            except SlackApiError as exc:
                log.info("postEphemeral failed", extra={"error": exc.response.get("error")})
        try:
            dm = await client.conversations_open(users=user_id)
            await client.chat_postMessage(channel=dm["channel"]["id"], text=text)
        except SlackApiError as exc:
            log.warning("could not answer the user", extra={"error": exc.response.get("error")})

    async def refuse(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        exc: CountersignError,
        respond: Any = None,
    ) -> None:
        await self.tell(client, body, answers.refusal(exc.message), respond)

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def has_room(self) -> bool:
        """Whether another job may be taken: not shutting down, and fewer than
        ``after_ack_waiting`` jobs waiting for a slot (``running + waiting`` counts
        every admitted job, the forms' included, so the total is bounded too)."""
        return not self._closing and len(self._jobs) < (
            self.after_ack_slots + self.after_ack_waiting
        )

    def after_ack(
        self,
        coro: Any,
        notify: Callable[[str], Awaitable[None]] | None = None,
        *,
        opens_form: bool = False,
    ) -> bool:
        """Run the work after an acknowledgement as a task of its own, so the listener
        returns (and the HTTP response is written) at once; a failure is logged by its
        exception's class only, as Bolt's error handler would.

        Ordinary jobs run at most ``after_ack_slots`` at a time, the rest waiting their
        turn. A job that opens a form (``opens_form``) starts at once, outside the
        slots, and its service calls run on threads of its own: a ``trigger_id`` expires
        three seconds after the click, and must not wait behind other jobs.

        False (the coroutine closed, not run) when there is no room (``has_room``):
        the caller tells the person ``BUSY``. ``notify`` tells the person the job was
        dropped if a shutdown ends it before it started (``drain``)."""
        if not self.has_room():
            coro.close()
            self._busy()
            return False
        claim = PENDING_CLAIM.get()
        task = self.spawn(
            self._at_once(coro, claim, notify) if opens_form else self._in_turn(coro, claim, notify)
        )
        self._jobs[task] = notify
        task.add_done_callback(self._finished)
        return True

    def unless_replayed(
        self, coro: Any, notify: Callable[[str], Awaitable[None]] | None = None
    ) -> Coroutine[Any, Any, None]:
        """``coro``, to run once the request's replay check (``PENDING_CLAIM``, read now,
        in the listener) says its signature was new; a replay does nothing. A check that
        failed (the database unreachable) does nothing either, and tells the person."""
        return self._unless_replayed(PENDING_CLAIM.get(), coro, notify)

    async def _unless_replayed(
        self,
        claim: asyncio.Future[bool] | None,
        coro: Any,
        notify: Callable[[str], Awaitable[None]] | None,
    ) -> None:
        try:
            if await self._new_request(claim, notify):
                await coro
        finally:
            coro.close()  # no-op once run; not left unawaited when dropped

    async def _new_request(
        self, claim: asyncio.Future[bool] | None, notify: Callable[[str], Awaitable[None]] | None
    ) -> bool:
        """Whether the request's signature was new (True without a pending check)."""
        if claim is None:
            return True
        try:
            return await claim  # False: a replay (logged and counted by the route)
        except Exception:  # logged by class where the check was started
            if notify is not None:
                await notify(answers.refusal(OOPS))
            return False

    def _busy(self) -> None:
        """A refusal for load, not a rule: logged (no user text, no ids) and counted,
        not written to the audit trail, which would add a write per request to a
        database already behind."""
        log.warning(
            "slack work refused: busy", extra={"jobs": len(self._jobs), "closing": self._closing}
        )
        if self.metrics is not None:
            self.metrics.refusals.labels("busy").inc()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._jobs.pop(task, None)
        _log_failure(task)

    async def _at_once(
        self,
        coro: Any,
        claim: asyncio.Future[bool] | None,
        notify: Callable[[str], Awaitable[None]] | None,
    ) -> None:
        _FORM_LANE.set(True)  # this task's own context
        await self._unless_replayed(claim, coro, notify)

    async def _in_turn(
        self,
        coro: Any,
        claim: asyncio.Future[bool] | None,
        notify: Callable[[str], Awaitable[None]] | None,
    ) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.after_ack_slots)
        try:
            async with self._slots:
                self._jobs[asyncio.current_task()] = None  # type: ignore[index]
                await self._unless_replayed(claim, coro, notify)
        finally:
            coro.close()  # no-op once run; a job cancelled while waiting is not left open

    async def _on_form_threads(self, fn: Callable[..., T], *args: Any) -> T:
        if self._form_threads is None:
            self._form_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="slack-forms")
        ctx = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._form_threads, functools.partial(ctx.run, fn, *args))

    async def drain(self, grace: float | None = None) -> None:
        """On shutdown: take no more work (``has_room`` is False from here on: a request
        still arriving is answered ``BUSY``), give the jobs acknowledged so far ``grace``
        seconds (``drain_seconds``) to finish, then cancel the rest. A job cancelled
        before it started did nothing (no service ran, nothing was written, no outbox
        row): its person is told ``NOT_DONE``. One cancelled while running was past its
        start; a service transaction already under way in its thread still commits or
        rolls back whole, and what it committed (outbox rows included) is delivered by
        the relay."""
        self._closing = True
        jobs = set(self._jobs)
        if jobs:
            wait = self.drain_seconds if grace is None else grace
            _, late = await asyncio.wait(jobs, timeout=wait)
            notices = [self._jobs.get(task) for task in late]
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.warning(
                    "slack work abandoned at shutdown",
                    extra={"jobs": len(late), "unstarted": sum(n is not None for n in notices)},
                )
            told = [n(NOT_DONE) for n in notices if n is not None]
            if told:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.gather(*told, return_exceptions=True), 2.0)
        if self._form_threads is not None:
            self._form_threads.shutdown(wait=False)

    # -- slash command --------------------------------------------------------------------

    async def on_command(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> None:
        cmd = commands.parse(body.get("text"))
        if isinstance(cmd, commands.Help):
            await ack(text=commands.usage(cmd), response_type="ephemeral")
            return
        if not self.has_room():
            await ack(text=answers.refusal(BUSY), response_type="ephemeral")
            self._busy()
            return
        await ack()
        self.after_ack(
            self._command(cmd, body, client, respond),
            self._notifier(client, body, respond),
            opens_form=isinstance(cmd, commands.OpenModal),
        )

    def _notifier(
        self, client: AsyncWebClient, body: dict[str, Any], respond: Any
    ) -> Callable[[str], Awaitable[None]]:
        async def notify(text: str) -> None:
            await self.tell(client, body, text, respond)

        return notify

    async def _command(
        self, cmd: commands.Command, body: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> None:
        actor = await self.actor(client, body)
        deps = self.deps

        async def say(text: str) -> None:
            await self.tell(client, body, text, respond)

        if isinstance(cmd, commands.OpenModal):
            await self.open_drafting(client, body, actor, cmd.mention_id, None, respond)
        elif isinstance(cmd, commands.Draft):
            outcome, err = await self.call(
                drafting.create_revision, deps, actor, cmd.mention_id, cmd.text, None
            )
            if err is not None:
                await self.refuse(client, body, err, respond)
            elif outcome is not None:
                await say(answers.draft_saved(outcome.mention, outcome.revision))
        elif isinstance(cmd, commands.Check):
            result, err = await self.call(drafting.check_text, deps, actor, cmd.text)
            if err is not None:
                await self.refuse(client, body, err, respond)
            elif result is not None:
                await say(answers.check_result(result))
        elif isinstance(cmd, commands.QueueCmd):
            queue, err = await self.call(reporting.queue, deps, actor)
            if err is not None:
                await self.refuse(client, body, err, respond)
            elif queue is not None:
                await say(answers.queue_text(queue))
        elif isinstance(cmd, commands.StatusCmd):
            st, err = await self.call(reporting.status, deps, actor, cmd.mention_id)
            if err is not None:
                await self.refuse(client, body, err, respond)
            elif st is not None:
                await say(answers.status_text(st, may_see_blocked=False))
        elif isinstance(cmd, commands.Takedown):
            incident, err = await self.call(
                release.take_down, deps, actor, cmd.mention_id, cmd.reason
            )
            if err is not None:
                await self.refuse(client, body, err, respond)
            elif incident is not None:
                await say(answers.incident_text(incident))
        elif isinstance(cmd, commands.Roles):
            if cmd.op == "list":
                rows, err = await self.call(roles.list_roles, deps, actor)
            else:
                fn = roles.add_role if cmd.op == "add" else roles.remove_role
                rows, err = await self.call(fn, deps, actor, f"slack:{cmd.user_id}", cmd.role)
            if err is not None:
                await self.refuse(client, body, err, respond)
            else:
                await say(answers.roles_text(rows or []))

    async def _current(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        actor: Actor,
        mention_id: int,
        number: int | None,
        respond: Any,
    ) -> tuple[Any, RevisionView | None] | None:
        """The mention's status and latest revision; None (after answering the user) when
        refused, or when ``number`` is given and is no longer the latest revision."""
        st, err = await self.call(reporting.open_revision, self.deps, actor, mention_id, number)
        if err is not None or st is None:
            if err is not None:
                await self.refuse(client, body, err, respond)
            return None
        return st, (st.revisions[-1] if st.revisions else None)

    # -- drafting modal ----------------------------------------------------------------------

    async def open_drafting(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        actor: Actor,
        mention_id: int,
        edit_number: int | None,
        respond: Any = None,
    ) -> None:
        found = await self._current(client, body, actor, mention_id, edit_number, respond)
        if found is None:
            return
        st, latest = found
        # The service left the text in only if this person may read it.
        initial = latest.text if latest is not None and latest.text else None
        view = modals.drafting_modal(
            st.mention, latest.number if latest else 0, initial_text=initial
        )
        try:
            await client.views_open(trigger_id=body.get("trigger_id"), view=view)
        except SlackApiError as exc:
            log.warning("views.open failed", extra={"error": exc.response.get("error")})
            await self.tell(
                client, body, "The form could not open in time; please try again.", respond
            )

    async def on_template(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await self.unless_replayed(self._apply_template(body, client))

    async def _apply_template(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        action = (body.get("actions") or [{}])[0]
        template = modals.template_by_id(str((action.get("selected_option") or {}).get("value")))
        if template is None or not view.get("id"):
            return
        new_view = modals.with_template(view, template.text)
        try:
            await client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as exc:
            log.info("template views.update failed", extra={"error": exc.response.get("error")})

    async def on_draft_submit(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        block = modals.text_block_id(view)
        meta = modals.read_draft_metadata(str(view.get("private_metadata") or ""))
        if meta is None:
            await ack(**modals.field_error(block, "This form is out of date; open it again."))
            return
        text = modals.submitted_text(view)
        ticked = modals.send_to_risk_ticked(view)
        view_id = str(view.get("id") or "")
        task = self.spawn(self._save_draft(client, body, meta, text, ticked))
        done, _ = await asyncio.wait({task}, timeout=self.screen_wait)
        if task in done:
            await ack(**self._draft_response(task.result(), block))
            return
        # The screen is slow: say so now, finish with views.update.
        await ack(**modals.checking_view(f"M-{meta.mention_id}"))
        result = await task
        final = self._draft_final_view(result, text, meta.mention_id)
        try:
            await client.views_update(view_id=view_id, view=final)
        except SlackApiError as exc:
            log.warning("views.update failed", extra={"error": exc.response.get("error")})
            if result.mention is not None and result.revision is not None:
                await self.tell(
                    client,
                    body,
                    answers.draft_saved(result.mention, result.revision, result.sent_to_risk),
                )

    async def _save_draft(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        meta: ButtonValue,
        text: str,
        ticked: bool,
    ) -> DraftResult:
        try:
            actor = await self.actor(client, body)
            # The modal keeps the revision it was opened on as its base; the author's
            # blocked attempts from it are found in the database (any replica).
            base = meta.revision or 0
            blocked = None
            if ticked:
                blocked, _ = await self.call(
                    drafting.blocked_attempt, self.deps, actor, meta.mention_id, base, text
                )
            if blocked is not None:
                # Same text as the blocked revision this modal just made: send that one.
                mention, err = await self.call(
                    drafting.send_to_risk, self.deps, actor, meta.mention_id, blocked
                )
                if err is not None or mention is None:
                    return DraftResult(error=err)
                return DraftResult(mention, mention.latest, True)
            outcome, err = await self.call(
                drafting.create_revision, self.deps, actor, meta.mention_id, text, base
            )
            if err is not None or outcome is None:
                return DraftResult(error=err)
            sent = False
            if outcome.blocked and ticked:
                _, err2 = await self.call(
                    drafting.send_to_risk,
                    self.deps,
                    actor,
                    meta.mention_id,
                    outcome.revision.number,
                )
                sent = err2 is None
            return DraftResult(outcome.mention, outcome.revision, sent)
        except Exception as exc:
            log.error("saving a draft failed", extra={"error": type(exc).__name__})
            return DraftResult(error=CountersignError(OOPS))

    def _draft_response(self, result: DraftResult, block: str) -> dict[str, Any]:
        if result.error is not None or result.mention is None or result.revision is None:
            message = result.error.message if result.error is not None else OOPS
            return modals.field_error(block, message)
        if result.revision.state == RevisionState.BLOCKED and not result.sent_to_risk:
            return modals.blocked_errors(result.revision, block)
        return {
            "response_action": "update",
            "view": modals.draft_done_view(result.mention, result.revision, result.sent_to_risk),
        }

    def _draft_final_view(self, result: DraftResult, text: str, mention_id: int) -> dict[str, Any]:
        if result.error is not None or result.mention is None or result.revision is None:
            message = result.error.message if result.error is not None else OOPS
            return modals.not_saved_view(mention_id, message, text)
        if result.revision.state == RevisionState.BLOCKED and not result.sent_to_risk:
            return modals.blocked_edit_view(result.mention, result.revision, text)
        return modals.draft_done_view(result.mention, result.revision, result.sent_to_risk)

    # -- reason modals ---------------------------------------------------------------------

    async def on_reason_submit(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        view = body.get("view") or {}
        parsed = modals.read_reason_metadata(str(view.get("private_metadata") or ""))
        if parsed is None:
            await ack(
                **modals.field_error(modals.REASON_BLOCK, "This form is out of date; reopen it.")
            )
            return
        kind, value = parsed
        reason = modals.submitted_reason(view)
        task = self.spawn(self._reason_action(client, body, kind, value, reason))
        done, _ = await asyncio.wait({task}, timeout=self.screen_wait)
        if task in done:
            result: ReasonResult = task.result()
            if result.error is not None:
                await ack(**modals.field_error(modals.REASON_BLOCK, result.error.message))
            else:
                final = result.view or modals.message_modal(result.title, result.text)
                await ack(response_action="update", view=final)
            return
        await ack()  # slow database: close the form, answer when done
        result = await task
        if result.error is not None:
            await self.refuse(client, body, result.error)
        else:
            await self.tell(client, body, result.text)

    async def _reason_action(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        kind: str,
        value: ButtonValue,
        reason: str,
    ) -> ReasonResult:
        try:
            actor = await self.actor(client, body)
            click = Click(CATALOGUE[FORMS[kind]], value)
            done, err = await self.call(perform.perform, self.deps, actor, click, reason)
            if err is not None or done is None:
                return ReasonResult(error=err)
            title = click.spec.done
            if done.incident is not None:
                return ReasonResult(
                    title,
                    answers.incident_text(done.incident),
                    view=modals.incident_view(done.incident),
                )
            return ReasonResult(title, escape(done.message))
        except Exception as exc:
            log.error("reason action failed", extra={"error": type(exc).__name__, "kind": kind})
            return ReasonResult(error=CountersignError(OOPS))

    # -- buttons -------------------------------------------------------------------------------

    async def on_action(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> None:
        await ack()
        notify = self._notifier(client, body, respond)
        if not self.after_ack(
            self._action(body, client, respond), notify, opens_form=_opens_form(body)
        ):
            self.spawn(self.unless_replayed(notify(answers.refusal(BUSY))))

    async def _action(self, body: dict[str, Any], client: AsyncWebClient, respond: Any) -> None:
        action = (body.get("actions") or [{}])[0]
        action_id = str(action.get("action_id") or "")
        # a button carries ``value``; a select (``Open a mention…``) its chosen option's
        selected = action.get("selected_option") or {}
        raw_value = str(action.get("value") or selected.get("value") or "")
        try:
            click = parse_click(action_id, raw_value)
        except MalformedAction as exc:
            await self.refuse_malformed(client, body, action_id, raw_value, exc, respond)
            return
        log.info(
            "slack action",
            extra={"action_id": click.id.value, "mention_id": click.value.mention_id},
        )
        try:
            await self._dispatch(click, body, client, respond)
        except Exception as exc:
            log.error(
                "slack action failed", extra={"action_id": action_id, "error": type(exc).__name__}
            )
            await self.tell(client, body, answers.refusal(OOPS), respond)

    async def refuse_malformed(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        action_id: str,
        value: str,
        exc: MalformedAction,
        respond: Any = None,
    ) -> None:
        """Answer at once; the refusal is audited like any other."""
        await self.tell(client, body, answers.refusal(OUT_OF_DATE), respond)
        actor = await self.actor(client, body)
        if self.metrics is not None:
            self.metrics.refusals.labels(exc.code).inc()
        await asyncio.to_thread(perform.refuse_malformed, self.deps, actor, action_id, value, exc)

    async def _dispatch(
        self, click: Click, body: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> None:
        trigger = body.get("trigger_id")
        spec = click.spec

        async def open_modal(view: dict[str, Any]) -> None:
            try:
                await client.views_open(trigger_id=trigger, view=view)
            except SlackApiError as exc:
                log.warning("views.open failed", extra={"error": exc.response.get("error")})
                await self.tell(client, body, "The form could not open; try again.", respond)

        # Forms first: trigger ids expire three seconds after the click. The override
        # form shows the finding, so it is opened once the service said who may see it.
        if spec.needs is Needs.REASON and spec.form in FORM_MODALS:
            await open_modal(FORM_MODALS[spec.form](click.value, self.assessment_days))
            return
        if spec.needs is Needs.REASON and spec.carries is not Carries.FINDING:
            await open_modal(modals.reason_modal(spec.form, spec.label, spec.prompt, click.value))
            return

        actor = await self.actor(client, body)
        if spec.needs is Needs.EDITOR:
            edit = click.value.revision if click.id is ActionId.REPLY_EDIT else None
            await self.open_drafting(client, body, actor, click.value.mention_id, edit, respond)
            return
        if spec.needs is Needs.REASON:
            await self._open_override(client, body, actor, click, respond)
            return
        done, err = await self.call(perform.perform, self.deps, actor, click)
        if err is not None:
            await self.refuse(client, body, err, respond)
        elif done is not None and spec.needs is Needs.READING and done.status is not None:
            await open_modal(modals.full_text_modal(done.status.mention))
        elif done is not None:
            await self.tell(client, body, escape(done.message), respond)

    async def _open_override(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        actor: Actor,
        click: Click,
        respond: Any,
    ) -> None:
        value = click.value
        found = await self._current(client, body, actor, value.mention_id, value.revision, respond)
        if found is None or found[1] is None:
            return
        latest = found[1]
        finding = next((f for f in latest.findings if f.idx == value.finding), None)
        # The service left the words in only for someone who may read them.
        show = finding is not None and finding.text is not None
        try:
            await client.views_open(
                trigger_id=body.get("trigger_id"),
                view=modals.override_modal(value, finding, show),
            )
        except SlackApiError as exc:
            log.warning("views.open failed", extra={"error": exc.response.get("error")})

    # -- App Home ------------------------------------------------------------------------------

    async def on_home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user_id = str(event.get("user") or "")
        member = await self.membership.is_member(client, user_id)
        actor = Actor("slack", user_id, body.get("team_id"), member, private=True)
        queue, err = await self.call(reporting.queue, self.deps, actor)
        if err is not None or queue is None:
            message = err.message if err is not None else OOPS
            view: dict[str, Any] = {
                "type": "home",
                "blocks": [modals.section(f"Countersign: {escape(message)}")],
            }
        else:
            view = blocks.home_view(queue)
        try:
            await client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("views.publish failed", extra={"error": exc.response.get("error")})


def _opens_form(body: dict[str, Any]) -> bool:
    """Whether a click's work opens a form (a view, with the click's ``trigger_id``)."""
    action = (body.get("actions") or [{}])[0]
    selected = action.get("selected_option") or {}
    try:
        click = parse_click(
            str(action.get("action_id") or ""),
            str(action.get("value") or selected.get("value") or ""),
        )
    except MalformedAction:
        return False
    return click.spec.needs in (Needs.REASON, Needs.EDITOR, Needs.READING)


def answer_at_ack(spawn: Callable[[Any], asyncio.Task[Any]], listener: Any) -> Any:
    """``listener`` as Bolt should run it with ``process_before_response=True``: the
    listener runs as a task of its own, and Bolt gets its answer (and the HTTP response
    is written) the moment the listener acknowledges, while the work after ``ack()``
    goes on. Bolt's own way (``process_before_response=False``) polls every 10 ms for
    the acknowledgement, a poll that waits behind everything else on the loop.

    A listener that fails before acknowledging fails the request as before (Bolt's error
    handler, a 500); one that fails after is logged here by its exception's class only.
    A listener without ``ack`` (events, which Bolt acknowledges itself) is answered at
    once."""

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        real_ack = kwargs.get("ack")
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def ack(*args: Any, **ack_kwargs: Any) -> Any:
            assert real_ack is not None
            response = await real_ack(*args, **ack_kwargs)
            if not acked.done():
                acked.set_result(None)
            return response

        if real_ack is not None:
            kwargs["ack"] = ack
        else:
            acked.set_result(None)
        task = spawn(listener(**kwargs))
        task.add_done_callback(lambda t: _after_ack_failure(t, acked))
        await asyncio.wait({task, acked}, return_when=asyncio.FIRST_COMPLETED)
        if task.done() and not acked.done():
            task.result()  # failed (or ended) before acknowledging: Bolt answers

    return run


def _after_ack_failure(task: asyncio.Task[Any], acked: asyncio.Future[None]) -> None:
    if acked.done():
        _log_failure(task)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if task.cancelled() or task.exception() is None:
        return
    log.error("slack listener error", extra={"error": type(task.exception()).__name__})


class _WithholdRequestDetail(logging.Filter):
    """Bolt's own log messages quote the request: an unhandled request's action id or
    callback id (any string a client sends), a failed listener's error. Keep what
    happened (the words before the first ``(`` or ``:``), withhold the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        head = re.split(r"[(:\n]", message, maxsplit=1)[0].strip()
        if head != message:
            record.msg, record.args = f"{head} (detail withheld)", ()
        return True


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("countersign.slack.bolt")
    if not any(isinstance(f, _WithholdRequestDetail) for f in logger.filters):
        logger.addFilter(_WithholdRequestDetail())
    return logger


def build_bolt_app(
    handlers: SlackHandlers,
    client: AsyncWebClient,
    *,
    bot_token: str | None,
    signing_secret: str | None,
    team_id: str | None = None,
    request_verification: bool = False,
) -> AsyncApp:
    """The AsyncApp with every listener. Request signatures are checked by the HTTP route
    (wiring.py) before dispatch, so Bolt's own check is off unless asked for."""
    token = bot_token

    async def authorize(**_kwargs: Any) -> AuthorizeResult:
        # Single workspace: no auth.test round trip on the request path.
        return AuthorizeResult(enterprise_id=None, team_id=team_id, bot_token=token)

    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "unused-signature-checked-by-route",
        authorize=authorize,
        request_verification_enabled=request_verification,
        logger=_bolt_logger(),
        # answered as soon as a listener acknowledges (``answer_at_ack``), not after it
        process_before_response=True,
    )

    def listen(listener: Any) -> Any:
        return answer_at_ack(handlers.spawn, listener)

    # The command and the buttons acknowledge, hand the rest to a task (``after_ack``)
    # and return: the answer is written in the same step of the loop.
    app.command("/reply")(handlers.on_command)
    for action_id in ActionId:
        app.action(str(action_id))(handlers.on_action)
    app.action(modals.TEMPLATE_ACTION)(listen(handlers.on_template))
    # Last: any other action id (an old, garbled or forged button) is answered "out of
    # date" and its refusal audited, instead of Bolt's bare 404.
    app.action(re.compile(r".*"))(handlers.on_action)
    app.view(modals.CB_DRAFT)(listen(handlers.on_draft_submit))
    app.view(modals.CB_REASON)(listen(handlers.on_reason_submit))
    app.event("app_home_opened")(listen(handlers.on_home_opened))

    async def on_info_submit(ack: Any) -> None:
        await ack()

    app.view(modals.CB_INFO)(on_info_submit)

    async def on_error(error: Exception) -> None:
        log.error("slack listener error", extra={"error": type(error).__name__})

    app.error(on_error)
    return app


__all__ = [
    "FULL_TEXT_ACTION",
    "PENDING_CLAIM",
    "SEND_TO_RISK_ACTION",
    "Membership",
    "SlackHandlers",
    "build_bolt_app",
]

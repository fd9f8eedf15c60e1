"""Teams activities: a small ActivityHandler-style processor (thin and replaceable; it
uses botbuilder only for the schema models and, through ``Connector``, the connector
client — botbuilder 4.17.1's repository is archived).

- ``message``: acknowledged first (200 with no body: every answer to a message goes back
  through the Bot Connector, not in the HTTP response); then, in a task of the event
  loop, the typed command is parsed (``bot.teams.commands``), the service runs in a
  worker thread, and the answer goes back. ``draft`` and ``check`` carry draft text, so
  they are answered only in the user's personal chat with the bot: typed in a channel,
  the bot opens (or finds) that personal chat, answers there, and says only "I've
  answered you in our personal chat" in the channel. A message whose ``value`` carries a
  ``verb`` is the ``Action.Submit`` fallback of a card button.
- ``invoke`` ``adaptiveCard/action``: the button's service, answered with an
  ``InvokeResponse`` whose body is an msrest model (``AdaptiveCardInvokeResponse``): the
  refreshed card, or a message for the clicker only (refusals, instructions).
- ``conversationUpdate`` / ``installationUpdate``: the bot added to a team or channel →
  ``chat.save_installation(deps, "teams", reference)`` for proactive posting.

Tenant: ``Actor.team_id`` is the activity's tenant (``channelData.tenant.id`` or
``conversation.tenantId``). Activities from another tenant are not served: installs are
ignored, and commands and buttons go to the services with the foreign tenant, which
refuse them and write the refusal to the audit trail (help gets a refusal without
touching the services).

Membership (``Actor.channel_member``), the rule: the tenant must be ours and either the
activity's conversation is the review channel (``TEAMS_CHANNEL_ID``, else the channel the
app was installed in; a thread's ``;messageid=`` suffix is ignored), or it is a personal
chat and the Bot Connector says the user is a member of the review channel's team
(``GET /v3/conversations/{team}/members/{user}``, the installed team's id, else the
review channel's; cached for a minute). Role holders
are always let through by the services whatever this says.

Nothing here logs, raises or encodes mention or reply text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, Attachment, ChannelAccount

from bot.teams import cards
from bot.teams.commands import HELP, Command, parse
from bot.teams.connector import Connector, TeamsDeliveryError
from workflows import perform
from workflows.actions import CATALOGUE, MalformedAction, Needs, Refresh, parse_click
from workflows.errors import CountersignError
from workflows.permissions import foreign
from workflows.relay import Retry
from workflows.services import chat, drafting, reporting, shared
from workflows.types import Actor

log = logging.getLogger("countersign.teams")

T = TypeVar("T")

PLATFORM = "teams"
MEMBERSHIP_TTL_SECONDS = 60.0
# How long a replica trusts the installation it read (the review channel and its team):
# a card button or message no longer waits on that read; an installation saved by this
# replica is seen at once, one saved by another replica within this time.
INSTALLATION_TTL_SECONDS = 30.0
ANSWERED_PRIVATELY = "I've answered you in our personal chat with Countersign."
OUT_OF_DATE = "That button is out of date; use the latest card."
OOPS = "Something went wrong on our side and it was logged; please try again in a minute."
FOREIGN_TENANT = "Countersign only serves its own organisation's Microsoft 365 tenant."
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"


class AdaptiveCardMessageResponse(AdaptiveCardInvokeResponse):  # type: ignore[misc]
    """``AdaptiveCardInvokeResponse`` whose ``value`` is a message string (the schema
    types ``value`` as a dict, which msrest cannot serialise a string as)."""

    _attribute_map = {  # noqa: RUF012 - msrest's class-level map
        **AdaptiveCardInvokeResponse._attribute_map,
        "value": {"key": "value", "type": "str"},
    }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def base_conversation(conversation_id: str) -> str:
    """A channel conversation id without a thread's ``;messageid=…`` suffix."""
    return conversation_id.split(";", 1)[0]


@dataclass(frozen=True)
class Incoming:
    """What the handlers need from an activity (read defensively from its JSON)."""

    type: str
    name: str
    id: str
    text: str
    value: dict[str, Any]
    service_url: str
    conversation_id: str
    conversation_type: str
    tenant_id: str | None
    user_id: str  # the AAD object id when present, else the channel account id
    from_id: str  # the Bot Connector's id for the user (29:…)
    bot: dict[str, Any]
    channel_data: dict[str, Any]
    raw: dict[str, Any]

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Incoming:
        conversation = _dict(body.get("conversation"))
        channel_data = _dict(body.get("channelData"))
        sender = _dict(body.get("from"))
        tenant = _str(_dict(channel_data.get("tenant")).get("id")) or _str(
            conversation.get("tenantId")
        )
        return cls(
            type=_str(body.get("type")),
            name=_str(body.get("name")),
            id=_str(body.get("id")),
            text=_str(body.get("text")),
            value=_dict(body.get("value")),
            service_url=_str(body.get("serviceUrl")),
            conversation_id=_str(conversation.get("id")),
            conversation_type=_str(conversation.get("conversationType")),
            tenant_id=tenant or None,
            user_id=_str(sender.get("aadObjectId")) or _str(sender.get("id")),
            from_id=_str(sender.get("id")),
            bot=_dict(body.get("recipient")),
            channel_data=channel_data,
            raw=body,
        )

    @property
    def personal(self) -> bool:
        return self.conversation_type == "personal" or (
            not self.conversation_type and self.conversation_id.startswith("a:")
        )

    def reference(self) -> dict[str, Any]:
        """A conversation reference (JSON) for proactive messages."""
        team = _dict(self.channel_data.get("team"))
        channel = _dict(self.channel_data.get("channel"))
        channel_id = _str(channel.get("id")) or base_conversation(self.conversation_id)
        return {
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "conversation": {
                "id": channel_id,
                "conversationType": self.conversation_type or "channel",
                "tenantId": self.tenant_id,
            },
            "bot": {"id": _str(self.bot.get("id")), "name": _str(self.bot.get("name"))},
            "channelData": {
                "tenant": {"id": self.tenant_id},
                "team": {"id": _str(team.get("id"))},
                "channel": {"id": channel_id},
            },
        }


def message(text: str = "", card: cards.Card | None = None, summary: str = "") -> Activity:
    """An outgoing message activity (our text and/or one Adaptive Card)."""
    activity = Activity(type="message", text=text or None)
    if card is not None:
        activity.attachments = [Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)]
    if summary:
        activity.summary = summary
    return activity


def card_response(card: cards.Card) -> InvokeResponse:
    return InvokeResponse(
        status=200,
        body=AdaptiveCardInvokeResponse(status_code=200, type=cards.CARD_CONTENT_TYPE, value=card),
    )


def message_response(text: str) -> InvokeResponse:
    return InvokeResponse(
        status=200,
        body=AdaptiveCardMessageResponse(status_code=200, type=MESSAGE_TYPE, value=text),
    )


@dataclass
class TeamsBot:
    """Processes one activity; returns an ``InvokeResponse`` for invokes, else None."""

    deps: shared.Deps
    connector: Connector
    tenant_id: str | None
    channel_id: str | None = None
    monotonic: Callable[[], float] = time.monotonic
    _members: dict[tuple[str, str], tuple[bool, float]] = field(default_factory=dict)
    _installation: tuple[dict[str, Any], float] | None = None
    last_service_url: str | None = None
    _working: set[asyncio.Task[None]] = field(default_factory=set)

    # ------------------------------------------------------------------ entry point

    async def on_activity(self, body: dict[str, Any]) -> InvokeResponse | None:
        activity = Incoming.parse(body)
        if activity.service_url and self._ours(activity.tenant_id):
            self.last_service_url = activity.service_url
        if activity.type == "message":
            self._after_ack(self.on_message(activity))
            return None
        if activity.type == "invoke":
            if activity.name == "adaptiveCard/action":
                return await self.on_card_action(activity)
            return InvokeResponse(status=200)
        if activity.type in ("conversationUpdate", "installationUpdate"):
            await self.on_installed(activity)
            return None
        return None

    def _after_ack(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._logged(work))
        self._working.add(task)  # a reference, so that the task is not collected
        task.add_done_callback(self._working.discard)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception as exc:
            log.error("teams message failed", extra={"error": type(exc).__name__})

    async def idle(self) -> None:
        """Wait for the messages acknowledged so far (shutdown, tests)."""
        while self._working:
            await asyncio.gather(*list(self._working), return_exceptions=True)

    # ------------------------------------------------------------------ who

    def _ours(self, tenant: str | None) -> bool:
        """The core's rule (fail-closed): our tenant, and only when it is known."""
        return tenant is not None and foreign(PLATFORM, tenant, self.tenant_id) is None

    async def review_channel(self) -> tuple[str | None, str | None]:
        """The review channel, and the team to ask about membership (the installed
        team when known, else the channel itself)."""
        ref = await self._installation_reference()
        team = _str(_dict(_dict(ref.get("channelData")).get("team")).get("id"))
        channel = self.channel_id or _str(_dict(ref.get("conversation")).get("id")) or None
        return channel, (team or channel)

    async def _installation_reference(self) -> dict[str, Any]:
        now = self.monotonic()
        if self._installation is not None and now - self._installation[1] < (
            INSTALLATION_TTL_SECONDS
        ):
            return self._installation[0]
        ref = _dict(await asyncio.to_thread(chat.get_installation, self.deps, PLATFORM))
        self._installation = (ref, now)
        return ref

    async def actor(self, activity: Incoming) -> Actor:
        member = False
        if self._ours(activity.tenant_id) and activity.user_id:
            channel, team = await self.review_channel()
            if channel and base_conversation(activity.conversation_id) == channel:
                member = True
            elif team and activity.personal and activity.service_url and activity.from_id:
                member = await self._is_member(activity, team)
        return Actor(
            platform=PLATFORM,
            user_id=activity.user_id,
            team_id=activity.tenant_id,
            channel_member=member,
            # Teams has no ephemeral messages: only a personal chat is private.
            private=activity.personal,
        )

    async def _is_member(self, activity: Incoming, team: str) -> bool:
        key = (team, activity.from_id)
        cached = self._members.get(key)
        now = self.monotonic()
        if cached is not None and now - cached[1] < MEMBERSHIP_TTL_SECONDS:
            return cached[0]
        try:
            found = await asyncio.to_thread(
                self.connector.is_member, activity.service_url, team, activity.from_id
            )
        except (Retry, TeamsDeliveryError) as exc:
            log.warning("teams: membership lookup failed", extra={"error": type(exc).__name__})
            return False
        self._members[key] = (found, now)
        return found

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    # ------------------------------------------------------------------ messages

    async def on_message(self, activity: Incoming) -> None:
        verb = _str(activity.value.get("verb"))
        if verb and not activity.text.strip():
            # The Action.Submit fallback of a card button.
            response = await self.on_card_action(activity, verb=verb, data=activity.value)
            body = response.body
            if isinstance(body, AdaptiveCardMessageResponse):
                await self.answer(activity, message(str(body.value)))
            elif isinstance(body, AdaptiveCardInvokeResponse) and isinstance(body.value, dict):
                await self.answer(activity, message(card=body.value))
            return
        command = parse(activity.text)
        if not self._ours(activity.tenant_id) and command.name == "help":
            await self.answer(activity, message(FOREIGN_TENANT))
            return
        if command.name == "help":
            text = (command.problem + "\n\n" if command.problem else "") + HELP
            await self.answer(activity, message(card=cards.help_card(text)))
            return
        if command.carries_text and not activity.personal:
            await self._answer_privately(activity, command)
            return
        reply = await self.run_command(activity, command)
        await self.answer(activity, reply)

    async def _answer_privately(self, activity: Incoming, command: Command) -> None:
        """``draft``/``check`` typed in a channel: answer in the personal chat only."""
        if not self._ours(activity.tenant_id):
            # Still goes to the services (refused and audited), answered in the channel
            # with the refusal only.
            reply = await self.run_command(activity, command)
            await self.answer(activity, reply)
            return
        try:
            personal = await asyncio.to_thread(
                self.connector.create_personal,
                activity.service_url,
                user_id=activity.from_id,
                bot=ChannelAccount(id=_str(activity.bot.get("id")) or None),
                tenant_id=activity.tenant_id,
            )
        except (Retry, TeamsDeliveryError) as exc:
            log.warning("teams: personal chat unavailable", extra={"error": type(exc).__name__})
            await self.answer(
                activity,
                message(
                    "Draft text must be sent to me in our personal chat, never in the "
                    "channel. Open a chat with Countersign and send it there."
                ),
            )
            return
        reply = await self.run_command(activity, command)
        await asyncio.to_thread(self.connector.send, activity.service_url, personal, reply)
        await self.answer(activity, message(ANSWERED_PRIVATELY))

    async def run_command(self, activity: Incoming, command: Command) -> Activity:
        actor = await self.actor(activity)
        try:
            if command.name == "draft":
                assert command.mention_id is not None
                outcome = await self.call(
                    drafting.create_revision, self.deps, actor, command.mention_id, command.text
                )
                rev = outcome.revision
                if outcome.blocked:
                    return message(
                        card=cards.private_blocked(outcome.mention, rev),
                        summary=f"{outcome.mention.ref}: revision {rev.number} was blocked",
                    )
                return message(
                    f"Saved revision {rev.number} of {outcome.mention.ref}; it passed the PHI "
                    "screen and is now waiting for sign-off in the channel."
                )
            if command.name == "check":
                result = await self.call(drafting.check_text, self.deps, actor, command.text)
                return message(card=cards.check_result(result.verdict, result.findings))
            if command.name == "queue":
                queue = await self.call(reporting.queue, self.deps, actor)
                return message(card=cards.queue_card(queue))
            if command.name == "status":
                assert command.mention_id is not None
                # The core decides what this person may read here (``actor.private``).
                status = await self.call(reporting.status, self.deps, actor, command.mention_id)
                return message(card=cards.status_card(status, show_blocked_text=True))
        except CountersignError as exc:
            return message(exc.message)
        return message(card=cards.help_card(HELP))

    async def answer(self, activity: Incoming, reply: Activity) -> None:
        """Reply in the activity's own conversation (its thread, in a channel)."""
        if not activity.service_url or not activity.conversation_id:
            return
        try:
            if activity.id:
                await asyncio.to_thread(
                    self.connector.reply,
                    activity.service_url,
                    activity.conversation_id,
                    activity.id,
                    reply,
                )
            else:
                await asyncio.to_thread(
                    self.connector.send, activity.service_url, activity.conversation_id, reply
                )
        except (Retry, TeamsDeliveryError) as exc:
            log.warning("teams: reply not delivered", extra={"error": type(exc).__name__})

    # ------------------------------------------------------------------ card buttons

    async def on_card_action(
        self,
        activity: Incoming,
        *,
        verb: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> InvokeResponse:
        action = _dict(activity.value.get("action"))
        verb = verb if verb is not None else _str(action.get("verb"))
        data = data if data is not None else _dict(action.get("data"))
        actor = await self.actor(activity)
        raw_value = _str(data.get("value"))
        try:
            click = parse_click(verb, raw_value)
        except MalformedAction as exc:
            await self.call(perform.refuse_malformed, self.deps, actor, verb, raw_value, exc)
            return message_response(OUT_OF_DATE)
        reason = _str(data.get("reason")).strip()
        try:
            done = await self.call(perform.perform, self.deps, actor, click, reason)
        except CountersignError as exc:
            return message_response(exc.message)
        return self._render(done)

    def _render(self, done: perform.Done) -> InvokeResponse:
        """Redraw the clicked card as the catalogue says, or answer the clicker."""
        spec = CATALOGUE[done.action]
        if spec.needs is Needs.EDITOR:
            ref = done.mention.ref if done.mention is not None else "M-n"
            return message_response(
                f"Send me `draft {ref} <your reply>` in our personal chat (draft text never "
                "goes into the channel)."
            )
        view = done.mention
        if spec.refresh is Refresh.MENTION and view is not None:
            return card_response(cards.mention_card(view, now=self.deps.clock()))
        if spec.refresh is Refresh.REVISION and view is not None and view.latest is not None:
            return card_response(cards.revision_card(view, view.latest))
        if spec.refresh is Refresh.FINDINGS and view is not None and done.revision is not None:
            return card_response(cards.private_blocked(view, done.revision, for_risk=True))
        return message_response(done.message)

    # ------------------------------------------------------------------ installation

    async def on_installed(self, activity: Incoming) -> None:
        """Remember the team channel the bot was added to (for proactive posting)."""
        bot_id = _str(activity.bot.get("id"))
        members = activity.raw.get("membersAdded")
        added = [m for m in members if isinstance(m, dict)] if isinstance(members, list) else []
        installed = any(_str(m.get("id")) == bot_id for m in added) or (
            activity.type == "installationUpdate" and _str(activity.raw.get("action")) == "add"
        )
        if not installed or activity.personal or not activity.service_url:
            return
        if not self._ours(activity.tenant_id):
            log.warning("teams: installation in another tenant ignored")
            return
        await self.call(chat.save_installation, self.deps, PLATFORM, activity.reference())
        self._installation = None
        log.info("teams: installed in a team channel")


__all__ = ["AdaptiveCardMessageResponse", "Incoming", "TeamsBot", "message"]

"""A small synchronous wrapper over the Bot Connector REST API (botframework-connector's
``ConnectorClient``), used from worker threads: by the relay handlers and, through
``asyncio.to_thread``, by the activity handlers.

Failures are mapped to ``workflows.relay.Retry`` (throttling, 5xx, unreachable) or
``TeamsDeliveryError`` (a refusal that needs a person). Neither carries message text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
)
from botframework.connector import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.exceptions import ClientRequestError, HttpOperationError

from workflows.relay import Retry

log = logging.getLogger("countersign.teams.connector")

# The global Teams service URL: used for proactive posts only until an activity or the
# installation told us the tenant's own service URL.
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
TIMEOUT_SECONDS = 15


class TeamsDeliveryError(Exception):
    """The Bot Connector refused a call for a reason that needs a person."""

    def __init__(self, operation: str, status: int) -> None:
        super().__init__(f"{operation}: HTTP {status}")
        self.operation = operation
        self.status = status


CredentialsFactory = Callable[[], MicrosoftAppCredentials]


def credentials_factory(
    app_id: str | None, password: str | None, tenant_id: str | None
) -> CredentialsFactory:
    """Outbound credentials: single-tenant app credentials, or none when auth is off."""

    def make() -> MicrosoftAppCredentials:
        if not app_id:
            return MicrosoftAppCredentials.empty()
        return MicrosoftAppCredentials(app_id, password or "", channel_auth_tenant=tenant_id)

    return make


class Connector:
    """One ``ConnectorClient`` per service URL; every call is synchronous."""

    def __init__(self, make_credentials: CredentialsFactory) -> None:
        self._make_credentials = make_credentials
        self._credentials: MicrosoftAppCredentials | None = None
        self._clients: dict[str, ConnectorClient] = {}
        self._lock = threading.Lock()

    def client(self, service_url: str) -> ConnectorClient:
        url = service_url if service_url.endswith("/") else service_url + "/"
        with self._lock:
            client = self._clients.get(url)
            if client is None:
                if self._credentials is None:
                    self._credentials = self._make_credentials()
                client = ConnectorClient(self._credentials, base_url=url)
                client.config.retry_policy.retries = 0  # the relay retries, with backoff
                client.config.connection.timeout = TIMEOUT_SECONDS
                self._clients[url] = client
            return client

    # ------------------------------------------------------------------ operations

    def send(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        """Post ``activity`` into a conversation (a channel, a thread, a personal chat);
        returns the new activity's id."""
        response = self._call(
            "send_to_conversation",
            lambda c: c.conversations.send_to_conversation(conversation_id, activity),
            service_url,
        )
        return str(getattr(response, "id", "") or "")

    def reply(
        self, service_url: str, conversation_id: str, reply_to_id: str, activity: Activity
    ) -> str:
        activity.reply_to_id = reply_to_id
        response = self._call(
            "reply_to_activity",
            lambda c: c.conversations.reply_to_activity(conversation_id, reply_to_id, activity),
            service_url,
        )
        return str(getattr(response, "id", "") or "")

    def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: Activity
    ) -> None:
        activity.id = activity_id
        self._call(
            "update_activity",
            lambda c: c.conversations.update_activity(conversation_id, activity_id, activity),
            service_url,
        )

    def create_personal(
        self,
        service_url: str,
        *,
        user_id: str,
        bot: ChannelAccount | None,
        tenant_id: str | None,
    ) -> str:
        """The 1:1 conversation between the bot and a user (created or found)."""
        params = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        response = self._call(
            "create_conversation",
            lambda c: c.conversations.create_conversation(params),
            service_url,
        )
        return str(getattr(response, "id", "") or "")

    def is_member(self, service_url: str, conversation_id: str, user_id: str) -> bool:
        """Whether ``user_id`` is a member of the team/channel ``conversation_id``."""
        try:
            member = self._call(
                "get_conversation_member",
                lambda c: c.conversations.get_conversation_member(conversation_id, user_id),
                service_url,
            )
        except TeamsDeliveryError as exc:
            if exc.status in (403, 404):
                return False
            raise
        return member is not None

    # ------------------------------------------------------------------ plumbing

    def _call(self, operation: str, fn: Callable[[ConnectorClient], Any], service_url: str) -> Any:
        try:
            return fn(self.client(service_url or DEFAULT_SERVICE_URL))
        except HttpOperationError as exc:
            response = getattr(exc, "response", None)
            status = int(getattr(response, "status_code", 0) or 0)
            if status == 429:
                after = _retry_after(response)
                log.info("teams: throttled", extra={"operation": operation, "retry_after": after})
                raise Retry("teams_throttled", after=after, waiting=True) from None
            if status >= 500 or status == 0:
                raise Retry(f"teams_http_{status}") from None
            log.warning("teams: call refused", extra={"operation": operation, "status": status})
            raise TeamsDeliveryError(operation, status) from None
        except ClientRequestError as exc:
            raise Retry(f"teams_unreachable_{type(exc).__name__}") from None
        except OSError as exc:
            raise Retry(f"teams_unreachable_{type(exc).__name__}") from None


def _retry_after(response: Any) -> float:
    headers = getattr(response, "headers", None) or {}
    try:
        return max(1.0, float(headers.get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 1.0


__all__ = ["DEFAULT_SERVICE_URL", "Connector", "TeamsDeliveryError", "credentials_factory"]

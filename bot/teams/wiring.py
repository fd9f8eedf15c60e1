"""Plugs Teams into the one aiohttp server: ``POST /api/messages`` and the relay
handlers for ``chat`` (adapter ``teams``).

Authentication: with ``TEAMS_APP_ID`` set, every activity must carry a Bot Framework JWT
(``Authorization: Bearer …``), validated by botframework-connector's
``ConfigurationBotFrameworkAuthentication`` for a single-tenant app
(``TEAMS_APP_TENANT_ID``). Activities are then dispatched by our own small processor
(``bot.teams.handlers.TeamsBot``) rather than botbuilder's ``CloudAdapter`` — botbuilder
is used only for the schema models, the connector client and JWT validation (its
repository is archived, and its CloudAdapter double-serialises invoke responses).
``TEAMS_AUTH_DISABLED=true`` skips JWT validation and sends without credentials; it is
refused unless ``HOST`` is a loopback address, and logs a warning at start.

``container`` is the composition root's Container, typed Any on purpose: the adapter
never imports the app module or the models.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import AuthenticationConstants
from msrest.serialization import Model

from bot.teams.connector import Connector, credentials_factory
from bot.teams.handlers import TeamsBot
from bot.teams.poster import TeamsPoster, register_handlers
from web.body import NotJson, parse_json, read_body

log = logging.getLogger("countersign.teams")

MAX_BODY_BYTES = 1024 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class TeamsConfigError(ValueError):
    """A Teams setting makes it unsafe or impossible to start; the message says which."""


@dataclass(frozen=True)
class _AuthConfig:
    """What ``ConfigurationBotFrameworkAuthentication`` reads (attribute names fixed).

    The endpoints are given explicitly (the public cloud's, but for the OpenID metadata
    document, which is ``TEAMS_OPENID_METADATA_URL``), which selects botframework-
    connector's parameterized authentication: the same checks as its public-cloud one
    (issuer ``https://api.botframework.com``, audience = ``APP_ID``, ``serviceurl``
    claim = the activity's ``serviceUrl``, RS256/384/512 signed by a key of the
    metadata document's JWKS, not expired), with the metadata URL a setting."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str = (
        AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    )
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str = (
        AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
    )
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    OAUTH_URL: str = AuthenticationConstants.OAUTH_URL
    CALLER_ID: str = CallerIdConstants.public_azure_channel
    VALIDATE_AUTHORITY: bool = True


TEAMS_BOT_KEY: web.AppKey[TeamsBot] = web.AppKey("teams_bot", TeamsBot)
TEAMS_POSTER_KEY: web.AppKey[TeamsPoster] = web.AppKey("teams_poster", TeamsPoster)


def is_loopback(host: str) -> bool:
    value = (host or "").strip().strip("[]").lower()
    if value in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(value).is_loopback
    except ValueError:
        return False


def check_settings(settings: Any) -> bool:
    """Validate the Teams settings; returns True when authentication is on."""
    if settings.TEAMS_AUTH_DISABLED:
        if not is_loopback(settings.HOST):
            raise TeamsConfigError(
                f"TEAMS_AUTH_DISABLED=true is refused because HOST={settings.HOST} is not a "
                "loopback address: anyone who can reach the server could impersonate Teams "
                "users. Bind to 127.0.0.1 (local testing only), or set TEAMS_APP_ID, "
                "TEAMS_APP_PASSWORD and TEAMS_APP_TENANT_ID and turn TEAMS_AUTH_DISABLED off."
            )
        return False
    missing = [
        name
        for name, value in (
            ("TEAMS_APP_PASSWORD", settings.secret("TEAMS_APP_PASSWORD")),
            ("TEAMS_APP_TENANT_ID", settings.TEAMS_APP_TENANT_ID),
        )
        if not value
    ]
    if missing:
        raise TeamsConfigError(
            "TEAMS_APP_ID is set but " + " and ".join(missing) + " is not: Countersign runs "
            "as a single-tenant Teams app and needs the app's client secret and the Entra "
            "tenant id (see docs/teams.md)."
        )
    return True


def build_authenticator(settings: Any) -> Any:
    from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

    return ConfigurationBotFrameworkAuthentication(
        _AuthConfig(
            APP_ID=str(settings.TEAMS_APP_ID),
            APP_PASSWORD=str(settings.secret("TEAMS_APP_PASSWORD")),
            APP_TYPE="SingleTenant",
            APP_TENANTID=str(settings.TEAMS_APP_TENANT_ID),
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=str(settings.TEAMS_OPENID_METADATA_URL),
        )
    )


def _json(status: int, body: object) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def serialize_invoke(response: InvokeResponse) -> web.Response:
    """The invoke response as HTTP: the msrest body serialised once (camelCase JSON)."""
    body = response.body
    if isinstance(body, Model):
        payload: Any = body.serialize(keep_readonly=True)  # type: ignore[no-untyped-call]
    else:
        payload = body
    status = int(response.status or 200)
    if payload is None:
        return web.Response(status=status)
    return _json(status, payload)


def make_messages_handler(
    bot: TeamsBot, authenticator: Any | None, metrics: Any
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    def refuse(problem: str) -> web.Response:
        if metrics is not None:
            metrics.auth_failures.labels("teams").inc()
        log.warning("teams request refused", extra={"problem": problem})
        return _json(401, {"error": "unauthorized"})

    async def messages(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return _json(413, {"error": "body too large"})
        header = request.headers.get("Authorization", "")
        if authenticator is not None and not header.lower().startswith("bearer "):
            return refuse("missing")
        try:
            data = parse_json(body)
        except NotJson as exc:
            return _json(400, {"error": str(exc)})
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return _json(400, {"error": "body is not an activity"})
        if authenticator is not None:
            try:
                activity = Activity().deserialize(data)
                await authenticator.authenticate_request(activity, header)
            except Exception as exc:  # any failure to authenticate refuses the request
                return refuse(type(exc).__name__)
        try:
            result = await bot.on_activity(data)
        except Exception as exc:
            log.error("teams activity failed", extra={"error": type(exc).__name__})
            return _json(500, {"error": "internal error"})
        if metrics is not None:
            metrics.ack_seconds.labels("teams").observe(time.perf_counter() - started)
        if result is None:
            return web.Response(status=200)
        return serialize_invoke(result)

    return messages


def wire(container: Any, app: web.Application) -> TeamsBot | None:
    """Register Teams on ``app`` when Teams is configured; returns the bot (or None)."""
    settings = container.settings
    if not settings.teams_configured:
        return None
    auth_on = check_settings(settings)
    if auth_on:
        authenticator = build_authenticator(settings)
        make_credentials = credentials_factory(
            settings.TEAMS_APP_ID,
            settings.secret("TEAMS_APP_PASSWORD"),
            settings.TEAMS_APP_TENANT_ID,
        )
    else:
        authenticator = None
        make_credentials = credentials_factory(None, None, None)
        log.warning(
            "TEAMS_AUTH_DISABLED=true: Teams activities are NOT authenticated; for local "
            "testing on a loopback address only"
        )
    connector = Connector(make_credentials)
    bot = TeamsBot(
        deps=container.deps,
        connector=connector,
        tenant_id=settings.TEAMS_APP_TENANT_ID,
        channel_id=settings.TEAMS_CHANNEL_ID,
    )
    app[TEAMS_BOT_KEY] = bot

    async def finish_messages(_app: web.Application) -> None:
        await bot.idle()

    app.on_shutdown.append(finish_messages)
    app.router.add_post(
        "/api/messages", make_messages_handler(bot, authenticator, container.metrics)
    )
    _quiet_sdk_debug_logs()
    poster = register_handlers(
        container.relay,
        container.deps,
        connector,
        channel_id=settings.TEAMS_CHANNEL_ID,
        tenant_id=settings.TEAMS_APP_TENANT_ID,
        service_url_hint=lambda: bot.last_service_url,
    )
    app[TEAMS_POSTER_KEY] = poster
    return bot


def _quiet_sdk_debug_logs() -> None:
    """msrest and requests log request bodies (message text) at DEBUG: never let them."""
    for name in ("msrest", "botframework", "botbuilder", "urllib3", "requests_oauthlib"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


__all__ = ["TeamsConfigError", "check_settings", "is_loopback", "wire"]

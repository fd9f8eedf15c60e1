"""Plugs Slack into the one aiohttp server: ``POST /slack/events`` (signed requests only),
Socket Mode when ``SLACK_APP_TOKEN`` is set, and the outbound relay handlers.

``container`` is the composition root's Container, typed Any on purpose: the adapter
never imports the app module or the models.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import envelope
from bot.slack.handlers import PENDING_CLAIM, SlackHandlers, build_bolt_app
from web.body import read_body

log = logging.getLogger("countersign.slack")

MAX_AGE_SECONDS = 60 * 5
MAX_BODY_BYTES = 1024 * 1024

SLACK_HANDLERS_KEY: web.AppKey[SlackHandlers] = web.AppKey("slack_handlers", SlackHandlers)
BOLT_APP_KEY: web.AppKey[AsyncApp] = web.AppKey("slack_bolt_app", AsyncApp)


class SignatureVerifier:
    """Slack's request signing (``v0=`` HMAC-SHA256 of ``v0:timestamp:body``), plus what
    Slack's own verifier leaves out: a signature is accepted once by any replica (``claim``
    is ``SharedState.claim_request_signature``; replays are refused).

    ``authentic`` checks the signature and its age (no I/O); ``first_use`` claims it
    (a database statement on PostgreSQL); ``refusal`` does both."""

    def __init__(
        self,
        secret: str | None,
        claim: Callable[[str, float], bool],
        *,
        max_age: int = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
        in_process: bool = False,
        claim_async: Callable[[str, float], Awaitable[bool]] | None = None,
    ) -> None:
        self._secret = secret.encode() if secret else None
        self._claim = claim
        # the same claim on the event loop's own connections (PostgreSQL), when offered
        self._claim_async = claim_async
        self.max_age = max_age
        self._clock = clock
        # ``claim`` only reads and writes this process's memory (SQLite deployments):
        # called directly, since a thread would cost two hand-overs of the interpreter
        # lock, each waiting behind the services' threads
        self._in_process = in_process
        # its own threads: the acknowledgement must not queue behind the services'
        # work in the loop's default executor
        self._threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="replay-check")
        self._pending: set[asyncio.Future[bool]] = set()

    async def refusal(
        self, body: bytes, timestamp: str | None, signature: str | None
    ) -> str | None:
        """None if the request is authentic, fresh and new; else a short reason code. The
        replay check is a database statement (unless ``in_process``), so it runs off the
        event loop."""
        problem, expected, ts = self.authentic(body, timestamp, signature)
        if problem is not None:
            return problem
        return None if await self.first_use(expected, ts) else "replayed"

    def first_use_later(self, signature: str, timestamp: int) -> asyncio.Future[bool]:
        """``first_use`` as a task of its own, started now and awaited by the work after
        the acknowledgement (``settle`` waits for those still running at shutdown)."""
        claim = asyncio.ensure_future(self.first_use(signature, timestamp))
        self._pending.add(claim)
        claim.add_done_callback(self._pending.discard)
        claim.add_done_callback(_retrieve)
        return claim

    async def settle(self, within: float = 5.0) -> None:
        """Let the claims still running finish (before their connections close)."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=within)

    async def first_use(self, signature: str, timestamp: int) -> bool:
        """Claim an authentic signature: True the first time any replica sees it."""
        expires = timestamp + self.max_age + 1
        if self._claim_async is not None:
            return await self._claim_async(signature, expires)
        if self._in_process:
            return self._claim(signature, expires)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._claim, signature, expires)

    def close(self) -> None:
        """End the replay check's threads (once the server takes no more requests)."""
        self._threads.shutdown(wait=True, cancel_futures=True)

    def authentic(
        self, body: bytes, timestamp: str | None, signature: str | None
    ) -> tuple[str | None, str, int]:
        """``(problem, signature, timestamp)``: problem None when the request is signed
        with the secret and fresh."""
        if self._secret is None:
            return "not_configured", "", 0
        if not timestamp or not signature:
            return "missing", "", 0
        try:
            ts = int(timestamp)
        except ValueError:
            return "bad_timestamp", "", 0
        if abs(self._clock() - ts) > self.max_age:
            return "expired", "", 0
        base = b"v0:" + str(ts).encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.strip()):
            return "bad_signature", "", 0
        return None, expected, ts


SLACK_VERIFIER_KEY: web.AppKey[SignatureVerifier] = web.AppKey(
    "slack_signature_verifier", SignatureVerifier
)


def acknowledged_before_work(parsed: envelope.Envelope) -> bool:
    """Slash commands and block actions: their listeners answer with an acknowledgement
    that does not depend on the work (``SlackHandlers.after_ack``), so the replay check
    need not hold up the answer. Forms and events are checked before dispatch."""
    if parsed.kind == "command":
        return True
    return parsed.kind == "payload" and parsed.body.get("type") == "block_actions"


def _retrieve(claim: asyncio.Future[bool]) -> None:
    """A claim no job awaited (the help text, a refused body) still records the
    signature; its failure is logged by class, not left unretrieved."""
    if not claim.cancelled() and claim.exception() is not None:
        log.warning("replay check failed", extra={"error": type(claim.exception()).__name__})


def make_events_handler(
    bolt: AsyncApp, verifier: SignatureVerifier, metrics: Any
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    def count(problem: str) -> None:
        if metrics is not None:
            metrics.auth_failures.labels("slack").inc()
        log.warning("slack request refused", extra={"problem": problem})

    def refuse(problem: str) -> web.Response:
        count(problem)
        return web.json_response({"error": "invalid request signature"}, status=401)

    def count_replay(claim: asyncio.Future[bool]) -> None:
        if not claim.cancelled() and claim.exception() is None and not claim.result():
            count("replayed")

    async def slack_events(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return web.json_response({"error": "body too large"}, status=413)
        problem, signature, timestamp = verifier.authentic(
            body,
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
        )
        if problem is not None:
            return refuse(problem)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        try:
            parsed = envelope.parse(text, request.content_type)
        except envelope.Malformed as exc:
            log.info("slack body refused", extra={"problem": str(exc)})
            return web.json_response({"error": f"not a Slack request body: {exc}"}, status=400)
        if parsed.kind == "ssl_check":
            # Slack's certificate check: answered, nothing dispatched
            return web.Response(status=200)
        bolt_request = checked_request(parsed, text, request)
        if acknowledged_before_work(parsed):
            # The answer is an empty acknowledgement whatever the work does: answered now,
            # the work waits for the replay check and is dropped on a replay.
            claim = verifier.first_use_later(signature, timestamp)
            claim.add_done_callback(count_replay)
            token = PENDING_CLAIM.set(claim)
            try:
                bolt_response = await bolt.async_dispatch(bolt_request)
            finally:
                PENDING_CLAIM.reset(token)
        else:
            if not await verifier.first_use(signature, timestamp):
                return refuse("replayed")
            bolt_response = await bolt.async_dispatch(bolt_request)
        if metrics is not None:
            metrics.ack_seconds.labels("slack").observe(time.perf_counter() - started)
        return await to_aiohttp_response(bolt_response)

    return slack_events


def checked_request(parsed: envelope.Envelope, text: str, request: web.Request) -> AsyncBoltRequest:
    """The Bolt request for a body ``envelope.parse`` accepted, carrying exactly the body
    that was checked (Bolt's own reading of a form treats any body containing the word
    "payload" as an interaction, and so lost slash commands whose text contained it)."""
    bolt_request = AsyncBoltRequest(
        body="",  # not parsed a second time: the checked body is set below
        query=request.query_string,
        headers={k.lower(): v for k, v in request.headers.items()},
    )
    bolt_request.raw_body = text
    bolt_request.body = parsed.body
    bolt_request.context = build_async_context(AsyncBoltContext({}), parsed.body)
    return bolt_request


def client_factory(token: str, base_url: str) -> Callable[[], WebClient]:
    """A synchronous Web API client for the relay handlers (one per process)."""
    holder: list[WebClient] = []

    def factory() -> WebClient:
        if not holder:
            holder.append(WebClient(token=token, base_url=base_url))
        return holder[0]

    return factory


def wire(container: Any, app: web.Application) -> SlackHandlers | None:
    """Register Slack on ``app`` when Slack is configured; returns the handlers (or None)."""
    settings = container.settings
    if not settings.slack_configured:
        return None
    token = settings.secret("SLACK_BOT_TOKEN")
    base_url = settings.SLACK_API_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    # Bolt sets the token per request (authorize); Socket Mode uses the app token.
    client = AsyncWebClient(base_url=base_url)
    handlers = SlackHandlers(
        deps=container.deps,
        channel_id=settings.SLACK_CHANNEL_ID,
        metrics=container.metrics,
        assessment_days=getattr(settings, "BREACH_ASSESSMENT_DAYS", 30),
    )
    bolt = build_bolt_app(
        handlers,
        client,
        bot_token=token,
        signing_secret=settings.secret("SLACK_SIGNING_SECRET"),
        team_id=settings.SLACK_TEAM_ID,
    )
    shared = container.deps.shared
    verifier = SignatureVerifier(
        settings.secret("SLACK_SIGNING_SECRET"),
        shared.claim_request_signature,
        in_process=bool(getattr(shared, "claims_in_process", False)),
        claim_async=getattr(shared, "claim_request_signature_async", None),
    )
    app[SLACK_HANDLERS_KEY] = handlers
    app[BOLT_APP_KEY] = bolt
    app[SLACK_VERIFIER_KEY] = verifier
    app.router.add_post("/slack/events", make_events_handler(bolt, verifier, container.metrics))

    async def close_verifier(_app: web.Application) -> None:
        await verifier.settle()
        verifier.close()
        close_async = getattr(shared, "close_async", None)
        if close_async is not None:
            await close_async()

    app.on_cleanup.append(close_verifier)

    app.cleanup_ctx.append(_shared_session(client))
    app.on_shutdown.append(_drain(handlers))
    if not settings.SLACK_TEAM_ID:
        app.on_startup.append(_learn_workspace(container, client, str(token)))
    app_token = settings.secret("SLACK_APP_TOKEN")
    if app_token:
        _wire_socket_mode(app, bolt, app_token, client)

    _quiet_sdk_debug_logs()
    _register_outbound(container, str(token), base_url, settings.SLACK_CHANNEL_ID)
    return handlers


def _shared_session(
    client: AsyncWebClient,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """One HTTP session (kept-alive connections) for every Web API call the handlers make;
    without it slack_sdk opens and closes a connection per call."""

    async def session(_app: web.Application) -> AsyncIterator[None]:
        import aiohttp

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as shared:
            client.session = shared
            yield
            client.session = None

    return session


def _drain(handlers: SlackHandlers) -> Callable[[web.Application], Awaitable[None]]:
    """On shutdown (the listening socket already closed, the Web API session still
    open): let the jobs acknowledged so far finish, or tell their people they were not
    done (``SlackHandlers.drain``)."""

    async def drain(_app: web.Application) -> None:
        await handlers.drain()

    return drain


class WorkspaceUnknown(RuntimeError):
    """SLACK_TEAM_ID is empty and auth.test did not say which workspace the token is for."""


def _learn_workspace(
    container: Any, client: AsyncWebClient, token: str
) -> Callable[[web.Application], Awaitable[None]]:
    """With SLACK_TEAM_ID empty, ask auth.test once at start-up (before any request is
    served) which workspace the bot token belongs to; requests from any other
    workspace are then refused. If Slack cannot tell, the service does not start."""

    async def learn(_app: web.Application) -> None:
        try:
            resp = await client.auth_test(token=token)
            team = str(resp.get("team_id") or "")
        except Exception as exc:  # SlackApiError, network: neither carries user text
            raise WorkspaceUnknown(
                f"SLACK_TEAM_ID is empty and auth.test failed ({type(exc).__name__}); "
                "set SLACK_TEAM_ID to the workspace id"
            ) from None
        if not team:
            raise WorkspaceUnknown("SLACK_TEAM_ID is empty and auth.test gave no team_id")
        deps = container.deps
        deps.policy = dataclasses.replace(deps.policy, slack_team_id=team)
        log.info("slack workspace learned from auth.test: %s", team)

    return learn


def _quiet_sdk_debug_logs() -> None:
    """slack_sdk and Bolt log request bodies (reply text) at DEBUG: never let them."""
    for name in ("slack_sdk", "slack_bolt", "countersign.slack.bolt"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


def _wire_socket_mode(
    app: web.Application, bolt: AsyncApp, app_token: str, client: AsyncWebClient
) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, app_token, web_client=client)

    async def start(_app: web.Application) -> None:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack socket mode connected")

    async def stop(_app: web.Application) -> None:
        await handler.close_async()  # type: ignore[no-untyped-call]

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


def _register_outbound(container: Any, token: str, base_url: str, channel: str | None) -> None:
    if not channel:
        log.warning("SLACK_CHANNEL_ID is not set; Slack posting is off")
        return
    try:
        from bot.slack import poster  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        log.info("bot.slack.poster is not present; Slack posting is off")
        return
    make = getattr(poster, "client_factory", None)
    factory = make(token, base_url) if make is not None else client_factory(token, base_url)
    poster.register_handlers(container.relay, container.deps, factory, channel)


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send with ``body`` (for tests, the benchmark and the demo)."""
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sig,
    }

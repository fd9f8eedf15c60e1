"""The one aiohttp application: health, readiness, metrics and the mention webhook.
Chat adapters add their own routes (``/slack/events``, ``/api/messages``)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from aiohttp import web

from web.body import read_body
from web.metrics import Metrics
from workflows.errors import FieldError
from workflows.ingest import parse_batch
from workflows.services import mentions, reporting, shared
from workflows.types import MentionInput
from workflows.views import IngestResult

log = logging.getLogger("countersign.web")
T = TypeVar("T")

MAX_WEBHOOK_BYTES = 256 * 1024
# Webhook ingest runs on threads of its own, so that a burst of mentions queues behind
# itself and not ahead of people's clicks and commands (which use the default pool).
INGEST_THREADS = 2

DEPS_KEY: web.AppKey[shared.Deps] = web.AppKey("deps", shared.Deps)
METRICS_KEY: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)


class IngestUnavailable(Exception):
    """The lane could not take a batch just now (nothing of it was answered as stored);
    the sender should send it again."""


class Lane(Protocol):
    """Where the webhook stores a batch: ``IngestLane`` (threads of the serving process)
    or ``runtime.ingest_workers.ProcessIngestLane`` (worker processes)."""

    async def ingest(self, deps: shared.Deps, inputs: Sequence[MentionInput]) -> list[IngestResult]:
        """Store ``inputs`` as ``mentions.ingest`` does."""
        ...

    def context(self, app: web.Application) -> AsyncIterator[None]:
        """Open with the application, close with it (``cleanup_ctx``)."""
        ...


@dataclass(frozen=True)
class WebConfig:
    webhook_secret: str | None
    readiness: Callable[[], tuple[bool, str]]
    # the background loop's health (runtime.serve.Heartbeat); always healthy without one
    liveness: Callable[[], tuple[bool, str]] = lambda: (True, "ok")
    # where webhook batches are stored; threads of this process when not given
    ingest_lane: Lane | None = None


def _json(status: int, body: object) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def webhook_signature(secret: str, body: bytes) -> str:
    """The ``X-Countersign-Signature`` value for ``body`` (see docs/architecture.md)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = webhook_signature(secret, body)
    return hmac.compare_digest(expected, "sha256=" + header[len("sha256=") :].strip().lower())


class IngestLane:
    """The webhook's own worker threads, opened and closed with the application."""

    def __init__(self, threads: int = INGEST_THREADS) -> None:
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            raise RuntimeError("the ingest lane is closed: open it with the application")
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def ingest(self, deps: shared.Deps, inputs: Sequence[MentionInput]) -> list[IngestResult]:
        return await self.run(mentions.ingest, deps, inputs)

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="ingest")
        try:
            yield
        finally:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True)


def make_webhook_handler(
    deps: shared.Deps, metrics: Metrics, secret: str | None, lane: Lane
) -> Callable[[web.Request], Awaitable[web.Response]]:

    async def webhook(request: web.Request) -> web.Response:
        # 1. size, before any hashing
        body = await read_body(request, MAX_WEBHOOK_BYTES)
        if body is None:
            return _json(413, {"error": "body larger than 256 KiB"})
        # 2. signature (with no secret configured the endpoint is off, not "unauthorised")
        if not secret:
            return _json(503, {"error": "the webhook is not configured: set WEBHOOK_SECRET"})
        if not signature_ok(secret, body, request.headers.get("X-Countersign-Signature")):
            metrics.auth_failures.labels("webhook").inc()
            return _json(401, {"error": "bad or missing X-Countersign-Signature"})
        # 3. JSON and schema, all-or-nothing
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _json(400, {"error": "the body is not valid JSON", "field": None})
        except RecursionError:
            return _json(400, {"error": "the body is nested too deeply", "field": None})
        try:
            inputs = parse_batch(payload)
        except FieldError as exc:
            return _json(400, {"error": exc.message, "field": exc.field})
        try:
            results = await lane.ingest(deps, inputs)
        except IngestUnavailable as exc:
            busy = _json(503, {"error": str(exc)})
            busy.headers["Retry-After"] = "1"
            return busy
        for r in results:
            metrics.mentions_ingested.labels("duplicate" if r.duplicate else "stored").inc()
        return _json(
            202,
            {
                "mentions": [
                    {"external_id": r.external_id, "id": r.ref, "duplicate": r.duplicate}
                    for r in results
                ]
            },
        )

    return webhook


@web.middleware
async def _count_requests(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    metrics = request.app[METRICS_KEY]
    route = (
        request.match_info.route.resource.canonical
        if request.match_info.route.resource
        else "unmatched"
    )
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        metrics.http_requests.labels(route, str(exc.status)).inc()
        raise
    except Exception:
        # Never echo internals (or request text) to the caller.
        log.exception("unhandled error", extra={"route": route})
        metrics.http_requests.labels(route, "500").inc()
        return _json(500, {"error": "internal error"})
    metrics.http_requests.labels(route, str(response.status)).inc()
    return response


def build_web_app(deps: shared.Deps, metrics: Metrics, config: WebConfig) -> web.Application:
    app = web.Application(middlewares=[_count_requests], client_max_size=4 * 1024 * 1024)
    app[DEPS_KEY] = deps
    app[METRICS_KEY] = metrics

    async def healthz(_request: web.Request) -> web.Response:
        ok, detail = config.liveness()
        if ok:
            return _json(200, {"status": "ok"})
        return _json(503, {"status": "unhealthy", "detail": detail})

    async def readyz(_request: web.Request) -> web.Response:
        ok, detail = await asyncio.to_thread(config.readiness)
        return _json(
            200 if ok else 503, {"status": "ready" if ok else "not ready", "detail": detail}
        )

    async def metrics_view(_request: web.Request) -> web.Response:
        try:
            pending, dead = await asyncio.to_thread(reporting.outbox_backlog, deps)
        except Exception as exc:  # the database is down: report the rest
            log.warning("metrics: outbox not counted", extra={"error": type(exc).__name__})
        else:
            metrics.outbox_pending.set(pending)
            metrics.outbox_dead.set(dead)
        return web.Response(body=metrics.render(), headers={"Content-Type": metrics.content_type})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    lane: Lane = config.ingest_lane if config.ingest_lane is not None else IngestLane()
    app.cleanup_ctx.append(lane.context)
    app.router.add_post(
        "/webhooks/mentions", make_webhook_handler(deps, metrics, config.webhook_secret, lane)
    )
    return app

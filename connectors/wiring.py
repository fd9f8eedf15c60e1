"""Composition: connectors into the relay (``publish``/``unpublish``) and the scheduler
(polling, post-publish checks). Called from the app's composition root; the container is
taken duck-typed (settings, deps, relay, closers)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from connectors.config import Connectors, build_all
from connectors.http import HttpClient
from workflows.polling import Poller
from workflows.publishing import Publishing
from workflows.relay import Handler, fan_out
from workflows.topics import Topic

log = logging.getLogger("countersign.connectors")

_ATTR = "_countersign_connectors"
ADAPTER = "platforms"


class Runtime:
    def __init__(self, container: Any, connectors: Connectors) -> None:
        settings = container.settings
        self.connectors = connectors
        self.poller = Poller(
            container.deps,
            connectors.sources,
            interval=float(getattr(settings, "POLL_INTERVAL_SECONDS", 300)),
        )
        self.publishing = Publishing(container.deps, connectors.publishers)


def runtime(container: Any) -> Runtime:
    """The container's connectors, built once (the HTTP client is closed with it)."""
    existing = getattr(container, _ATTR, None)
    if isinstance(existing, Runtime):
        return existing
    # Worst case per call: 2 attempts x (5 s connect + 10 s read) + 2 s = 32 s; a publish
    # (token, read-back, post) stays well inside the relay's 120 s lease, so no second
    # process claims a row while its first attempt may still reach the platform.
    http = HttpClient(timeout=10.0, connect_timeout=5.0, retries=1, max_sleep=2.0)
    connectors = build_all(container.settings, http)
    for name, problem in connectors.problems.items():
        log.warning("source not started", extra={"source": name, "problem": problem})
    rt = Runtime(container, connectors)
    setattr(container, _ATTR, rt)
    container.closers.append(connectors.http.close)
    return rt


def _combine(handlers: list[Handler]) -> Handler | None:
    if not handlers:
        return None
    if len(handlers) == 1:
        return handlers[0]

    return fan_out(handlers)


def wire(container: Any) -> Runtime:
    """Call after the chat adapters registered their handlers: ``publish`` goes to the
    platform publishers, which hand a reply to the chat surfaces' manual handlers when
    its source has no API publisher (or the platform refuses an API reply)."""
    rt = runtime(container)
    relay = container.relay
    existing = relay.handlers.get(Topic.PUBLISH.value, {})
    manual = [h for adapter, h in existing.items() if adapter != ADAPTER]
    if manual or rt.publishing.manual is None:  # wired again: keep the surfaces found first
        rt.publishing.manual = _combine(manual)
    if rt.connectors.publishers:
        relay.handlers[Topic.PUBLISH.value] = {}
        relay.register(Topic.PUBLISH.value, rt.publishing.handle_publish, adapter=ADAPTER)
    relay.register(Topic.UNPUBLISH.value, rt.publishing.handle_unpublish, adapter=ADAPTER)
    return rt


def add_jobs(scheduler: Any, container: Any) -> None:
    """Polling every POLL_INTERVAL_SECONDS and the post-publish check every
    POST_PUBLISH_CHECK_SECONDS, on the elected leader's scheduler."""
    rt = runtime(container)
    settings = container.settings
    if rt.connectors.sources:
        scheduler.add_job(
            rt.poller.poll_all,
            "interval",
            seconds=int(settings.POLL_INTERVAL_SECONDS),
            id="poll_sources",
            next_run_time=datetime.now(UTC),
        )
    if rt.connectors.publishers:
        scheduler.add_job(
            rt.publishing.post_publish_checks,
            "interval",
            seconds=int(settings.POST_PUBLISH_CHECK_SECONDS),
            id="post_publish_checks",
        )

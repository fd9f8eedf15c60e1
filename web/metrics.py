"""Prometheus metrics, one registry per application instance (no module-level state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "countersign_http_requests_total",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "countersign_auth_failures_total",
            "Requests refused because authentication failed (bad signature or token)",
            ["surface"],
            registry=self.registry,
        )
        self.mentions_ingested = Counter(
            "countersign_mentions_ingested_total",
            "Mentions stored, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "countersign_ack_seconds",
            "Time to acknowledge a chat request",
            ["surface"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "countersign_outbox_pending", "Outbox rows waiting for delivery", registry=self.registry
        )
        self.outbox_dead = Gauge(
            "countersign_outbox_dead",
            "Outbox rows that gave up after their retries (alert when above zero)",
            registry=self.registry,
        )
        self.refusals = Counter(
            "countersign_refusals_total",
            "Refused actions by code",
            ["code"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))

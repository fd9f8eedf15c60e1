"""One app replica for the two-process test: ``python -m tests.support.replica_process``
serves like ``python app.py serve`` (HTTP, relay, scheduler election) with the settings
from the environment, but with the tests' PHI screen and sentiment (no model to load).
When ``REPLICA_TRACE`` names a file, the id of every outbox row this replica's Slack
poster delivered is appended to it."""

from __future__ import annotations

import asyncio
import os
from typing import Any


def _trace_deliveries(path: str) -> None:
    from bot.slack.poster import SlackPoster

    handle = SlackPoster.handle_chat

    def traced(self: SlackPoster, item: Any) -> None:
        handle(self, item)
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{item.id}\n")

    SlackPoster.handle_chat = traced  # type: ignore[method-assign]


def main() -> None:
    from app import Settings, build_container, configure_logging
    from runtime.serve import serve_forever
    from tests.support.fakes import FakeScreen, FixedSentiment

    trace = os.environ.get("REPLICA_TRACE")
    if trace:
        _trace_deliveries(trace)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    configure_logging(settings.LOG_LEVEL)
    container = build_container(settings, screen=FakeScreen(), sentiment=FixedSentiment())
    asyncio.run(serve_forever(container))


if __name__ == "__main__":
    main()

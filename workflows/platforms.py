"""Ports to the review platforms: what the polling and publishing services need from a
connector, in platform-neutral terms. Connectors (the top-level ``connectors`` package)
implement these; workflows never imports them.

Errors carry a short code, the HTTP status if any, and the name of the setting a person
should look at. They never carry response bodies, review or reply text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from workflows.types import MentionInput


class PlatformError(Exception):
    """Something the platform (or the network) said no to. ``setting`` names what to fix."""

    retryable = False

    def __init__(
        self,
        code: str,
        *,
        setting: str | None = None,
        status: int | None = None,
        after: float | None = None,
        detail: str = "",
    ) -> None:
        self.code = code
        self.setting = setting
        self.status = status
        self.after = after
        self.detail = detail
        super().__init__(self.line())

    def line(self) -> str:
        """One line for a person: what happened and which setting to check."""
        parts = [self.detail or self.code.replace("_", " ")]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.setting:
            parts.append(f"— check {self.setting}")
        return " ".join(parts)


class AuthFailed(PlatformError):
    """401/403, or the OAuth token endpoint refused the credentials."""


class NotFoundOnPlatform(PlatformError):
    """404: the account, location, review or reply does not exist (or is not visible)."""


class RateLimited(PlatformError):
    """429: try again after ``after`` seconds."""

    retryable = True


class Unavailable(PlatformError):
    """5xx, timeout or an unreachable host, before the request could have been applied."""

    retryable = True


class Ambiguous(PlatformError):
    """The request may or may not have been applied (the connection dropped after the
    request was sent): read back before trying again."""

    retryable = True


class Refused(PlatformError):
    """The platform rejected the request for good (400/409/422 ...)."""


class ManualOnly(PlatformError):
    """The platform will not take this through its API (X: the author did not mention the
    organisation; Yelp without the partner API): a person posts it by hand."""


class BadResponse(PlatformError):
    """The platform answered with something that is not what its API documents."""


# -- polling ------------------------------------------------------------------------


@dataclass(frozen=True)
class PollPage:
    """What one poll found, and the cursor to store once it is ingested. ``cursor`` is
    opaque to workflows (at most 1024 characters)."""

    mentions: Sequence[MentionInput]
    cursor: str | None


class MentionSource(Protocol):
    """A polled source. ``poll`` reads everything newer than ``cursor``
    (following pagination) and raises a PlatformError without returning partial results,
    so a failed poll never advances the cursor past what was not ingested."""

    @property
    def name(self) -> str: ...

    def poll(self, cursor: str | None) -> PollPage: ...

    def check(self) -> str:
        """Check credentials and reachability; returns a one-line summary or raises."""
        ...


# -- publishing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a reply answers, as the ingesting connector stored it."""

    source: str
    platform: str
    external_id: str
    location: str | None = None
    url: str | None = None
    published_external_id: str | None = None


@dataclass(frozen=True)
class PlatformCopy:
    """The platform's copy of our reply. ``state``: ``live``, ``pending`` (in
    moderation) or ``rejected`` (moderation refused it)."""

    text: str
    external_id: str | None = None
    state: str = "live"


class Publisher(Protocol):
    """Posts, reads back and deletes replies on one platform."""

    @property
    def name(self) -> str: ...

    def publish(self, target: Target, text: str) -> str | None:
        """Post ``text`` as the reply; returns the platform's id for the reply."""
        ...

    def read_back(self, target: Target) -> PlatformCopy | None:
        """Our reply as the platform holds it now, or None if there is none; ManualOnly
        when the platform cannot show it (a retry is then handed to a person)."""
        ...

    def delete(self, target: Target) -> None:
        """Remove our reply; ManualOnly when the API cannot."""
        ...


__all__ = [
    "Ambiguous",
    "AuthFailed",
    "BadResponse",
    "ManualOnly",
    "MentionSource",
    "NotFoundOnPlatform",
    "PlatformCopy",
    "PlatformError",
    "PollPage",
    "Publisher",
    "RateLimited",
    "Refused",
    "Target",
    "Unavailable",
]

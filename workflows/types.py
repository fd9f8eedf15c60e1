"""Values passed between adapters and services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from workflows.phi.types import OrgContext, PhiScreen

ROLES = ("marketing", "risk", "admin")
APPROVER_ROLES = ("marketing", "risk")


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); make them comparable with the
    clock's timezone-aware ones."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Actor:
    """Who asks. ``team_id`` is the Slack workspace or Teams tenant the request came from;
    ``channel_member`` is set by the adapter after it checked membership of the channel."""

    platform: str  # slack | teams | cli | system
    user_id: str
    team_id: str | None = None
    channel_member: bool = False
    display_name: str = ""
    # The answer reaches only this person (an ephemeral message, a modal, a personal
    # chat): this decides whether a blocked draft's text may be in it.
    private: bool = False

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @classmethod
    def system(cls, name: str = "countersign") -> Actor:
        return cls(platform="system", user_id=name, private=True)

    @classmethod
    def cli(cls, user: str = "operator") -> Actor:
        return cls(platform="cli", user_id=user, private=True)


@dataclass(frozen=True)
class Policy:
    """Rules an admin can tune through settings."""

    allow_author_signoff: bool = False
    negative_threshold: float = -0.05
    sla_hours: dict[str, float] = field(
        default_factory=lambda: {"critical": 2.0, "high": 8.0, "normal": 24.0}
    )
    slack_team_id: str | None = None
    teams_tenant_id: str | None = None
    retention_days: int = 365
    breach_assessment_days: int = 30
    org: OrgContext | None = None


Clock = Callable[[], datetime]


@dataclass(frozen=True)
class MentionInput:
    source: str
    external_id: str
    platform: str
    author: str
    text: str
    url: str | None = None
    rating: int | None = None
    created_at: datetime | None = None
    location: str | None = None
    author_url: str | None = None


class Sentiment:
    """Protocol-like base: ``score`` returns a compound score in [-1, 1], or None when
    the text cannot be scored (unknown language)."""

    def score(self, text: str) -> float | None:  # pragma: no cover - interface
        raise NotImplementedError


__all__ = [
    "APPROVER_ROLES",
    "ROLES",
    "Actor",
    "Clock",
    "MentionInput",
    "PhiScreen",
    "Policy",
    "Sentiment",
]

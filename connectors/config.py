"""Which sources are on (a source is on when its required settings are
present), and building their connectors from the settings. Settings are read by their
documented names from any object with those attributes (the app's pydantic Settings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.http import HttpClient, check_base_url

SOURCE_NAMES = ("rss", "gbp", "facebook", "x", "yelp")


class SourceConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


@dataclass(frozen=True)
class SourceStatus:
    name: str
    label: str
    on: bool
    missing: tuple[str, ...]
    polls: bool
    publishes: str  # "api", "manual" or a sentence


def _value(settings: Any, name: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        return ""
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return str(value).strip()


def _flag(settings: Any, name: str) -> bool:
    return _value(settings, name).lower() in ("1", "true", "yes", "on")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


REQUIRED: dict[str, tuple[str, ...]] = {
    "rss": ("RSS_FEEDS",),
    "gbp": (
        "GBP_CLIENT_ID",
        "GBP_CLIENT_SECRET",
        "GBP_REFRESH_TOKEN",
        "GBP_ACCOUNT_ID",
        "GBP_LOCATION_IDS",
    ),
    "facebook": ("FACEBOOK_PAGE_ID", "FACEBOOK_PAGE_TOKEN"),
    "x": ("X_USER_ID", "X_BEARER_TOKEN"),
    "yelp": ("YELP_PARTNER_TOKEN", "YELP_BUSINESS_IDS"),
}
LABELS = {
    "rss": "RSS/Atom feeds",
    "gbp": "Google Business Profile",
    "facebook": "Facebook Page",
    "x": "X",
    "yelp": "Yelp",
}


def statuses(settings: Any) -> list[SourceStatus]:
    out = []
    for name in SOURCE_NAMES:
        missing = tuple(s for s in REQUIRED[name] if not _value(settings, s))
        on = not missing
        publishes = {
            "rss": "manual (feeds cannot be answered through an API)",
            "gbp": "api (PUT reviews/{id}/reply)",
            "facebook": "api (POST /{comment-id}/comments)",
            "x": "api (POST /2/tweets)"
            if _value(settings, "X_USER_ACCESS_TOKEN")
            else "manual (set X_USER_ACCESS_TOKEN to reply through the API)",
            "yelp": "api (POST reviews/v1/{review_id}, partner Respond-to-Reviews)"
            if _flag(settings, "YELP_PARTNER_API_ENABLED")
            else "manual (set YELP_PARTNER_API_ENABLED=true to reply through the partner API)",
        }[name]
        out.append(SourceStatus(name, LABELS[name], on, missing, name != "yelp", publishes))
    return out


def _url(settings: Any, name: str) -> str:
    try:
        return check_base_url(_value(settings, name), name)
    except ValueError as exc:
        raise SourceConfigError(str(exc)) from None


def _feeds(settings: Any) -> tuple[str, ...]:
    feeds = _csv(_value(settings, "RSS_FEEDS"))
    for feed in feeds:
        try:
            check_base_url(feed, "RSS_FEEDS")
        except ValueError:
            raise SourceConfigError("RSS_FEEDS must be comma-separated http(s) feed URLs") from None
    return feeds


def build_source(name: str, settings: Any, http: HttpClient) -> Any:
    """The connector for source ``name`` (a MentionSource, and for gbp/facebook/x also a
    Publisher; yelp is only a Publisher, and only with YELP_PARTNER_API_ENABLED).
    SourceConfigError when it is off or a setting is malformed."""
    if name not in SOURCE_NAMES:
        raise SourceConfigError(
            f"no source called {name!r}; the sources are {', '.join(SOURCE_NAMES)}"
        )
    missing = [s for s in REQUIRED[name] if not _value(settings, s)]
    if missing:
        raise SourceConfigError(f"{name} is off: set {', '.join(missing)}")
    return _BUILDERS[name](settings, http)


def _rss(settings: Any, http: HttpClient) -> Any:
    from connectors.rss import RssSource

    return RssSource(http, _feeds(settings))


def _gbp(settings: Any, http: HttpClient) -> Any:
    from connectors.gbp import GoogleBusinessProfile

    return GoogleBusinessProfile(
        http,
        base_url=_url(settings, "GBP_BASE_URL"),
        token_url=_url(settings, "GBP_TOKEN_URL").rstrip("/"),
        client_id=_value(settings, "GBP_CLIENT_ID"),
        client_secret=_value(settings, "GBP_CLIENT_SECRET"),
        refresh_token=_value(settings, "GBP_REFRESH_TOKEN"),
        account_id=_value(settings, "GBP_ACCOUNT_ID").removeprefix("accounts/"),
        location_ids=tuple(
            loc.removeprefix("locations/") for loc in _csv(_value(settings, "GBP_LOCATION_IDS"))
        ),
    )


def _facebook(settings: Any, http: HttpClient) -> Any:
    from connectors.facebook import FacebookPage

    return FacebookPage(
        http,
        base_url=_url(settings, "FACEBOOK_GRAPH_BASE_URL"),
        page_id=_value(settings, "FACEBOOK_PAGE_ID"),
        token=_value(settings, "FACEBOOK_PAGE_TOKEN"),
    )


def _x(settings: Any, http: HttpClient) -> Any:
    from connectors.x import XMentions

    return XMentions(
        http,
        base_url=_url(settings, "X_BASE_URL"),
        user_id=_value(settings, "X_USER_ID"),
        bearer=_value(settings, "X_BEARER_TOKEN"),
        user_token=_value(settings, "X_USER_ACCESS_TOKEN") or None,
    )


def _yelp(settings: Any, http: HttpClient) -> Any:
    from connectors.yelp import YelpManual, YelpPartner

    base_url = _url(settings, "YELP_PARTNER_BASE_URL")
    business_ids = _csv(_value(settings, "YELP_BUSINESS_IDS"))
    if not _flag(settings, "YELP_PARTNER_API_ENABLED"):
        return YelpManual(base_url=base_url, business_ids=business_ids)
    return YelpPartner(
        http,
        base_url=base_url,
        token=_value(settings, "YELP_PARTNER_TOKEN"),
        business_ids=business_ids,
    )


_BUILDERS: dict[str, Callable[[Any, HttpClient], Any]] = {
    "rss": _rss,
    "gbp": _gbp,
    "facebook": _facebook,
    "x": _x,
    "yelp": _yelp,
}


@dataclass
class Connectors:
    """Every configured source, and the publishers among them (by source name)."""

    http: HttpClient
    sources: dict[str, Any]
    publishers: dict[str, Any]
    problems: dict[str, str]


def build_all(settings: Any, http: HttpClient | None = None) -> Connectors:
    """Build every source that is on. A malformed setting of one source is recorded in
    ``problems`` (and logged at start) without stopping the others."""
    http = http or HttpClient()
    sources: dict[str, Any] = {}
    publishers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for status in statuses(settings):
        if not status.on:
            continue
        try:
            connector = build_source(status.name, settings, http)
        except SourceConfigError as exc:
            problems[status.name] = str(exc)
            continue
        if status.polls:
            sources[status.name] = connector
        if hasattr(connector, "publish"):
            publishers[status.name] = connector
    return Connectors(http, sources, publishers, problems)

"""Google Business Profile (My Business API v4): reviews per location, replies.

- OAuth2 refresh-token flow: ``POST GBP_TOKEN_URL`` (form: client_id, client_secret,
  refresh_token, grant_type=refresh_token) → ``access_token``/``expires_in``; the token is
  cached until shortly before it expires and refreshed once on a 401.
- Polling: ``GET {GBP_BASE_URL}accounts/{a}/locations/{l}/reviews`` with ``pageSize``,
  ``pageToken`` and ``orderBy=updateTime desc``; paging stops at the first review not
  newer than the location's cursor (its newest ``updateTime`` seen).
- Publishing: ``PUT …/reviews/{id}/reply`` ``{"comment": …}`` — idempotent (it creates
  or replaces the one owner reply), so a retry can never make two replies; read back
  with ``GET …/reviews/{id}`` (``reviewReply``, and its moderation ``state`` where the
  API reports one); ``DELETE …/reviews/{id}/reply`` for a takedown.

Mentions carry the review's resource name (``accounts/…/locations/…/reviews/…``) as
their external id, so a reply needs nothing else to find its review."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.common import as_dict, build_mention, dump_cursor, load_cursor, parse_time
from connectors.http import HttpClient, Settings, join, json_body
from workflows.platforms import (
    AuthFailed,
    BadResponse,
    NotFoundOnPlatform,
    PlatformCopy,
    PlatformError,
    PollPage,
    Target,
)
from workflows.types import MentionInput

SOURCE = "gbp"
PLATFORM = "google"
API = Settings(base="GBP_BASE_URL", auth="GBP_REFRESH_TOKEN", not_found="GBP_LOCATION_IDS")
TOKEN = Settings(base="GBP_TOKEN_URL", auth="GBP_CLIENT_SECRET")
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
NO_TEXT = "(a star rating without text)"


def review_to_mention(review: Any, location_id: str) -> MentionInput | None:
    """One ``Review`` resource as a mention (None when it lacks a name)."""
    if not isinstance(review, dict):
        return None
    name = review.get("name")
    if not isinstance(name, str) or not name:
        return None
    reviewer = as_dict(review.get("reviewer"))
    anonymous = bool(reviewer.get("isAnonymous"))
    author = "Anonymous" if anonymous else (reviewer.get("displayName") or "Google user")
    comment = review.get("comment")
    text = comment if isinstance(comment, str) and comment.strip() else NO_TEXT
    return build_mention(
        source=SOURCE,
        external_id=name,
        platform=PLATFORM,
        author=author,
        text=text,
        rating=STARS.get(str(review.get("starRating"))),
        created_at=parse_time(review.get("createTime")),
        location=location_id,
        url=review.get("reviewReplyUrl"),
    )


def google_error(response: httpx.Response, names: Settings) -> PlatformError | None:
    """Google's error shape: ``{"error": {"code", "message", "status"}}``; only the
    ``status`` word is kept (the message may quote a request)."""
    try:
        body = response.json()
    except ValueError:
        return None
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, str):  # the OAuth token endpoint: {"error": "invalid_grant"}
        setting = {
            "invalid_grant": "GBP_REFRESH_TOKEN",
            "invalid_client": "GBP_CLIENT_ID and GBP_CLIENT_SECRET",
            "unauthorized_client": "GBP_CLIENT_ID",
        }.get(err, "GBP_CLIENT_ID, GBP_CLIENT_SECRET and GBP_REFRESH_TOKEN")
        return AuthFailed(
            err[:40],
            setting=setting,
            status=response.status_code,
            detail="Google refused the OAuth credentials",
        )
    return None


@dataclass
class GoogleBusinessProfile:
    http: HttpClient
    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    refresh_token: str
    account_id: str
    location_ids: Sequence[str]
    page_size: int = 50
    max_pages: int = 20
    clock: Callable[[], float] = time.time
    name: str = SOURCE
    _token: str | None = None
    _expires: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- auth --------------------------------------------------------------------

    def access_token(self, *, force: bool = False) -> str:
        with self._lock:
            if not force and self._token and self.clock() < self._expires - 60:
                return self._token
            response = self.http.request(
                "POST",
                self.token_url,
                TOKEN,
                data={
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "refresh_token": self.refresh_token,
                    "grant_type": "refresh_token",
                },
                classify=google_error,
                retry=True,  # a token refresh has no side effects
            )
            body = json_body(response, TOKEN)
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise BadResponse("no_access_token", setting="GBP_TOKEN_URL")
            expires = body.get("expires_in", 3600)
            self._token = token
            self._expires = self.clock() + (float(expires) if isinstance(expires, int) else 3600)
            return token

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        url = join(self.base_url, path)
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.access_token(force=attempt == 2)}"}
            try:
                return self.http.request(method, url, API, headers=headers, classify=_api, **kw)
            except AuthFailed as exc:
                if exc.status == 401 and attempt == 1:
                    continue  # the cached token expired early: refresh once
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- polling -----------------------------------------------------------------

    def _reviews_path(self, location_id: str) -> str:
        return f"accounts/{self.account_id}/locations/{location_id}/reviews"

    def poll(self, cursor: str | None) -> PollPage:
        state = load_cursor(cursor)
        mentions: list[MentionInput] = []
        new_state: dict[str, Any] = {}
        for location in self.location_ids:
            since = parse_time(state.get(location))
            newest = state.get(location)
            page_token: str | None = None
            for _page in range(self.max_pages):
                params: dict[str, Any] = {"pageSize": self.page_size, "orderBy": "updateTime desc"}
                if page_token:
                    params["pageToken"] = page_token
                body = json_body(
                    self._call("GET", self._reviews_path(location), params=params), API
                )
                if not isinstance(body, dict):
                    raise BadResponse("bad_list", setting="GBP_BASE_URL")
                reviews = body.get("reviews") or []
                if not isinstance(reviews, list):
                    raise BadResponse("bad_list", setting="GBP_BASE_URL")
                reached_old = False
                for review in reviews:
                    updated = parse_time(
                        review.get("updateTime") if isinstance(review, dict) else None
                    )
                    if since is not None and updated is not None and updated < since:
                        reached_old = True
                        break
                    if updated is not None and (
                        newest is None or updated > (parse_time(newest) or updated)
                    ):
                        newest = review.get("updateTime")
                    mention = review_to_mention(review, location)
                    if mention is not None:
                        mentions.append(mention)
                token = body.get("nextPageToken")
                if reached_old or not isinstance(token, str) or not token:
                    break
                page_token = token
            if newest is not None:
                new_state[location] = newest
        return PollPage(mentions, dump_cursor(new_state))

    def check(self) -> str:
        self.access_token(force=True)
        for location in self.location_ids:
            self._call("GET", self._reviews_path(location), params={"pageSize": 1})
        return f"credentials accepted; {len(self.location_ids)} location(s) readable"

    # -- publishing --------------------------------------------------------------

    def publish(self, target: Target, text: str) -> str | None:
        self._call("PUT", f"{target.external_id}/reply", json={"comment": text})
        return target.external_id

    def read_back(self, target: Target) -> PlatformCopy | None:
        try:
            body = json_body(self._call("GET", target.external_id), API)
        except NotFoundOnPlatform:
            return None  # the review itself is gone, and our reply with it
        reply = body.get("reviewReply") if isinstance(body, dict) else None
        if not isinstance(reply, dict) or not isinstance(reply.get("comment"), str):
            return None
        state = str(reply.get("state") or "").upper()
        moderation = (
            "rejected" if state == "REJECTED" else "pending" if state == "PENDING" else "live"
        )
        return PlatformCopy(reply["comment"], target.external_id, moderation)

    def delete(self, target: Target) -> None:
        self._call("DELETE", f"{target.external_id}/reply")


def _api(response: httpx.Response, names: Settings) -> PlatformError | None:
    return None  # Google's API errors map by status; the message is never kept

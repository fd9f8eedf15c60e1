"""X (API v2): mentions of the organisation's account, replies.

- Polling: ``GET /2/users/{X_USER_ID}/mentions`` with ``since_id`` (the cursor: the
  newest id seen) and ``pagination_token``; authors come from ``includes.users``.
  Reading uses ``X_BEARER_TOKEN``.
- Publishing: ``POST /2/tweets`` ``{"text", "reply": {"in_reply_to_tweet_id"}}`` with
  ``X_USER_ACCESS_TOKEN``. X refuses API replies to posts whose author did not mention
  or otherwise engage the account (403): that, a missing user token, or a reply over 280
  characters falls back to manual posting. Not idempotent: a retry first looks for our
  reply among the account's recent posts.
- 429s carry ``x-rate-limit-reset`` (epoch seconds) rather than ``Retry-After``."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.common import as_dict, build_mention, parse_time
from connectors.http import HttpClient, Settings, join, json_body, retry_after
from workflows.platforms import (
    BadResponse,
    ManualOnly,
    NotFoundOnPlatform,
    PlatformCopy,
    PlatformError,
    PollPage,
    RateLimited,
    Target,
)
from workflows.types import MentionInput

SOURCE = "x"
PLATFORM = "x"
READ = Settings(base="X_BASE_URL", auth="X_BEARER_TOKEN", not_found="X_USER_ID")
WRITE = Settings(base="X_BASE_URL", auth="X_USER_ACCESS_TOKEN")
MAX_CHARS = 280
_LEADING_MENTIONS = re.compile(r"^(?:@\w{1,15}\s+)+")


def x_error(response: httpx.Response, names: Settings) -> PlatformError | None:
    status = response.status_code
    if status == 429:
        after = retry_after(response.headers.get("Retry-After"))
        reset = response.headers.get("x-rate-limit-reset")
        if after is None and reset and reset.isdigit():
            after = max(0.0, float(reset) - time.time())
        return RateLimited("rate_limited", status=status, after=after)
    if status == 403:
        try:
            body = response.json()
        except ValueError:
            body = {}
        detail = str(body.get("detail") or "") if isinstance(body, dict) else ""
        if "not allowed" in detail.lower() or "mentioned" in detail.lower():
            return ManualOnly("reply_not_allowed", status=status)
    return None


def tweet_to_mention(tweet: Any, users: dict[str, dict[str, Any]]) -> MentionInput | None:
    if not isinstance(tweet, dict) or not isinstance(tweet.get("id"), str):
        return None
    text = tweet.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    user = users.get(str(tweet.get("author_id")), {})
    username = user.get("username") if isinstance(user.get("username"), str) else None
    handle = f"@{username}" if username else (user.get("name") or "X user")
    return build_mention(
        source=SOURCE,
        external_id=tweet["id"],
        platform=PLATFORM,
        author=handle,
        author_url=f"https://x.com/{username}" if username else None,
        text=html.unescape(text),
        url=f"https://x.com/{username or 'i/web'}/status/{tweet['id']}",
        created_at=parse_time(tweet.get("created_at")),
    )


def _newer(a: str | None, b: str | None) -> str | None:
    if not a or not a.isdigit():
        return b
    if not b or not b.isdigit():
        return a
    return a if int(a) >= int(b) else b


@dataclass
class XMentions:
    http: HttpClient
    base_url: str
    user_id: str
    bearer: str
    user_token: str | None = None
    max_pages: int = 5
    clock: Callable[[], float] = time.time
    name: str = SOURCE

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.http.request(
            "GET",
            join(self.base_url, path),
            READ,
            headers={"Authorization": f"Bearer {self.bearer}"},
            params=params,
            classify=x_error,
        )
        body = json_body(response, READ)
        if not isinstance(body, dict):
            raise BadResponse("bad_json", setting=READ.base)
        return body

    def poll(self, cursor: str | None) -> PollPage:
        since = cursor if cursor and cursor.isdigit() else None
        newest = since
        mentions: list[MentionInput] = []
        token: str | None = None
        for _ in range(self.max_pages):
            params: dict[str, Any] = {
                "max_results": 100,
                "tweet.fields": "created_at,author_id,conversation_id",
                "expansions": "author_id",
                "user.fields": "username,name",
            }
            if since:
                params["since_id"] = since
            if token:
                params["pagination_token"] = token
            body = self._get(f"users/{self.user_id}/mentions", params)
            includes = as_dict(body.get("includes"))
            users = {
                str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)
            }
            for tweet in body.get("data") or []:
                mention = tweet_to_mention(tweet, users)
                if mention is not None:
                    mentions.append(mention)
                    newest = _newer(newest, mention.external_id)
            meta = as_dict(body.get("meta"))
            newest = _newer(newest, meta.get("newest_id"))
            token = meta.get("next_token")
            if not isinstance(token, str) or not token:
                break
        return PollPage(mentions, newest)

    def check(self) -> str:
        body = self._get(f"users/{self.user_id}", {})
        if not isinstance(body.get("data"), dict):
            raise NotFoundOnPlatform("no_such_user", setting="X_USER_ID")
        replies = (
            "API replies on" if self.user_token else "replies by hand (no X_USER_ACCESS_TOKEN)"
        )
        return f"bearer token accepted; account readable; {replies}"

    def _write(self, method: str, path: str, json: Any = None) -> httpx.Response:
        if not self.user_token:
            raise ManualOnly("no_user_token", setting="X_USER_ACCESS_TOKEN")
        return self.http.request(
            method,
            join(self.base_url, path),
            WRITE,
            headers={"Authorization": f"Bearer {self.user_token}"},
            json=json,
            classify=x_error,
        )

    def publish(self, target: Target, text: str) -> str | None:
        if len(text) > MAX_CHARS:
            raise ManualOnly("too_long_for_x")
        response = self._write(
            "POST",
            "tweets",
            json={"text": text, "reply": {"in_reply_to_tweet_id": target.external_id}},
        )
        body = json_body(response, WRITE)
        data = body.get("data") if isinstance(body, dict) else None
        rid = data.get("id") if isinstance(data, dict) else None
        return rid if isinstance(rid, str) else None

    def read_back(self, target: Target) -> PlatformCopy | None:
        if target.published_external_id:
            body = self._get(f"tweets/{target.published_external_id}", {})
            data = body.get("data")
            if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                return None  # X answers 200 with "errors" for a deleted post
            return PlatformCopy(_clean(data["text"]), target.published_external_id)
        body = self._get(
            f"users/{self.user_id}/tweets",
            {"max_results": 100, "tweet.fields": "referenced_tweets"},
        )
        for tweet in body.get("data") or []:
            refs = tweet.get("referenced_tweets") if isinstance(tweet, dict) else None
            if any(
                isinstance(r, dict)
                and r.get("type") == "replied_to"
                and r.get("id") == target.external_id
                for r in refs or []
            ) and isinstance(tweet.get("text"), str):
                return PlatformCopy(_clean(tweet["text"]), str(tweet.get("id")))
        return None

    def delete(self, target: Target) -> None:
        if not target.published_external_id:
            raise NotFoundOnPlatform("no_reply_id")
        self._write("DELETE", f"tweets/{target.published_external_id}")


def _clean(text: str) -> str:
    """X returns ``&amp;``-escaped text, and may prefix a reply with the @handles it
    answers: compare the words we posted."""
    return _LEADING_MENTIONS.sub("", html.unescape(text))

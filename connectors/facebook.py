"""Facebook Page (Graph API): comments on the page's recent posts, replies to them.

- Polling: ``GET /{page-id}/feed`` (recent posts), then for each post
  ``GET /{post-id}/comments?filter=stream&order=reverse_chronological&since=…``
  following ``paging.cursors.after``; the page's own comments are skipped. Page ratings
  (``GET /{page-id}/ratings``) are read too where the API version still serves them.
- Publishing: ``POST /{comment-id}/comments`` ``message=…`` (not idempotent: a retry
  reads back the page's replies under that comment first); read back with
  ``GET /{reply-id}?fields=message,is_hidden``; ``DELETE /{reply-id}`` for a takedown.
- The page token goes in the ``Authorization`` header, never in a URL. Graph's error
  codes are mapped: 190/102 bad token, 10/2xx permission, 4/17/32/613 rate limits,
  100 with subcode 33 "does not exist"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from connectors.common import as_dict, build_mention, dump_cursor, load_cursor, parse_time
from connectors.http import HttpClient, Settings, join, json_body, retry_after
from workflows.platforms import (
    AuthFailed,
    BadResponse,
    NotFoundOnPlatform,
    PlatformCopy,
    PlatformError,
    PollPage,
    RateLimited,
    Refused,
    Target,
)
from workflows.types import MentionInput

SOURCE = "facebook"
PLATFORM = "facebook"
NAMES = Settings(
    base="FACEBOOK_GRAPH_BASE_URL", auth="FACEBOOK_PAGE_TOKEN", not_found="FACEBOOK_PAGE_ID"
)
COMMENT_FIELDS = "id,message,created_time,from{id,name},permalink_url,is_hidden"
RATE_CODES = frozenset({4, 17, 32, 613, 80001, 80004})


def graph_error(response: httpx.Response, names: Settings) -> PlatformError | None:
    try:
        body = response.json()
    except ValueError:
        return None
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return None
    code = err.get("code")
    sub = err.get("error_subcode")
    status = response.status_code
    if code in (190, 102):
        return AuthFailed(
            "token_invalid", setting=names.auth, status=status, detail="the page token was refused"
        )
    if code == 10 or (isinstance(code, int) and 200 <= code < 300):
        return AuthFailed(
            "permission_missing",
            setting=names.auth,
            status=status,
            detail="the page token lacks a permission",
        )
    if code in RATE_CODES:
        after = retry_after(response.headers.get("Retry-After")) or 60.0
        return RateLimited("rate_limited", status=status, after=after)
    if code == 100 and sub == 33:
        return NotFoundOnPlatform("not_found", setting=names.not_found, status=status)
    if code == 368:
        return Refused("blocked_by_facebook", status=status)
    return None


def comment_to_mention(comment: Any, page_id: str, post_id: str) -> MentionInput | None:
    if not isinstance(comment, dict) or not isinstance(comment.get("id"), str):
        return None
    author = as_dict(comment.get("from"))
    if str(author.get("id")) == page_id:
        return None  # the page's own comment
    message = comment.get("message")
    if not isinstance(message, str) or not message.strip():
        return None
    return build_mention(
        source=SOURCE,
        external_id=comment["id"],
        platform=PLATFORM,
        author=author.get("name") or "Facebook user",
        text=message,
        url=comment.get("permalink_url"),
        created_at=parse_time(comment.get("created_time")),
        location=post_id,
    )


_RATING_STARS = {"negative": 1, "positive": 5}


def rating_to_mention(rating: Any, page_id: str) -> MentionInput | None:
    """A page recommendation ("ratings" edge): replies go to its story."""
    if not isinstance(rating, dict):
        return None
    story = rating.get("open_graph_story")
    story_id = story.get("id") if isinstance(story, dict) else None
    text = rating.get("review_text")
    if not isinstance(story_id, str) or not isinstance(text, str) or not text.strip():
        return None
    stars = rating.get("rating")
    reviewer = as_dict(rating.get("reviewer"))
    return build_mention(
        source=SOURCE,
        external_id=story_id,
        platform=PLATFORM,
        author=reviewer.get("name") or "Facebook user",
        text=text,
        rating=stars
        if isinstance(stars, int) and 1 <= stars <= 5
        else _RATING_STARS.get(str(rating.get("recommendation_type"))),
        created_at=parse_time(rating.get("created_time")),
        location=page_id,
    )


@dataclass
class FacebookPage:
    http: HttpClient
    base_url: str
    page_id: str
    token: str
    max_posts: int = 25
    max_pages: int = 10
    name: str = SOURCE

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        response = self.http.request(
            "GET",
            join(self.base_url, path),
            NAMES,
            headers={"Authorization": f"Bearer {self.token}"},
            params=params,
            classify=graph_error,
        )
        body = json_body(response, NAMES)
        if not isinstance(body, dict):
            raise BadResponse("bad_json", setting=NAMES.base)
        return body

    def _pages(self, path: str, params: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        after: str | None = None
        for _ in range(self.max_pages):
            query = dict(params)
            if after:
                query["after"] = after
            body = self._get(path, query)
            data = body.get("data") or []
            if not isinstance(data, list):
                raise BadResponse("bad_list", setting=NAMES.base)
            items.extend(data)
            paging = as_dict(body.get("paging"))
            cursors = as_dict(paging.get("cursors"))
            after = cursors.get("after") if paging.get("next") else None
            if not after:
                break
        return items

    def poll(self, cursor: str | None) -> PollPage:
        state = load_cursor(cursor)
        since = state.get("since") if isinstance(state.get("since"), int) else None
        newest = since or 0
        mentions: list[MentionInput] = []
        posts = self._get(
            f"{self.page_id}/feed", {"fields": "id,created_time", "limit": self.max_posts}
        ).get("data")
        for post in posts if isinstance(posts, list) else []:
            post_id = post.get("id") if isinstance(post, dict) else None
            if not isinstance(post_id, str):
                continue
            params: dict[str, Any] = {
                "fields": COMMENT_FIELDS,
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": 100,
            }
            if since:
                params["since"] = since
            for comment in self._pages(f"{post_id}/comments", params):
                created = parse_time(
                    comment.get("created_time") if isinstance(comment, dict) else None
                )
                if created is not None:
                    newest = max(newest, int(created.timestamp()))
                mention = comment_to_mention(comment, self.page_id, post_id)
                if mention is not None:
                    mentions.append(mention)
        mentions.extend(self._ratings(since))
        return PollPage(mentions, dump_cursor({"since": newest} if newest else {}))

    def _ratings(self, since: int | None) -> list[MentionInput]:
        try:
            data = self._pages(
                f"{self.page_id}/ratings",
                {
                    "fields": "created_time,rating,recommendation_type,review_text,"
                    "reviewer,open_graph_story{id}",
                    "limit": 100,
                },
            )
        except (Refused, NotFoundOnPlatform, AuthFailed):
            return []  # ratings are not served to this app or API version: comments only
        out = []
        for rating in data:
            created = parse_time(rating.get("created_time") if isinstance(rating, dict) else None)
            if since and created is not None and created.timestamp() < since:
                continue
            mention = rating_to_mention(rating, self.page_id)
            if mention is not None:
                out.append(mention)
        return out

    def check(self) -> str:
        body = self._get(self.page_id, {"fields": "id,name"})
        if str(body.get("id")) != self.page_id:
            raise BadResponse("wrong_page", setting="FACEBOOK_PAGE_ID")
        return "page token accepted; page readable"

    def publish(self, target: Target, text: str) -> str | None:
        response = self.http.request(
            "POST",
            join(self.base_url, f"{target.external_id}/comments"),
            NAMES,
            headers={"Authorization": f"Bearer {self.token}"},
            data={"message": text},
            classify=graph_error,
        )
        body = json_body(response, NAMES)
        reply_id = body.get("id") if isinstance(body, dict) else None
        return reply_id if isinstance(reply_id, str) else None

    def read_back(self, target: Target) -> PlatformCopy | None:
        fields = "id,message,from{id},is_hidden"
        if target.published_external_id:
            try:
                body = self._get(target.published_external_id, {"fields": fields})
            except NotFoundOnPlatform:
                return None
            return _copy(body)
        # After an ambiguous POST we do not know the reply's id: look for the page's
        # reply among the comment's replies.
        replies = self._pages(f"{target.external_id}/comments", {"fields": fields, "limit": 100})
        ours = [
            r
            for r in replies
            if isinstance(r, dict)
            and isinstance(r.get("from"), dict)
            and str(r["from"].get("id")) == self.page_id
        ]
        return _copy(ours[-1]) if ours else None

    def delete(self, target: Target) -> None:
        if not target.published_external_id:
            raise NotFoundOnPlatform("no_reply_id")
        self.http.request(
            "DELETE",
            join(self.base_url, target.published_external_id),
            NAMES,
            headers={"Authorization": f"Bearer {self.token}"},
            classify=graph_error,
        )


def _copy(body: Any) -> PlatformCopy | None:
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    rid = body.get("id")
    return PlatformCopy(
        body["message"],
        rid if isinstance(rid, str) else None,
        "rejected" if body.get("is_hidden") else "live",
    )

"""Local fakes of the review platforms, following their documented paths, payloads,
pagination and error shapes. Each keeps its state in a plain object outside the aiohttp
app, so a test can stop the server and start a new one on the same state (a platform
that survived our crash), queue failures (429 with Retry-After, 500, a dropped
connection after the change was applied) and count what was posted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.support.server import serve_in_thread


@dataclass
class Fault:
    """Answer the next matching request with ``status`` (or drop the connection after
    applying the change when ``drop_after_apply``)."""

    method: str
    path_contains: str = ""
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop_after_apply: bool = False


@dataclass
class FakeBase:
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, method: str, status: int = 500, times: int = 1, **kw: Any) -> None:
        for _ in range(times):
            self.faults.append(Fault(method, status=status, **kw))

    def _fault(self, request: web.Request) -> Fault | None:
        with self.lock:
            self.calls.append((request.method, request.path))
            for i, f in enumerate(self.faults):
                if f.method == request.method and f.path_contains in request.path:
                    return self.faults.pop(i)
        return None

    def count(self, method: str, contains: str = "") -> int:
        return sum(1 for m, p in self.calls if m == method and contains in p)


def _drop(request: web.Request) -> web.Response:
    """The platform applied the change, then the connection died before the answer."""
    assert request.transport is not None
    request.transport.abort()
    return web.Response(status=500)


# -- Google Business Profile -----------------------------------------------------------


def google_error(code: int, status: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "status": status}}, status=code
    )


@dataclass
class FakeGoogle(FakeBase):
    account: str = "111"
    client_id: str = "cid"
    client_secret: str = "csecret"
    refresh_token: str = "rt-good"
    reviews: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    issued: int = 0
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC))

    def add_review(
        self,
        location: str,
        review_id: str,
        *,
        stars: str = "ONE",
        comment: str | None = "Terrible wait.",
        name: str = "Jordan Quill",
        minutes_ago: int = 60,
        anonymous: bool = False,
    ) -> str:
        when = (self.now - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
        resource = f"accounts/{self.account}/locations/{location}/reviews/{review_id}"
        review: dict[str, Any] = {
            "name": resource,
            "reviewId": review_id,
            "reviewer": {"displayName": name, "isAnonymous": anonymous},
            "starRating": stars,
            "createTime": when,
            "updateTime": when,
        }
        if comment is not None:
            review["comment"] = comment
        self.reviews.setdefault(location, []).append(review)
        return resource

    def reply_count(self) -> int:
        return len(self.replies)

    def _find(self, location: str, review_id: str) -> dict[str, Any] | None:
        for r in self.reviews.get(location, []):
            if r["reviewId"] == review_id:
                return r
        return None

    def _view(self, review: dict[str, Any]) -> dict[str, Any]:
        out = dict(review)
        if review["name"] in self.replies:
            out["reviewReply"] = self.replies[review["name"]]
        return out

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/token", self.token)
        base = "/v4/accounts/{account}/locations/{location}/reviews"
        app.router.add_get(base, self.list_reviews)
        app.router.add_get(base + "/{review}", self.get_review)
        app.router.add_put(base + "/{review}/reply", self.put_reply)
        app.router.add_delete(base + "/{review}/reply", self.delete_reply)
        return app

    async def token(self, request: web.Request) -> web.Response:
        fault = self._fault(request)
        if fault is not None:
            return web.json_response(fault.body or {}, status=fault.status, headers=fault.headers)
        form = await request.post()
        if form.get("grant_type") != "refresh_token":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "Unauthorized"}, status=401
            )
        if form.get("refresh_token") != self.refresh_token:
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Bad Request"}, status=400
            )
        self.issued += 1
        token = f"ya29.fake-{self.issued}"
        self.tokens.add(token)
        return web.json_response(
            {
                "access_token": token,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/business.manage",
                "token_type": "Bearer",
            }
        )

    def _auth(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.tokens:
            return google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials.",
            )
        if request.match_info.get("account") != self.account:
            return google_error(403, "PERMISSION_DENIED", "The caller does not have permission")
        return None

    def _pre(self, request: web.Request) -> web.Response | Fault | None:
        fault = self._fault(request)
        if fault is not None and not fault.drop_after_apply:
            return web.json_response(
                fault.body
                if fault.body is not None
                else {"error": {"code": fault.status, "message": "fault", "status": "INTERNAL"}},
                status=fault.status,
                headers=fault.headers,
            )
        denied = self._auth(request)
        if denied is not None:
            return denied
        return fault

    async def list_reviews(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        location = request.match_info["location"]
        if location not in self.reviews:
            return google_error(404, "NOT_FOUND", "Requested entity was not found.")
        try:
            size = min(int(request.query.get("pageSize", "50")), 50)
        except ValueError:
            return google_error(400, "INVALID_ARGUMENT", "Invalid pageSize")
        token = request.query.get("pageToken", "")
        if token and not token.startswith("p"):
            return google_error(400, "INVALID_ARGUMENT", "Invalid page token")
        offset = int(token[1:]) if token else 0
        ordered = sorted(self.reviews[location], key=lambda r: r["updateTime"], reverse=True)
        page = ordered[offset : offset + size]
        body: dict[str, Any] = {
            "reviews": [self._view(r) for r in page],
            "averageRating": 2.5,
            "totalReviewCount": len(ordered),
        }
        if offset + size < len(ordered):
            body["nextPageToken"] = f"p{offset + size}"
        return web.json_response(body)

    async def get_review(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        review = self._find(request.match_info["location"], request.match_info["review"])
        if review is None:
            return google_error(404, "NOT_FOUND", "Requested entity was not found.")
        return web.json_response(self._view(review))

    async def put_reply(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        review = self._find(request.match_info["location"], request.match_info["review"])
        if review is None:
            return google_error(404, "NOT_FOUND", "Requested entity was not found.")
        body = await request.json()
        comment = body.get("comment") if isinstance(body, dict) else None
        if not isinstance(comment, str) or not comment:
            return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
        if len(comment.encode()) > 4096:
            return google_error(400, "INVALID_ARGUMENT", "comment too long")
        reply = {"comment": comment, "updateTime": self.now.isoformat().replace("+00:00", "Z")}
        with self.lock:
            self.replies[review["name"]] = reply
        if isinstance(pre, Fault) and pre.drop_after_apply:
            return _drop(request)
        return web.json_response(reply)

    async def delete_reply(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        review = self._find(request.match_info["location"], request.match_info["review"])
        if review is None or review["name"] not in self.replies:
            return google_error(404, "NOT_FOUND", "Requested entity was not found.")
        del self.replies[review["name"]]
        return web.json_response({})


@contextmanager
def serve(fake: Any) -> Iterator[str]:
    with serve_in_thread(fake.app) as url:
        yield url


# -- RSS / Atom ---------------------------------------------------------------------------


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>tag:google.com,2005:reader/user/1/state/com.google/alerts/1</id>
  <title>Google Alert - Mercy General</title>
  <updated>2026-11-27T12:00:00Z</updated>
{entries}
</feed>"""

ENTRY = """  <entry>
    <id>{id}</id>
    <title type="html">{title}</title>
    <link href="{link}"/>
    <published>{published}</published>
    <updated>{published}</updated>
    <content type="html">{content}</content>
    <author><name/></author>
  </entry>"""


@dataclass
class FakeFeed(FakeBase):
    entries: list[dict[str, str]] = field(default_factory=list)
    etag: str = '"v1"'
    raw: bytes | None = None

    def add(
        self, ident: str, title: str, content: str, link: str = "https://news.example/a"
    ) -> None:
        self.entries.append(
            {
                "id": ident,
                "title": title,
                "content": content,
                "link": link,
                "published": "2026-11-27T10:00:00Z",
            }
        )
        self.etag = f'"v{len(self.entries) + 1}"'

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        from xml.sax.saxutils import escape

        parts = [
            ENTRY.format(
                id=escape(e["id"]),
                title=escape(e["title"]),
                link=escape(e["link"]),
                published=e["published"],
                content=escape(e["content"]),
            )
            for e in self.entries
        ]
        return ATOM.format(entries="\n".join(parts)).encode()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/alerts/feeds/{feed}", self.feed)
        return app

    async def feed(self, request: web.Request) -> web.Response:
        fault = self._fault(request)
        if fault is not None:
            return web.Response(status=fault.status, headers=fault.headers)
        if request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        return web.Response(
            body=self.body(),
            content_type="application/atom+xml",
            headers={"ETag": self.etag},
        )


def dumps(value: Any) -> str:
    return json.dumps(value)


# -- Facebook Graph API -----------------------------------------------------------------


def graph_error(
    code: int, message: str, status: int = 400, subcode: int | None = None
) -> web.Response:
    err: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbC",
    }
    if subcode is not None:
        err["error_subcode"] = subcode
    return web.json_response({"error": err}, status=status)


@dataclass
class FakeFacebook(FakeBase):
    page_id: str = "1000"
    token: str = "EAAB-page"
    posts: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC))

    @staticmethod
    def _time(when: datetime) -> str:
        return when.strftime("%Y-%m-%dT%H:%M:%S+0000")

    def add_post(self) -> str:
        post_id = f"{self.page_id}_{len(self.posts) + 1}"
        self.posts.append({"id": post_id, "created_time": self._time(self.now)})
        return post_id

    def add_comment(
        self,
        parent: str,
        message: str,
        *,
        who: str = "Sam Lee",
        uid: str = "77",
        minutes_ago: int = 30,
    ) -> str:
        cid = f"{parent.split('_')[-1]}_{self.next_id}"
        self.next_id += 1
        self.comments[cid] = {
            "id": cid,
            "message": message,
            "created_time": self._time(self.now - timedelta(minutes=minutes_ago)),
            "from": {"id": uid, "name": who},
            "parent": parent,
            "permalink_url": f"https://www.facebook.com/{cid}",
        }
        return cid

    def page_replies(self, parent: str) -> list[dict[str, Any]]:
        return [
            c
            for c in self.comments.values()
            if c["parent"] == parent and c["from"]["id"] == self.page_id
        ]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v19.0/{obj}", self.get_object)
        app.router.add_delete("/v19.0/{obj}", self.delete_object)
        app.router.add_get("/v19.0/{obj}/{edge}", self.get_edge)
        app.router.add_post("/v19.0/{obj}/comments", self.post_comment)
        return app

    def _pre(self, request: web.Request) -> web.Response | Fault | None:
        fault = self._fault(request)
        if fault is not None and not fault.drop_after_apply:
            return web.json_response(fault.body or {}, status=fault.status, headers=fault.headers)
        if (
            request.headers.get("Authorization") != f"Bearer {self.token}"
            or "access_token" in request.query
        ):
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        return fault

    def _missing(self, obj: str) -> web.Response:
        return graph_error(
            100,
            f"Unsupported get request. Object with ID '{obj}' does not exist",
            subcode=33,
        )

    def _public(self, c: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in c.items() if k != "parent"}

    async def get_object(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        obj = request.match_info["obj"]
        if obj == self.page_id:
            return web.json_response({"id": self.page_id, "name": "Mercy General"})
        if obj in self.comments:
            return web.json_response(self._public(self.comments[obj]))
        return self._missing(obj)

    async def delete_object(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        obj = request.match_info["obj"]
        if obj not in self.comments:
            return self._missing(obj)
        del self.comments[obj]
        return web.json_response({"success": True})

    async def get_edge(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        obj, edge = request.match_info["obj"], request.match_info["edge"]
        if obj == self.page_id and edge == "feed":
            return web.json_response({"data": list(reversed(self.posts)), "paging": {}})
        if obj == self.page_id and edge == "ratings":
            return graph_error(100, "(#100) Tried accessing nonexisting field (ratings)")
        if edge != "comments":
            return graph_error(100, f"(#100) Unknown edge {edge}")
        if obj not in self.comments and not any(p["id"] == obj for p in self.posts):
            return self._missing(obj)
        items = [self._public(c) for c in self.comments.values() if c["parent"] == obj]
        since = request.query.get("since")
        if since:
            items = [c for c in items if _fb_ts(c["created_time"]) >= int(since)]
        if request.query.get("order") == "reverse_chronological":
            items.sort(key=lambda c: c["created_time"], reverse=True)
        limit = int(request.query.get("limit", "25"))
        offset = int(request.query.get("after", "0") or 0)
        page = items[offset : offset + limit]
        paging: dict[str, Any] = {"cursors": {"before": str(offset), "after": str(offset + limit)}}
        if offset + limit < len(items):
            paging["next"] = (
                f"https://graph.facebook.com/v19.0/{obj}/comments?after={offset + limit}"
            )
        return web.json_response({"data": page, "paging": paging})

    async def post_comment(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        obj = request.match_info["obj"]
        if obj not in self.comments:
            return self._missing(obj)
        form = await request.post()
        message = form.get("message")
        if not isinstance(message, str) or not message:
            return graph_error(100, "(#100) The parameter message is required")
        cid = self.add_comment(obj, message, who="Mercy General", uid=self.page_id, minutes_ago=0)
        if isinstance(pre, Fault) and pre.drop_after_apply:
            return _drop(request)
        return web.json_response({"id": cid})


def _fb_ts(value: str) -> int:
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").timestamp())


# -- X API v2 -----------------------------------------------------------------------------


def x_problem(status: int, title: str, detail: str) -> web.Response:
    return web.json_response(
        {"title": title, "detail": detail, "type": "about:blank", "status": status}, status=status
    )


@dataclass
class FakeX(FakeBase):
    user_id: str = "900"
    bearer: str = "AAAA-app"
    user_token: str = "user-ctx"
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    reply_allowed: set[str] = field(default_factory=set)
    next_id: int = 1_800_000_000_000_000_000

    def add_mention(
        self, text: str, *, username: str = "angry_pat", allow_reply: bool = True
    ) -> str:
        self.next_id += 1
        tid = str(self.next_id)
        uid = str(abs(hash(username)) % 10_000 + 1)
        self.users[uid] = {"id": uid, "name": username.title(), "username": username}
        self.tweets[tid] = {
            "id": tid,
            "text": text,
            "author_id": uid,
            "created_at": "2026-11-27T11:00:00.000Z",
            "mentions": [self.user_id],
        }
        if allow_reply:
            self.reply_allowed.add(tid)
        return tid

    def our_replies(self, to: str) -> list[dict[str, Any]]:
        return [t for t in self.tweets.values() if t.get("in_reply_to") == to]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/2/users/{uid}/mentions", self.mentions)
        app.router.add_get("/2/users/{uid}/tweets", self.timeline)
        app.router.add_get("/2/users/{uid}", self.user)
        app.router.add_post("/2/tweets", self.post)
        app.router.add_get("/2/tweets/{tid}", self.get_tweet)
        app.router.add_delete("/2/tweets/{tid}", self.delete)
        return app

    def _pre(self, request: web.Request, *, write: bool = False) -> web.Response | Fault | None:
        fault = self._fault(request)
        if fault is not None and not fault.drop_after_apply:
            return web.json_response(fault.body or {}, status=fault.status, headers=fault.headers)
        wanted = self.user_token if write else self.bearer
        if request.headers.get("Authorization") != f"Bearer {wanted}":
            return x_problem(401, "Unauthorized", "Unauthorized")
        return fault

    def _view(self, t: dict[str, Any]) -> dict[str, Any]:
        out = {"id": t["id"], "text": t["text"].replace("&", "&amp;"), "author_id": t["author_id"]}
        out["created_at"] = t["created_at"]
        if t.get("in_reply_to"):
            out["referenced_tweets"] = [{"type": "replied_to", "id": t["in_reply_to"]}]
        return out

    async def user(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        if request.match_info["uid"] != self.user_id:
            return web.json_response(
                {"errors": [{"title": "Not Found Error", "detail": "Could not find user"}]}
            )
        return web.json_response(
            {"data": {"id": self.user_id, "name": "Mercy", "username": "mercy"}}
        )

    async def mentions(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        if request.match_info["uid"] != self.user_id:
            return x_problem(404, "Not Found Error", "Could not find user")
        items = sorted(
            (t for t in self.tweets.values() if self.user_id in t.get("mentions", [])),
            key=lambda t: int(t["id"]),
            reverse=True,
        )
        since = request.query.get("since_id")
        if since:
            items = [t for t in items if int(t["id"]) > int(since)]
        size = int(request.query.get("max_results", "10"))
        offset = int(request.query.get("pagination_token", "0") or 0)
        page = items[offset : offset + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if offset + size < len(items):
            meta["next_token"] = str(offset + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._view(t) for t in page]
            body["includes"] = {"users": [self.users[t["author_id"]] for t in page]}
        return web.json_response(body)

    async def timeline(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        ours = [self._view(t) for t in self.tweets.values() if t["author_id"] == self.user_id]
        return web.json_response({"data": ours, "meta": {"result_count": len(ours)}})

    async def post(self, request: web.Request) -> web.Response:
        pre = self._pre(request, write=True)
        if isinstance(pre, web.Response):
            return pre
        body = await request.json()
        text = body.get("text")
        to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not isinstance(text, str) or not text or len(text) > 280:
            return x_problem(
                400, "Invalid Request", "One or more parameters to your request was invalid."
            )
        if to is not None and to not in self.reply_allowed:
            return x_problem(
                403,
                "Forbidden",
                "Reply to this conversation is not allowed because you have not been mentioned or "
                "otherwise engaged by the author of the post you are replying to.",
            )
        self.next_id += 1
        tid = str(self.next_id)
        self.tweets[tid] = {
            "id": tid,
            "text": text,
            "author_id": self.user_id,
            "created_at": "2026-11-27T12:00:00.000Z",
            "in_reply_to": to,
        }
        if isinstance(pre, Fault) and pre.drop_after_apply:
            return _drop(request)
        return web.json_response(
            {"data": {"id": tid, "text": text, "edit_history_tweet_ids": [tid]}}, status=201
        )

    async def get_tweet(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        t = self.tweets.get(request.match_info["tid"])
        if t is None:
            return web.json_response(
                {
                    "errors": [
                        {
                            "title": "Not Found Error",
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                }
            )
        return web.json_response({"data": self._view(t)})

    async def delete(self, request: web.Request) -> web.Response:
        pre = self._pre(request, write=True)
        if isinstance(pre, web.Response):
            return pre
        self.tweets.pop(request.match_info["tid"], None)
        return web.json_response({"data": {"deleted": True}})


# -- Yelp partner Respond-to-Reviews API ----------------------------------------------


def yelp_error(status: int, ident: str, description: str) -> web.Response:
    """Yelp's documented error body: ``{"error": {"id", "description", "http_code"}}``."""
    return web.json_response(
        {"error": {"id": ident, "description": description, "http_code": str(status)}},
        status=status,
    )


@dataclass
class FakeYelp(FakeBase):
    """``POST /reviews/v1/{review_id}`` (``response_text``, ``response_type``
    ``public_comment``) and ``GET /v1/business_owner/me/profile``, with the documented
    ``R2R_*`` errors. No endpoint reads or deletes a comment (none is documented)."""

    token: str = "yelp-access-token"
    reviews: set[str] = field(default_factory=set)
    comments: dict[str, list[str]] = field(default_factory=dict)
    comments_allowed: bool = True

    def add_review(self, review_id: str) -> str:
        self.reviews.add(review_id)
        return review_id

    def comment_count(self) -> int:
        return sum(len(v) for v in self.comments.values())

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/reviews/v1/{review}", self.respond)
        app.router.add_get("/v1/business_owner/me/profile", self.profile)
        return app

    def _pre(self, request: web.Request) -> web.Response | Fault | None:
        fault = self._fault(request)
        if fault is not None and not fault.drop_after_apply:
            return web.json_response(
                fault.body
                if fault.body is not None
                else {"error": {"id": "INTERNAL_ERROR", "description": "fault"}},
                status=fault.status,
                headers=fault.headers,
            )
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return yelp_error(
                401,
                "INVALID_TOKEN",
                "The access token provided is expired, revoked, malformed, or invalid "
                "for other reasons.",
            )
        return fault

    async def profile(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        return web.json_response(
            {
                "first_name": "Chris",
                "last_name": "Sample",
                "position": "MANAGER",
                "id": "ziUn-iIXzXAuv-hUpCOadA",
            }
        )

    async def respond(self, request: web.Request) -> web.Response:
        pre = self._pre(request)
        if isinstance(pre, web.Response):
            return pre
        if not self.comments_allowed:
            return yelp_error(
                400,
                "R2R_COMMENTS_NOT_ALLOWED",
                "This location does not include the respond-to-reviews feature.",
            )
        review = request.match_info["review"]
        try:
            body = await request.json()
        except ValueError:
            return yelp_error(400, "INVALID_REQUEST", "Missing a required parameter.")
        if not isinstance(body, dict) or body.get("response_type") != "public_comment":
            return yelp_error(400, "R2R_INVALID_RESPONSE_TYPE", "Invalid response type.")
        if review not in self.reviews:
            return yelp_error(400, "R2R_REVIEW_DOES_NOT_EXIST", "Review does not exist.")
        text = body.get("response_text")
        with self.lock:
            posted = self.comments.get(review, [])
            if not isinstance(text, str) or not text.strip() or len(text) > 5000 or text in posted:
                return yelp_error(400, "R2R_INVALID_RESPONSE_TEXT", "Invalid response text.")
            self.comments.setdefault(review, []).append(text)
        if isinstance(pre, Fault) and pre.drop_after_apply:
            return _drop(request)
        return web.json_response({})

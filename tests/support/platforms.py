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

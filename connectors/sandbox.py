"""A local Google Business Profile for the demo (``make run`` without credentials): the
v4 review paths and payloads, Google's OAuth token endpoint and error shape, in memory on
a loopback port. Not for production use; the tests use the richer fakes in
``tests/support/platforms.py``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

ACCOUNT = "100200300"
LOCATION = "5550001"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's own, throw-away
REFRESH_TOKEN = "sandbox-refresh"  # noqa: S105 - the sandbox's own, throw-away


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error(code: int, status: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "status": status}}, status=code
    )


@dataclass
class GoogleSandbox:
    reviews: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)

    def add_review(self, review_id: str, name: str, stars: str, comment: str) -> str:
        resource = f"accounts/{ACCOUNT}/locations/{LOCATION}/reviews/{review_id}"
        self.reviews.append(
            {
                "name": resource,
                "reviewId": review_id,
                "reviewer": {"displayName": name, "isAnonymous": False},
                "starRating": stars,
                "comment": comment,
                "createTime": _now(),
                "updateTime": _now(),
            }
        )
        return resource

    def settings(self, base: str) -> dict[str, str]:
        """The GBP_* settings that point Countersign at this sandbox."""
        return {
            "GBP_BASE_URL": f"{base}/v4/",
            "GBP_TOKEN_URL": f"{base}/token",
            "GBP_CLIENT_ID": CLIENT_ID,
            "GBP_CLIENT_SECRET": CLIENT_SECRET,
            "GBP_REFRESH_TOKEN": REFRESH_TOKEN,
            "GBP_ACCOUNT_ID": ACCOUNT,
            "GBP_LOCATION_IDS": LOCATION,
        }

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/token", self._token)
        base = "/v4/accounts/{account}/locations/{location}/reviews"
        app.router.add_get(base, self._list)
        app.router.add_get(base + "/{review}", self._get)
        app.router.add_put(base + "/{review}/reply", self._reply)
        return app

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("refresh_token") != REFRESH_TOKEN:
            return web.json_response({"error": "invalid_grant"}, status=400)
        token = "ya29.sandbox-" + secrets.token_hex(8)
        self.tokens.add(token)
        return web.json_response(
            {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    def _denied(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if header.removeprefix("Bearer ") not in self.tokens:
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if (request.match_info["account"], request.match_info["location"]) != (ACCOUNT, LOCATION):
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        return None

    def _view(self, review: dict[str, Any]) -> dict[str, Any]:
        reply = self.replies.get(review["name"])
        return {**review, "reviewReply": reply} if reply else dict(review)

    def _find(self, request: web.Request) -> dict[str, Any] | None:
        wanted = request.match_info["review"]
        return next((r for r in self.reviews if r["reviewId"] == wanted), None)

    async def _list(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        ordered = sorted(self.reviews, key=lambda r: r["updateTime"], reverse=True)
        return web.json_response(
            {"reviews": [self._view(r) for r in ordered], "totalReviewCount": len(ordered)}
        )

    async def _get(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        review = self._find(request)
        if denied is not None or review is None:
            return denied or _error(404, "NOT_FOUND", "Requested entity was not found.")
        return web.json_response(self._view(review))

    async def _reply(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        review = self._find(request)
        if denied is not None or review is None:
            return denied or _error(404, "NOT_FOUND", "Requested entity was not found.")
        body = await request.json()
        comment = body.get("comment") if isinstance(body, dict) else None
        if not isinstance(comment, str) or not comment:
            return _error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
        self.replies[review["name"]] = {"comment": comment, "updateTime": _now()}
        return web.json_response(self.replies[review["name"]])

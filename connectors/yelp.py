"""Yelp: the partner Respond-to-Reviews (R2R) API when it is enabled, else by hand.

What Yelp documents (docs.developer.yelp.com, "Respond to Reviews API", a partner API
that Yelp enables per partner):

- ``POST {YELP_PARTNER_BASE_URL}reviews/v1/{review_id}`` with a JSON body
  ``{"response_text": …, "response_type": "public_comment"}`` and the business user's
  OAuth access token as ``Authorization: Bearer …``. The review id comes from Yelp's
  Full-text Review API or a partner feed; Countersign takes it from the mention's
  external id (mentions with ``source`` ``yelp``, arriving by webhook or import).
- ``GET {YELP_PARTNER_BASE_URL}v1/business_owner/me/profile``: the business user the
  token belongs to (``sources test yelp``).
- Errors: ``{"error": {"id", "description", "http_code"}}``; ``INVALID_TOKEN`` (401),
  ``INSUFFICIENT_SCOPE`` (400), ``R2R_*`` ids (400) such as ``R2R_REVIEW_DOES_NOT_EXIST``,
  ``R2R_INVALID_RESPONSE_TEXT`` (empty, over 5,000 characters, foul language, or too
  similar to a comment already posted) and ``R2R_COMMENT_QUOTA_EXCEEDED`` (20 comments
  per location per business user per day). Emojis are not supported.

What Yelp does not document, and how this module copes (docs/connectors.md):

- the success body of the POST: any 2xx means the comment was taken; the body is not
  read, and the reply is identified by its review id;
- reading a business owner's comment back, or deleting it: there is no such endpoint.
  So ``delete`` is ``ManualOnly`` (the takedown note says how to delete it by hand), and
  ``read_back`` answers only what this process knows: ``None`` (nothing there) when its
  last POST for that review got an HTTP answer that is not success (429, 5xx, a
  refusal) or never left (host unreachable); otherwise — the connection broke after the
  POST was sent, or another process or a crashed one made the attempt — it raises
  ``ManualOnly`` and the reply is handed over for a person to check Yelp and post or
  *Mark as posted*: a reply is never sent to Yelp twice;
- rate limits: an HTTP 429 with ``Retry-After`` is honoured like the other platforms.

The access token is valid for seven days (Yelp's OAuth docs); this build does not
refresh it: a 401 names ``YELP_PARTNER_TOKEN``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from connectors.http import HttpClient, Settings, join
from workflows.platforms import (
    Ambiguous,
    AuthFailed,
    BadResponse,
    ManualOnly,
    NotFoundOnPlatform,
    PlatformCopy,
    PlatformError,
    RateLimited,
    Refused,
    Target,
)

SOURCE = "yelp"
PLATFORM = "yelp"
NAMES = Settings(base="YELP_PARTNER_BASE_URL", auth="YELP_PARTNER_TOKEN")
MAX_CHARS = 5000
QUOTA_WAIT = 6 * 3600.0  # R2R_COMMENT_QUOTA_EXCEEDED: 20 comments a day per location
_REMEMBER = 10_000

# Yelp will not take replies through the API for this business or business user, but a
# person can still answer on biz.yelp.com: hand the reply over (ManualOnly).
_BY_HAND = frozenset(
    {
        "R2R_COMMENTS_NOT_ALLOWED",
        "R2R_PUBLIC_COMMENTS_DISABLED",
        "R2R_BUSINESS_NOT_CLAIMED",
        "R2R_PERMISSION_DENIED",
        "R2R_PROBLEM_WITH_USER_PHOTO",
        "R2R_UNACCEPTABLE_BIZ_USER_NAME",
    }
)

_NOT_APPLIED = "not_applied"
_UNKNOWN = "unknown"
_POSTED = "posted"


def yelp_error(response: httpx.Response, names: Settings) -> PlatformError | None:
    """Yelp's ``{"error": {"id", "description", "http_code"}}``: only the id is kept
    (the description is Yelp's prose; it never reaches logs or the thread)."""
    try:
        body = response.json()
    except ValueError:
        return None
    err = body.get("error") if isinstance(body, dict) else None
    ident = err.get("id") if isinstance(err, dict) else None
    if not isinstance(ident, str) or not ident:
        return None
    status = response.status_code
    code = ident.lower()[:40]
    if ident == "INVALID_TOKEN":
        return AuthFailed(
            code, setting=names.auth, status=status, detail="Yelp refused the access token"
        )
    if ident == "INSUFFICIENT_SCOPE":
        return AuthFailed(
            code,
            setting=names.auth,
            status=status,
            detail="the access token lacks the r2r scope",
        )
    if ident == "R2R_REVIEW_DOES_NOT_EXIST":
        return NotFoundOnPlatform(code, status=status, detail="the review does not exist")
    if ident == "R2R_COMMENT_QUOTA_EXCEEDED":
        return RateLimited(code, status=status, after=QUOTA_WAIT)
    if ident in _BY_HAND:
        return ManualOnly(code, status=status)
    if status in (401, 403, 429) or status >= 500:
        return None  # the generic mapping (Retry-After included)
    return Refused(code, status=status)


def _has_emoji(text: str) -> bool:
    return any(
        ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) <= 0x27BF or ord(ch) == 0xFE0F for ch in text
    )


@dataclass
class YelpManual:
    """``YELP_PARTNER_API_ENABLED`` is off: replies to Yelp are posted by hand."""

    base_url: str
    business_ids: Sequence[str]
    name: str = SOURCE

    def describe(self) -> str:
        return (
            f"{len(self.business_ids)} business(es); replies are posted by hand "
            "(YELP_PARTNER_API_ENABLED is off)"
        )


@dataclass
class YelpPartner:
    """The Respond-to-Reviews publisher (not a polled source: Yelp mentions arrive by
    webhook or import with ``source`` ``yelp`` and the Yelp review id as external id)."""

    http: HttpClient
    base_url: str
    token: str
    business_ids: Sequence[str]
    name: str = SOURCE
    # review id -> what this process knows of its last POST (bounded, oldest dropped)
    _last: OrderedDict[str, str] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _note(self, review_id: str, state: str) -> None:
        with self._lock:
            self._last[review_id] = state
            self._last.move_to_end(review_id)
            while len(self._last) > _REMEMBER:
                self._last.popitem(last=False)

    def check(self) -> str:
        response = self.http.request(
            "GET",
            join(self.base_url, "v1/business_owner/me/profile"),
            NAMES,
            headers=self._headers(),
            classify=yelp_error,
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("id"):
            raise BadResponse("no_profile", setting=NAMES.base, status=response.status_code)
        return (
            f"access token accepted; {len(self.business_ids)} business(es); "
            "replies through the Respond-to-Reviews API"
        )

    def publish(self, target: Target, text: str) -> str | None:
        review_id = target.external_id
        if target.location and target.location not in self.business_ids:
            raise ManualOnly("business_not_configured", setting="YELP_BUSINESS_IDS")
        if _has_emoji(text):
            raise ManualOnly("emoji_not_supported_by_yelp")
        if len(text) > MAX_CHARS:
            raise Refused("too_long_for_yelp")
        self._note(review_id, _UNKNOWN)
        try:
            self.http.request(
                "POST",
                join(self.base_url, f"reviews/v1/{review_id}"),
                NAMES,
                headers=self._headers(),
                json={"response_text": text, "response_type": "public_comment"},
                classify=yelp_error,
            )
        except Ambiguous:
            raise  # sent, answer lost: stays unknown, a retry is handed over
        except PlatformError:
            self._note(review_id, _NOT_APPLIED)  # Yelp answered no, or it never left
            raise
        self._note(review_id, _POSTED)
        return review_id

    def read_back(self, target: Target) -> PlatformCopy | None:
        with self._lock:
            state = self._last.get(target.external_id)
        if state == _NOT_APPLIED:
            return None
        raise ManualOnly("yelp_cannot_read_back")

    def delete(self, target: Target) -> None:
        raise ManualOnly("yelp_has_no_delete_api")

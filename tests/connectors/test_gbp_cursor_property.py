"""Property: whatever arrives between polls, whatever the page size, and wherever a page
fails, polling Google with the cursor kept only after a successful poll misses no review
(a review offered again, at the cursor's exact time, is absorbed by ingest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.gbp import GoogleBusinessProfile
from connectors.http import HttpClient
from workflows.platforms import PlatformError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Model:
    def __init__(self) -> None:
        self.reviews: list[dict[str, Any]] = []
        self.fail_on_page: int | None = None

    def add(self, minute: int) -> None:
        rid = f"r{len(self.reviews)}"
        when = (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
        self.reviews.append(
            {
                "name": f"accounts/1/locations/L/reviews/{rid}",
                "reviewId": rid,
                "reviewer": {"displayName": "A B"},
                "starRating": "ONE",
                "comment": "bad",
                "createTime": when,
                "updateTime": when,
            }
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        size = int(request.url.params.get("pageSize", "50"))
        token = request.url.params.get("pageToken", "")
        offset = int(token) if token else 0
        page_no = offset // size
        if self.fail_on_page is not None and page_no == self.fail_on_page:
            self.fail_on_page = None
            return httpx.Response(503)
        ordered = sorted(self.reviews, key=lambda r: r["updateTime"], reverse=True)
        body: dict[str, Any] = {"reviews": ordered[offset : offset + size]}
        if offset + size < len(ordered):
            body["nextPageToken"] = str(offset + size)
        return httpx.Response(200, json=body)


step = st.tuples(
    st.lists(st.integers(min_value=0, max_value=5), max_size=6),  # minutes after the last
    st.one_of(st.none(), st.integers(min_value=0, max_value=3)),  # a page that fails
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=4), st.lists(step, min_size=1, max_size=8))
def test_no_review_is_missed(page_size: int, steps: list) -> None:  # type: ignore[type-arg]
    model = Model()
    gbp = GoogleBusinessProfile(
        HttpClient(transport=httpx.MockTransport(model.handler), retries=0),
        base_url="https://gbp.test/v4/",
        token_url="https://gbp.test/token",
        client_id="c",
        client_secret="s",
        refresh_token="r",
        account_id="1",
        location_ids=("L",),
        page_size=page_size,
        max_pages=1000,
    )
    cursor: str | None = None
    seen: dict[str, int] = {}
    minute = 0
    for adds, fail in steps:
        for delta in adds:
            minute += delta
            model.add(minute)
        model.fail_on_page = fail
        try:
            page = gbp.poll(cursor)
        except PlatformError:
            continue  # nothing ingested, cursor kept: the next poll starts over
        for m in page.mentions:
            seen[m.external_id] = seen.get(m.external_id, 0) + 1
        cursor = page.cursor
    model.fail_on_page = None
    final = gbp.poll(cursor)
    for m in final.mentions:
        seen[m.external_id] = seen.get(m.external_id, 0) + 1
    assert set(seen) == {r["name"] for r in model.reviews}, "nothing skipped"

"""Google Business Profile against a local fake of the v4 API and Google's token
endpoint: OAuth refresh, pagination with pageToken, cursor, errors, reply, read-back,
delete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.gbp import GoogleBusinessProfile, review_to_mention
from connectors.http import HttpClient
from tests.support.platforms import FakeGoogle, serve
from workflows.platforms import AuthFailed, NotFoundOnPlatform, RateLimited, Target


@pytest.fixture
def google() -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle()
    with serve(fake) as url:
        yield fake, url


def connector(url: str, **kw) -> GoogleBusinessProfile:  # type: ignore[no-untyped-def]
    values = {
        "base_url": url + "/v4/",
        "token_url": url + "/token",
        "client_id": "cid",
        "client_secret": "csecret",
        "refresh_token": "rt-good",
        "account_id": "111",
        "location_ids": ("L1",),
        "page_size": 2,
    }
    values.update(kw)
    return GoogleBusinessProfile(HttpClient(sleep=lambda s: None), **values)  # type: ignore[arg-type]


def test_pages_through_reviews_and_the_cursor_stops_at_what_was_seen(google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    for i in range(5):
        fake.add_review("L1", f"r{i}", minutes_ago=100 - i, name=f"Reviewer {i}")
    gbp = connector(url)
    page = gbp.poll(None)
    assert [m.external_id.rsplit("/", 1)[1] for m in page.mentions] == [
        "r4",
        "r3",
        "r2",
        "r1",
        "r0",
    ]
    first = page.mentions[0]
    assert (first.source, first.platform, first.rating, first.location) == (
        "gbp",
        "google",
        1,
        "L1",
    )
    assert first.external_id == "accounts/111/locations/L1/reviews/r4"
    assert fake.count("GET", "/reviews") == 3  # pageSize 2: three pages
    fake.add_review("L1", "r5", minutes_ago=10)
    again = gbp.poll(page.cursor)
    ids = [m.external_id.rsplit("/", 1)[1] for m in again.mentions]
    assert ids[0] == "r5" and "r0" not in ids, "stops paging at the reviews already seen"


def test_token_is_cached_and_refreshed_once_on_401(google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    fake.add_review("L1", "r1")
    gbp = connector(url)
    gbp.poll(None)
    gbp.poll(None)
    assert fake.issued == 1
    fake.tokens.clear()  # Google revoked the access token early
    gbp.poll(None)
    assert fake.issued == 2


def test_bad_refresh_token_names_the_setting(google) -> None:  # type: ignore[no-untyped-def]
    _fake, url = google
    with pytest.raises(AuthFailed) as info:
        connector(url, refresh_token="nope").check()
    assert info.value.setting == "GBP_REFRESH_TOKEN"
    with pytest.raises(AuthFailed) as info:
        connector(url, client_secret="wrong").check()
    assert "GBP_CLIENT_SECRET" in (info.value.setting or "")


def test_unknown_location_and_account(google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    fake.add_review("L1", "r1")
    with pytest.raises(NotFoundOnPlatform) as info:
        connector(url, location_ids=("L1", "L9")).poll(None)
    assert info.value.setting == "GBP_LOCATION_IDS"
    with pytest.raises(AuthFailed) as denied:
        connector(url, account_id="222").poll(None)
    assert denied.value.status == 403


def test_rate_limit_with_long_retry_after_is_returned_not_slept(google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    fake.add_review("L1", "r1")
    fake.fail("GET", 429, headers={"Retry-After": "90"})
    with pytest.raises(RateLimited) as info:
        connector(url).poll(None)
    assert info.value.after == 90.0


def test_reply_read_back_and_delete(google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    name = fake.add_review("L1", "r1")
    gbp = connector(url)
    target = Target("gbp", "google", name, "L1")
    assert gbp.read_back(target) is None
    assert gbp.publish(target, "Thank you — please call us.") == name
    assert gbp.publish(target, "Thank you — please call us.") == name
    assert fake.reply_count() == 1, "PUT is idempotent: one owner reply"
    copy = gbp.read_back(target)
    assert copy is not None and copy.text == "Thank you — please call us." and copy.state == "live"
    fake.replies[name]["state"] = "REJECTED"
    rejected = gbp.read_back(target)
    assert rejected is not None and rejected.state == "rejected"
    gbp.delete(target)
    assert fake.reply_count() == 0
    with pytest.raises(NotFoundOnPlatform):
        gbp.delete(target)


review_strategy = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.none(), st.text(max_size=300), st.integers()),
        "reviewer": st.one_of(
            st.none(),
            st.text(max_size=5),
            st.fixed_dictionaries(
                {},
                optional={
                    "displayName": st.one_of(st.none(), st.text(max_size=600)),
                    "isAnonymous": st.booleans(),
                },
            ),
        ),
        "starRating": st.sampled_from(["ONE", "FIVE", "STAR_RATING_UNSPECIFIED", "x", None]),
        "comment": st.one_of(st.none(), st.text(max_size=200)),
        "createTime": st.one_of(
            st.none(), st.text(max_size=40), st.just("2026-01-01T00:00:00.123456789Z")
        ),
        "reviewReplyUrl": st.one_of(st.none(), st.text(max_size=50)),
    },
)


@settings(max_examples=200, deadline=None)
@given(review_strategy)
def test_any_review_shape_becomes_a_valid_mention_or_none(review: dict) -> None:  # type: ignore[type-arg]
    mention = review_to_mention(review, "L1")
    if mention is not None:
        assert mention.source == "gbp" and mention.text and mention.author
        assert mention.rating in (None, 1, 5)

"""Yelp's partner Respond-to-Reviews API against a local fake following its documented
path, payload and error shape: publish, the error mapping (401/403/404/429/5xx and the
R2R_* ids), what read-back can and cannot say, takedown by hand."""

from __future__ import annotations

import pytest

from connectors.yelp import YelpPartner
from workflows.platforms import (
    Ambiguous,
    AuthFailed,
    ManualOnly,
    NotFoundOnPlatform,
    RateLimited,
    Refused,
    Target,
    Unavailable,
)

TEXT = "We're sorry. Please call Patient Relations at 555-0100."


def target(review: str = "rev-1", location: str | None = "biz-1") -> Target:
    return Target("yelp", "yelp", review, location)


def test_publishes_the_documented_payload_once(yelp) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    assert client.publish(target(), TEXT) == "rev-1"
    assert fake.comments == {"rev-1": [TEXT]} and fake.count("POST", "/reviews/v1/rev-1") == 1


def test_check_reads_the_business_owner_profile(yelp) -> None:  # type: ignore[no-untyped-def]
    _fake, client = yelp
    assert "access token accepted" in client.check()


@pytest.mark.parametrize(
    ("status", "kind", "setting"),
    [(401, AuthFailed, "YELP_PARTNER_TOKEN"), (403, AuthFailed, "YELP_PARTNER_TOKEN")],
)
def test_auth_errors_name_the_token(yelp, status, kind, setting) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    fake.fail("POST", status, body={"error": {"id": "FORBIDDEN", "description": "no"}})
    with pytest.raises(kind) as info:
        client.publish(target(), TEXT)
    assert info.value.setting == setting and info.value.status == status


def test_invalid_token_and_scope(yelp) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    client.token = "expired"
    with pytest.raises(AuthFailed) as info:
        client.check()
    assert (info.value.code, info.value.setting) == ("invalid_token", "YELP_PARTNER_TOKEN")
    client.token = fake.token
    fake.fail(
        "POST",
        400,
        body={"error": {"id": "INSUFFICIENT_SCOPE", "description": "x", "http_code": "400"}},
    )
    with pytest.raises(AuthFailed) as scope:
        client.publish(target(), TEXT)
    assert scope.value.setting == "YELP_PARTNER_TOKEN" and fake.comment_count() == 0


def test_missing_review_and_404(yelp) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    with pytest.raises(NotFoundOnPlatform) as info:
        client.publish(target("rev-404"), TEXT)
    assert info.value.code == "r2r_review_does_not_exist"
    fake.fail("POST", 404, body={})
    with pytest.raises(NotFoundOnPlatform):
        client.publish(target(), TEXT)
    assert fake.comment_count() == 0


def test_rate_limits_and_5xx_are_retryable_and_read_back_says_nothing_was_posted(yelp) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    fake.fail("POST", 429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as info:
        client.publish(target(), TEXT)
    assert info.value.after == 120.0
    assert client.read_back(target()) is None, "Yelp answered 429: nothing was posted"
    fake.fail("POST", 503)
    with pytest.raises(Unavailable):
        client.publish(target(), TEXT)
    assert client.read_back(target()) is None
    quota = {"error": {"id": "R2R_COMMENT_QUOTA_EXCEEDED", "description": "x"}}
    fake.fail("POST", 400, body=quota)
    with pytest.raises(RateLimited) as daily:
        client.publish(target(), TEXT)
    assert daily.value.after is not None and daily.value.after >= 3600
    assert client.publish(target(), TEXT) == "rev-1" and fake.comment_count() == 1


def test_a_dropped_connection_cannot_be_read_back(yelp) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    fake.fail("POST", drop_after_apply=True)
    with pytest.raises(Ambiguous):
        client.publish(target(), TEXT)
    assert fake.comment_count() == 1
    with pytest.raises(ManualOnly) as info:
        client.read_back(target())
    assert info.value.code == "yelp_cannot_read_back"
    fresh = YelpPartner(client.http, client.base_url, client.token, ("biz-1",))
    with pytest.raises(ManualOnly):  # another process (or a restart) knows nothing either
        fresh.read_back(target())


def test_refusals_and_hand_overs(yelp) -> None:  # type: ignore[no-untyped-def]
    fake, client = yelp
    with pytest.raises(Refused) as long:
        client.publish(target(), "x" * 5001)
    assert long.value.code == "too_long_for_yelp"
    with pytest.raises(ManualOnly) as emoji:
        client.publish(target(), "Sorry \U0001f64f")
    assert emoji.value.code == "emoji_not_supported_by_yelp"
    with pytest.raises(ManualOnly) as other:
        client.publish(target(location="biz-9"), TEXT)
    assert other.value.setting == "YELP_BUSINESS_IDS"
    fake.comments_allowed = False
    with pytest.raises(ManualOnly) as off:
        client.publish(target(), TEXT)
    assert off.value.code == "r2r_comments_not_allowed"
    fake.comments_allowed = True
    client.publish(target(), TEXT)
    with pytest.raises(Refused) as dup:
        client.publish(target(), TEXT)
    assert dup.value.code == "r2r_invalid_response_text" and fake.comment_count() == 1
    with pytest.raises(ManualOnly) as gone:
        client.delete(target())
    assert gone.value.code == "yelp_has_no_delete_api"

"""Facebook Page and X against local fakes of the Graph API and the X API v2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.facebook import FacebookPage, comment_to_mention
from connectors.http import HttpClient
from connectors.x import XMentions, tweet_to_mention
from tests.support.platforms import FakeFacebook, FakeX, serve
from workflows.platforms import AuthFailed, ManualOnly, RateLimited, Target


@pytest.fixture
def facebook() -> Iterator[tuple[FakeFacebook, FacebookPage]]:
    fake = FakeFacebook()
    with serve(fake) as url:
        yield fake, FacebookPage(HttpClient(retries=0), url + "/v19.0/", fake.page_id, fake.token)


@pytest.fixture
def x() -> Iterator[tuple[FakeX, XMentions]]:
    fake = FakeX()
    with serve(fake) as url:
        yield (
            fake,
            XMentions(
                HttpClient(retries=0), url + "/2/", fake.user_id, fake.bearer, fake.user_token
            ),
        )


def test_facebook_comments_pages_since_and_skips_the_page_itself(facebook) -> None:  # type: ignore[no-untyped-def]
    fake, fb = facebook
    post = fake.add_post()
    first = fake.add_comment(post, "Rude nurse at the front desk", minutes_ago=50)
    fake.add_comment(post, "Thanks for the feedback", who="Mercy General", uid=fake.page_id)
    for i in range(3):
        fake.add_comment(post, f"Comment {i}", minutes_ago=40 - i)
    fb.max_pages = 10
    page = fb.poll(None)
    assert first in {m.external_id for m in page.mentions}
    assert len(page.mentions) == 4, "ratings are not served: comments only; page's own skipped"
    m = next(m for m in page.mentions if m.external_id == first)
    assert (m.source, m.platform, m.author, m.location) == ("facebook", "facebook", "Sam Lee", post)
    fake.add_comment(post, "Still waiting for a call back", minutes_ago=1)
    later = fb.poll(page.cursor)
    assert [x.text for x in later.mentions] == ["Still waiting for a call back"]


def test_facebook_reply_read_back_after_a_dropped_connection_and_delete(facebook) -> None:  # type: ignore[no-untyped-def]
    fake, fb = facebook
    post = fake.add_post()
    comment = fake.add_comment(post, "Awful")
    target = Target("facebook", "facebook", comment, post)
    assert fb.read_back(target) is None
    fake.fail("POST", drop_after_apply=True)
    with pytest.raises(Exception) as info:
        fb.publish(target, "Please message us.")
    assert type(info.value).__name__ == "Ambiguous"
    copy = fb.read_back(target)
    assert copy is not None and copy.text == "Please message us." and copy.external_id
    published = Target(
        "facebook", "facebook", comment, post, published_external_id=copy.external_id
    )
    assert fb.read_back(published) == copy
    fb.delete(published)
    assert fake.page_replies(comment) == [] and fb.read_back(published) is None


def test_facebook_bad_token_is_code_190_naming_the_setting(facebook) -> None:  # type: ignore[no-untyped-def]
    _fake, fb = facebook
    fb.token = "expired"
    with pytest.raises(AuthFailed) as info:
        fb.check()
    assert info.value.setting == "FACEBOOK_PAGE_TOKEN" and info.value.status == 400


def test_x_mentions_since_id_pagination_and_authors(x) -> None:  # type: ignore[no-untyped-def]
    fake, client = x
    ids = [fake.add_mention(f"@mercy bad visit {i} & worse", username=f"user{i}") for i in range(3)]
    client_pages = XMentions(client.http, client.base_url, client.user_id, client.bearer)
    client_pages.max_pages = 5
    page = client_pages.poll(None)
    assert {m.external_id for m in page.mentions} == set(ids) and page.cursor == ids[-1]
    m = page.mentions[0]
    assert m.author.startswith("@user") and m.url and "/status/" in m.url
    assert "& worse" in m.text, "X's &amp; is unescaped"
    newer = fake.add_mention("@mercy still waiting")
    again = client_pages.poll(page.cursor)
    assert [m.external_id for m in again.mentions] == [newer] and again.cursor == newer


def test_x_reply_fallbacks_to_manual(x) -> None:  # type: ignore[no-untyped-def]
    fake, client = x
    allowed = fake.add_mention("@mercy rude staff")
    refused = fake.add_mention("rude staff at mercy", allow_reply=False)
    reply_id = client.publish(Target("x", "x", allowed), "Sorry & please DM us.")
    assert reply_id and fake.tweets[reply_id]["in_reply_to"] == allowed
    copy = client.read_back(Target("x", "x", allowed))
    assert (
        copy is not None and copy.text == "Sorry & please DM us." and copy.external_id == reply_id
    )
    with pytest.raises(ManualOnly) as info:
        client.publish(Target("x", "x", refused), "Sorry.")
    assert info.value.code == "reply_not_allowed"
    with pytest.raises(ManualOnly):
        client.publish(Target("x", "x", allowed), "x" * 281)
    no_user = XMentions(client.http, client.base_url, client.user_id, client.bearer)
    with pytest.raises(ManualOnly) as missing:
        no_user.publish(Target("x", "x", allowed), "Sorry.")
    assert missing.value.setting == "X_USER_ACCESS_TOKEN"
    client.delete(Target("x", "x", allowed, published_external_id=reply_id))
    assert client.read_back(Target("x", "x", allowed, published_external_id=reply_id)) is None


def test_x_rate_limit_reset_header(x) -> None:  # type: ignore[no-untyped-def]
    import time

    fake, client = x
    fake.fail("GET", 429, headers={"x-rate-limit-reset": str(int(time.time()) + 600)})
    with pytest.raises(RateLimited) as info:
        client.poll(None)
    assert info.value.after is not None and 590 <= info.value.after <= 600


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["id", "message", "created_time", "from", "permalink_url", "text", "author_id"]
        ),
        json_scalars | st.dictionaries(st.sampled_from(["id", "name"]), json_scalars, max_size=2),
        max_size=7,
    )
)
def test_any_comment_or_tweet_shape_is_a_valid_mention_or_none(obj: dict) -> None:  # type: ignore[type-arg]
    for mention in (
        comment_to_mention(obj, "1000", "1000_1"),
        tweet_to_mention(obj, {"1": {"username": "pat"}}),
    ):
        if mention is not None:
            assert mention.text.strip() and mention.external_id and mention.author


def test_facebook_rating_with_text_becomes_a_mention() -> None:
    from connectors.facebook import rating_to_mention

    m = rating_to_mention(
        {
            "created_time": "2026-11-27T10:00:00+0000",
            "recommendation_type": "negative",
            "review_text": "Would not recommend the clinic",
            "reviewer": {"id": "5", "name": "Lee Park"},
            "open_graph_story": {"id": "998877"},
        },
        "1000",
    )
    assert m is not None and (m.external_id, m.rating, m.author) == ("998877", 1, "Lee Park")
    assert m.created_at is not None and m.created_at.hour == 10
    assert rating_to_mention({"recommendation_type": "negative"}, "1000") is None

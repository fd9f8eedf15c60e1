"""RSS/Atom with feedparser: Google Alerts shape, conditional GET, bad feeds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.http import HttpClient
from connectors.rss import RssSource, parse_feed
from tests.support.platforms import FakeFeed, serve
from workflows.platforms import BadResponse, NotFoundOnPlatform


def test_google_alert_entries_become_mentions_and_etag_saves_a_refetch() -> None:
    fake = FakeFeed()
    fake.add(
        "tag:google.com,2013:googlealerts/feed:1",
        "<b>Mercy General</b> ER wait was awful",
        "Waited <b>six hours</b> at <b>Mercy</b> &amp; nobody came",
        link="https://www.google.com/url?rct=j&url=https://news.example/story",
    )
    with serve(fake) as url:
        feed = url + "/alerts/feeds/123"
        rss = RssSource(HttpClient(), [feed])
        page = rss.poll(None)
        assert len(page.mentions) == 1
        m = page.mentions[0]
        assert (m.source, m.platform) == ("rss", "web")
        assert "<b>" not in m.text and "Mercy General ER wait was awful" in m.text
        assert "six hours at Mercy & nobody came" in m.text
        assert m.author == "Google Alert - Mercy General"
        assert m.url and m.url.startswith("https://www.google.com/url")
        again = rss.poll(page.cursor)
        assert again.mentions == [] and fake.count("GET") == 2, "304 Not Modified"
        fake.add("tag:2", "Another", "Rude staff")
        third = rss.poll(again.cursor)
        assert {x.external_id for x in third.mentions} == {
            "tag:google.com,2013:googlealerts/feed:1",
            "tag:2",
        }


def test_not_a_feed_and_missing_feed_name_rss_feeds() -> None:
    fake = FakeFeed(raw=b"<html><body>login required</body></html>")
    with serve(fake) as url:
        with pytest.raises(BadResponse) as info:
            RssSource(HttpClient(), [url + "/alerts/feeds/1"]).poll(None)
        assert info.value.setting == "RSS_FEEDS"
        fake.fail("GET", 404)
        with pytest.raises(NotFoundOnPlatform) as missing:
            RssSource(HttpClient(), [url + "/alerts/feeds/1"]).poll(None)
        assert missing.value.setting == "RSS_FEEDS"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_parse_to_mentions_or_a_clear_error(body: bytes) -> None:
    try:
        mentions = parse_feed(body, "https://feeds.example/a")
    except BadResponse as exc:
        assert exc.setting == "RSS_FEEDS"
        return
    for m in mentions:
        assert m.text and m.external_id and m.source == "rss"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=300), st.text(max_size=200), st.text(max_size=200)),
        max_size=4,
    )
)
def test_generated_atom_entries_round_trip(entries: list[tuple[str, str, str]]) -> None:
    fake = FakeFeed()
    for ident, title, content in entries:
        fake.add(ident, title, content)
    # the fake escapes XML; feedparser must never raise, every mention must be valid
    for m in parse_feed(fake.body(), "https://feeds.example/a"):
        assert len(m.external_id) <= 255 and m.text.strip()

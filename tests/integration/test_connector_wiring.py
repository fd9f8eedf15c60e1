"""connectors.wiring: the platform publishers take ``publish`` over only when one is
configured, keep the chat surfaces' manual handlers behind them (also when wired twice),
and always handle ``unpublish``."""

from __future__ import annotations

from typing import Any

from app import build_container
from connectors.wiring import runtime, wire
from tests.conftest import make_settings
from tests.support.fakes import FakeScreen, FixedSentiment
from workflows.relay import OutboxItem
from workflows.topics import Topic

GBP = {
    "GBP_CLIENT_ID": "cid",
    "GBP_CLIENT_SECRET": "csecret",
    "GBP_REFRESH_TOKEN": "rt",
    "GBP_ACCOUNT_ID": "1",
    "GBP_LOCATION_IDS": "L1, locations/L2",
}


def container(url: str, **settings: Any) -> Any:
    return build_container(
        make_settings(url, **settings), screen=FakeScreen(), sentiment=FixedSentiment()
    )


def test_publish_taken_over_with_manual_kept_behind(sqlite_url: str) -> None:
    c = container(sqlite_url, **GBP)
    try:
        handed: list[int] = []

        def manual(item: OutboxItem) -> None:
            handed.append(item.id)

        c.relay.register(Topic.PUBLISH, manual, adapter="slack")
        rt = wire(c)
        wire(c)  # a second HTTP app on the same container
        assert set(c.relay.handlers[Topic.PUBLISH]) == {"platforms"}
        assert set(c.relay.handlers[Topic.UNPUBLISH]) == {"platforms"}
        assert rt.publishing.manual is manual
        assert rt is runtime(c)
        gbp = rt.connectors.sources["gbp"]
        assert tuple(gbp.location_ids) == ("L1", "L2")
        assert set(rt.connectors.publishers) == {"gbp"}
    finally:
        c.close()


def test_without_publishers_the_manual_handlers_stay(sqlite_url: str) -> None:
    c = container(sqlite_url, RSS_FEEDS="https://feeds.example/a")
    try:
        c.relay.register(Topic.PUBLISH, lambda item: None, adapter="slack")
        rt = wire(c)
        assert set(c.relay.handlers[Topic.PUBLISH]) == {"slack"}
        assert set(rt.connectors.sources) == {"rss"} and rt.connectors.publishers == {}
    finally:
        c.close()


def test_a_malformed_setting_stops_only_that_source(sqlite_url: str) -> None:
    c = container(sqlite_url, RSS_FEEDS="not a url", **GBP)
    try:
        rt = runtime(c)
        assert set(rt.connectors.sources) == {"gbp"}
        assert rt.connectors.problems == {
            "rss": "RSS_FEEDS must be comma-separated http(s) feed URLs"
        }
    finally:
        c.close()


YELP = {"YELP_PARTNER_TOKEN": "yelp-token", "YELP_BUSINESS_IDS": "biz-1, biz-2"}


def test_yelp_partner_api_publishes_only_when_enabled(sqlite_url: str) -> None:
    from connectors.yelp import YelpPartner

    c = container(sqlite_url, YELP_PARTNER_API_ENABLED=True, **YELP)
    try:
        c.relay.register(Topic.PUBLISH, lambda item: None, adapter="slack")
        rt = wire(c)
        yelp = rt.connectors.publishers["yelp"]
        assert isinstance(yelp, YelpPartner) and tuple(yelp.business_ids) == ("biz-1", "biz-2")
        assert "yelp" not in rt.connectors.sources, "Yelp is not polled"
        assert set(c.relay.handlers[Topic.PUBLISH]) == {"platforms"}
    finally:
        c.close()
    off = container(sqlite_url, **YELP)
    try:
        off.relay.register(Topic.PUBLISH, lambda item: None, adapter="slack")
        rt = wire(off)
        assert rt.connectors.publishers == {} and rt.connectors.sources == {}
        assert set(off.relay.handlers[Topic.PUBLISH]) == {"slack"}
    finally:
        off.close()

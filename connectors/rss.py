"""RSS and Atom feeds (Google Alerts, any feed), parsed with feedparser.

Feeds are fetched by the shared client (feedparser never opens a URL itself), with
``If-None-Match`` / ``If-Modified-Since`` from the cursor so an unchanged feed costs a
304. Feeds have no reliable order, so every entry of a changed feed is offered to ingest,
which absorbs the ones it has (external id: the entry's id, else its link)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from connectors.common import (
    as_dict,
    build_mention,
    dump_cursor,
    html_to_text,
    load_cursor,
    short_hash,
)
from connectors.http import HttpClient, Settings
from workflows.platforms import BadResponse, PollPage
from workflows.types import MentionInput

NAMES = Settings(base="RSS_FEEDS", auth="RSS_FEEDS", not_found="RSS_FEEDS")
SOURCE = "rss"
PLATFORM = "web"


def _time(entry: Any, *names: str) -> datetime | None:
    for name in names:
        value = entry.get(name)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def parse_feed(body: bytes, feed_url: str) -> list[MentionInput]:
    """Entries of one feed as mentions (entries without an id or link are skipped).
    A body that is not a feed at all raises BadResponse naming RSS_FEEDS."""
    parsed = feedparser.parse(body)
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        raise BadResponse("not_a_feed", setting="RSS_FEEDS", detail="a feed is not RSS or Atom")
    feed_title = html_to_text(str(parsed.get("feed", {}).get("title") or "")) or (
        urlsplit(feed_url).netloc or "feed"
    )
    out: list[MentionInput] = []
    for entry in entries:
        link = entry.get("link")
        ident = entry.get("id") or link
        if not ident:
            continue
        title = html_to_text(str(entry.get("title") or ""))
        summary = ""
        if entry.get("content"):
            summary = html_to_text(str(entry["content"][0].get("value") or ""))
        elif entry.get("summary"):
            summary = html_to_text(str(entry.get("summary") or ""))
        text = "\n".join(part for part in (title, summary) if part)
        if not text.strip():
            continue
        mention = build_mention(
            source=SOURCE,
            external_id=str(ident),
            platform=PLATFORM,
            author=html_to_text(str(entry.get("author") or "")) or feed_title,
            text=text,
            url=link,
            created_at=_time(entry, "published_parsed", "updated_parsed"),
            location=feed_title,
        )
        if mention is not None:
            out.append(mention)
    return out


@dataclass
class RssSource:
    http: HttpClient
    feeds: Sequence[str]
    name: str = SOURCE

    def poll(self, cursor: str | None) -> PollPage:
        state = load_cursor(cursor)
        mentions: list[MentionInput] = []
        new_state: dict[str, Any] = {}
        for url in self.feeds:
            key = short_hash(url)
            previous = as_dict(state.get(key))
            headers = {}
            if previous.get("e"):
                headers["If-None-Match"] = str(previous["e"])
            if previous.get("m"):
                headers["If-Modified-Since"] = str(previous["m"])
            response = self.http.request("GET", url, NAMES, headers=headers)
            if response.status_code == 304:
                new_state[key] = previous
                continue
            mentions.extend(parse_feed(response.content, url))
            entry: dict[str, str] = {}
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag and len(etag) <= 120:
                entry["e"] = etag
            if modified and len(modified) <= 64:
                entry["m"] = modified
            new_state[key] = entry
        text = dump_cursor(new_state)
        if len(text) > 1000:  # many feeds: drop the validators rather than the cursor
            text = dump_cursor({k: {} for k in new_state})
        return PollPage(mentions, text)

    def check(self) -> str:
        count = 0
        for url in self.feeds:
            response = self.http.request("GET", url, NAMES)
            count += len(parse_feed(response.content, url))
        return f"{len(self.feeds)} feed(s) reachable, {count} entries"
